// The load tool's pure parts: its options, and what each virtual shopper does (the book's
// sneaker_admin_bench: a unique 64-char cart, a random /bench/N page, one random item).
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

export interface ShoppersOptions {
  /** The shoppers' socket, e.g. `ws://localhost:4000/product_socket`. */
  url: string;
  /** Chunks of `perChunk` shoppers (1..50; 10 → the book's 1,000). */
  chunks: number;
  perChunk: number;
  /** Pause between chunks. */
  intervalMs: number;
  /** Leave after this many seconds; undefined: hold until Ctrl-C. */
  holdS?: number;
  /** Pages `/bench/1` … `/bench/<pages>`. */
  pages: number;
  /** Item ids 1 … maxItemId (26 in the book's freshly seeded store). */
  maxItemId: number;
  /** A dropped shopper reconnects after this long (the book's reconnect_interval, 10 s). */
  reconnectMs: number;
  /** A shopper not joined after this long counts as failed (the book: 200 × 500 ms). */
  connectTimeoutMs: number;
}

export class UsageError extends Error {}

export const SHOPPERS_USAGE = `usage: npm run cli -w apps/sneakers -- shoppers --url ws://HOST:PORT [options]

  --url URL          the store (ws://, wss://, http:// or https://); /product_socket is added when no path is given
  --chunks N         chunks of 100 shoppers, 1..50 (default 10: 1,000 shoppers)
  --hold-s N         leave after N seconds (default: hold until Ctrl-C)
  --interval-ms N    pause between chunks (default 100)
  --max-item N       random item ids 1..N (default 26, the seeded store)
  --pages N          random pages /bench/1..N (default 4)
  --reconnect-ms N   a dropped shopper reconnects after N ms and rejoins with its cart (default 10000)`;

function integer(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value === "" || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The shoppers' socket URL: http(s) becomes ws(s), and a bare host gets `/product_socket`.
 *
 * @example
 * shopperSocketUrl("http://localhost:4000"); // "ws://localhost:4000/product_socket"
 */
export function shopperSocketUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be a URL like ws://localhost:4000, got ${JSON.stringify(raw)}`);
  }
  const protocols: Record<string, string> = { "ws:": "ws:", "wss:": "wss:", "http:": "ws:", "https:": "wss:" };
  const protocol = protocols[url.protocol];
  if (!protocol) throw new UsageError(`--url must be ws://, wss://, http:// or https://, got ${JSON.stringify(raw)}`);
  url.protocol = protocol;
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/product_socket";
  url.pathname = url.pathname.replace(/\/websocket\/?$/, "").replace(/\/$/, "");
  return url.toString();
}

/**
 * Parses `shoppers` arguments.
 *
 * @example
 * parseShoppersArgs(["--url", "ws://localhost:4000", "--chunks", "2"]).chunks; // 2
 */
export function parseShoppersArgs(argv: string[]): ShoppersOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        chunks: { type: "string" },
        "hold-s": { type: "string" },
        "interval-ms": { type: "string" },
        "max-item": { type: "string" },
        pages: { type: "string" },
        "reconnect-ms": { type: "string" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const str = (name: string) => values[name] as string | undefined;
  if (!str("url")) throw new UsageError("shoppers needs --url (e.g. --url ws://localhost:4000)");
  const hold = str("hold-s");
  return {
    url: shopperSocketUrl(str("url")!),
    chunks: integer(str("chunks"), "chunks", 1, 50, 10),
    perChunk: 100,
    intervalMs: integer(str("interval-ms"), "interval-ms", 0, 60_000, 100),
    holdS: hold === undefined ? undefined : integer(hold, "hold-s", 0, 86_400, 0),
    pages: integer(str("pages"), "pages", 1, 1_000, 4),
    maxItemId: integer(str("max-item"), "max-item", 1, 1_000_000, 26),
    reconnectMs: integer(str("reconnect-ms"), "reconnect-ms", 10, 600_000, 10_000),
    connectTimeoutMs: 100_000,
  };
}

/** 64 characters of URL-safe base64 over random bytes: a cart id the cart channel accepts. */
export function randomCartId(bytes: (n: number) => Buffer = randomBytes): string {
  return bytes(48).toString("base64url");
}

export interface ShopperPlan {
  cartId: string;
  page: string;
  itemId: number;
}

/**
 * One shopper's cart, page and item; `random` is `Math.random`-like (tests pass a seeded one).
 *
 * @example
 * planShopper({ pages: 4, maxItemId: 26 }, () => 0); // { page: "/bench/1", itemId: 1, cartId: … }
 */
export function planShopper(options: Pick<ShoppersOptions, "pages" | "maxItemId">, random: () => number = Math.random, cartId = randomCartId()): ShopperPlan {
  const pick = (n: number) => 1 + Math.min(n - 1, Math.floor(random() * n));
  return { cartId, page: `/bench/${pick(options.pages)}`, itemId: pick(options.maxItemId) };
}
