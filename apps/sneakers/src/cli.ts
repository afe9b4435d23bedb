// The operator's console (the book's iex sessions), acting through a running node's operator API
// so it works the same against one server or any node of a cluster.
//
//   npm run cli -w apps/sneakers -- release 1
//   npm run cli -w apps/sneakers -- sell-until-gone 200 250 --url http://localhost:4001
import { parseArgs } from "node:util";
import { runShoppers } from "./cli/shoppers.js";

const USAGE = `usage: npm run cli -w apps/sneakers -- <command> [--url URL]

  reset                                 drop, migrate and seed the database (2 unreleased products)
  release <productId>                   release a product: saved, then live on every page
  notify <productId>                    re-send a product's release to the pages (changes nothing)
  sell <itemId>                         sell one pair of an item
  set-stock <itemId> <count>            set an item's count (same path as a sale)
  sell-until-gone [perTick=200] [tickMs=250]   sell random items until nothing is left
  restart <inventory|replication|database>     restart one component of the server
  status                                products, releases and counts as JSON
  shoppers --url ws://… [--chunks 10] [--hold-s N]   load test: chunks of 100 shoppers in carts (see the admin dashboard)

--url defaults to http://localhost:$PORT (4000), or to the store's port when that is the root
npm start's index. The API key is $API_KEY (default: the development key).`;

class CliError extends Error {}

async function main(argv: string[]): Promise<void> {
  // Its own options (--chunks, --hold-s): parsed in src/cli/shoppers_plan.ts.
  if (argv[0] === "shoppers") process.exit(await runShoppers(argv.slice(1)));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    if (!command && !values.help) throw new CliError("no command given");
    return;
  }
  const base = values.url ? values.url.replace(/\/$/, "") : await defaultUrl();
  const api = client(base, process.env.API_KEY || "dev-api-key");

  switch (command) {
    case "reset":
      await api("POST", "/api/reset");
      console.log("database reset and seeded");
      return;
    case "release": {
      const id = positiveInt(args[0], "productId");
      await api("POST", `/api/products/${id}/release`);
      console.log(`product ${id} released`);
      return;
    }
    case "notify": {
      const id = positiveInt(args[0], "productId");
      await api("POST", `/api/products/${id}/notify`);
      console.log(`product ${id}: release re-sent`);
      return;
    }
    case "sell": {
      const id = positiveInt(args[0], "itemId");
      const { result } = (await api("POST", `/api/items/${id}/sell`)) as { result: string };
      if (result !== "ok") throw new CliError(`item ${id}: not available (none left)`);
      console.log(`item ${id}: sold one`);
      return;
    }
    case "set-stock": {
      const id = positiveInt(args[0], "itemId");
      const count = nonNegativeInt(args[1], "count");
      await api("PUT", `/api/items/${id}/stock`, { count });
      console.log(`item ${id}: ${count} in stock`);
      return;
    }
    case "sell-until-gone": {
      const perTick = args[0] === undefined ? 200 : positiveInt(args[0], "perTick");
      const tickMs = args[1] === undefined ? 250 : nonNegativeInt(args[1], "tickMs");
      await sellUntilGone(api, perTick, tickMs);
      return;
    }
    case "restart": {
      const component = args[0];
      if (!["inventory", "replication", "database"].includes(component ?? "")) throw new CliError("restart needs one of: inventory, replication, database");
      await api("POST", `/api/restart/${component}`);
      console.log(`${component} restarted`);
      return;
    }
    case "status":
      console.log(JSON.stringify(await api("GET", "/api/status"), null, 2));
      return;
    default:
      throw new CliError(`unknown command ${JSON.stringify(command)} (see --help)`);
  }
}

/**
 * `http://localhost:$PORT` (default 4000). When that is the root `npm start`'s index of every app,
 * the store is on its own port, which the index's `/apps.json` names.
 */
async function defaultUrl(): Promise<string> {
  const base = `http://localhost:${process.env.PORT ?? 4000}`;
  try {
    const response = await fetch(`${base}/apps.json`, { signal: AbortSignal.timeout(2_000) });
    if (response.ok) {
      const apps = (await response.json()) as { name: string; port: number }[];
      const store = Array.isArray(apps) ? apps.find((a) => a.name === "Sneakers23") : undefined;
      if (store) return `http://localhost:${store.port}`;
    }
  } catch {
    // Not the index (or nothing there yet): the request itself will say what is wrong.
  }
  return base;
}

type Api = (method: string, path: string, body?: object) => Promise<unknown>;

async function sellUntilGone(api: Api, perTick: number, tickMs: number): Promise<void> {
  let total = 0;
  for (;;) {
    const tick = (await api("POST", "/api/sell-random", { count: perTick })) as { sold: unknown[]; units_in_stock: number };
    total += tick.sold.length;
    if (tick.units_in_stock === 0) {
      console.log(`sold ${total} pairs; sold out!`);
      return;
    }
    console.log(`still selling... ${total} sold, ${tick.units_in_stock} left`);
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
}

function client(base: string, apiKey: string): Api {
  return async (method, path, body) => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      // Inside the try: a server that dies mid-answer is the same one-line error, not a stack.
      text = await response.text();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the server at ${base} (${cause?.code ?? cause?.message ?? (err as Error).message}); is it running? (--url)`);
    }
    let json: { error?: string } | undefined;
    try {
      json = JSON.parse(text);
    } catch {}
    if (!response.ok) throw new CliError(json?.error ?? `HTTP ${response.status}: ${text.slice(0, 200)}`);
    return json;
  };
}

function positiveInt(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!value || !Number.isInteger(n) || n <= 0) throw new CliError(`${name} must be a positive integer, got ${JSON.stringify(value ?? "")}`);
  return n;
}

function nonNegativeInt(value: string | undefined, name: string): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isInteger(n) || n < 0)
    throw new CliError(`${name} must be a whole number ≥ 0, got ${JSON.stringify(value ?? "")}`);
  return n;
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`error: ${err instanceof CliError ? err.message : (err as Error).stack}`);
  process.exit(1);
});
