// A shopper's page in Chromium for the store's browser acceptance tests: opens `/`, records every
// WebSocket the page opens with its Phoenix frames ([join_ref, ref, topic, event, payload]), and
// reads the product listings back as plain data. Every wait retries until a bound, and its
// failure message carries the page's diagnostics and the server's log.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { describeDiagnostics, watchPage } from "./browser.js";
import type { SneakersProcess } from "./process.js";

type PageDiagnostics = ReturnType<typeof watchPage>;

/** Bound of every wait for the page (a live update arrives in milliseconds). */
export const WAIT_MS = 15_000;

export interface PhxFrame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: any;
  at: number;
}

export interface SocketRecord {
  url: string;
  sent: PhxFrame[];
  received: PhxFrame[];
  closed: boolean;
}

export interface ButtonState {
  value: string;
  label: string;
  classes: string[];
  disabled: boolean;
}

export interface ListingState {
  id: string;
  name: string;
  text: string;
  comingSoon: boolean;
  hasSizes: boolean;
  buttons: ButtonState[];
}

export interface Shopper {
  page: Page;
  diagnostics: PageDiagnostics;
  /** Every WebSocket the page opened, oldest first. */
  sockets: SocketRecord[];
  /** A failure message: `what`, then the page's diagnostics, sockets and the server's log. */
  context(what: string): string;
}

function parseFrame(payload: string | Buffer): PhxFrame | undefined {
  if (typeof payload !== "string") return undefined;
  try {
    const [joinRef, ref, topic, event, body] = JSON.parse(payload) as [string | null, string | null, string, string, unknown];
    return { joinRef, ref, topic, event, payload: body, at: Date.now() };
  } catch {
    return undefined;
  }
}

/**
 * Opens a page in `context` that records its WebSockets (listening before the navigation, so
 * the first joins are seen); `server()` is read at failure time, so it can be replaced by a restart.
 */
export async function openShopper(context: BrowserContext, server: () => SneakersProcess | undefined): Promise<Shopper> {
  const page = await context.newPage();
  const diagnostics = watchPage(page);
  const sockets: SocketRecord[] = [];
  page.on("websocket", (ws) => {
    const record: SocketRecord = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(record);
    ws.on("framesent", ({ payload }) => {
      const frame = parseFrame(payload);
      if (frame) record.sent.push(frame);
    });
    ws.on("framereceived", ({ payload }) => {
      const frame = parseFrame(payload);
      if (frame) record.received.push(frame);
    });
    ws.on("close", () => {
      record.closed = true;
    });
  });
  const shopper: Shopper = {
    page,
    diagnostics,
    sockets,
    context(what) {
      const socketLines = sockets.map((s, i) => {
        const events = s.received.filter((f) => f.topic !== "phoenix").map((f) => `${f.topic}/${f.event}`);
        return `#${i} ${s.url}${s.closed ? " (closed)" : ""}: sent ${s.sent.length}, received ${s.received.length} [${events.slice(-12).join(", ")}]`;
      });
      const log = server()?.output().split("\n").slice(-40).join("\n") ?? "(no server)";
      return `${what}\n--- page ${page.url()} ---${describeDiagnostics(diagnostics)}\n--- websockets ---\n${socketLines.join("\n") || "(none)"}\n--- server log ---\n${log}`;
    },
  };
  return shopper;
}

/** Loads `/` and checks it answers 200 with the no-store header. */
export async function load(shopper: Shopper, baseUrl: string): Promise<void> {
  const response = await shopper.page.goto(`${baseUrl}/`, { waitUntil: "load", timeout: WAIT_MS });
  if (response?.status() !== 200) throw new Error(shopper.context(`GET ${baseUrl}/ answered ${response?.status()}`));
}

/** Every `.product-listing` of the page, in order, as plain data. */
export function listings(page: Page): Promise<ListingState[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>(".product-listing")).map((el) => ({
      id: el.dataset.productId ?? "",
      name: el.querySelector(".product-listing__detail-header")?.textContent?.trim() ?? "",
      text: (el.textContent ?? "").replace(/\s+/g, " ").trim(),
      comingSoon: el.querySelector(`h4.product-soon-${el.dataset.productId}`) !== null,
      hasSizes: el.querySelector(".size-container") !== null,
      buttons: Array.from(el.querySelectorAll<HTMLButtonElement>("button.size-container__entry")).map((b) => ({
        value: b.value,
        label: b.textContent?.trim() ?? "",
        classes: Array.from(b.classList),
        disabled: b.disabled,
      })),
    })),
  );
}

/** The level classes (`out`, `low`, …) a button has. */
export function levelsOf(button: ButtonState): string[] {
  return button.classes.filter((c) => c.startsWith("size-container__entry--level-")).map((c) => c.slice("size-container__entry--level-".length));
}

/** Waits until `predicate(listings)` holds on the page; fails with the diagnostics and the last state. */
export async function waitForListings(shopper: Shopper, what: string, predicate: (all: ListingState[]) => boolean, ms = WAIT_MS): Promise<ListingState[]> {
  const deadline = Date.now() + ms;
  let last: ListingState[] = [];
  let error = "";
  while (Date.now() < deadline) {
    try {
      last = await listings(shopper.page);
      if (predicate(last)) return last;
    } catch (err) {
      // A navigation in progress destroys the context: try again.
      error = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    shopper.context(`timed out after ${ms} ms waiting for: ${what}${error ? ` (last error: ${error})` : ""}\n--- last listings ---\n${summarize(last)}`),
  );
}

export function summarize(all: ListingState[]): string {
  return all
    .map(
      (l) =>
        `product ${l.id} ${l.name}: ${l.comingSoon ? "coming soon" : ""}${l.hasSizes ? "sizes" : ""} ${l.buttons.map((b) => `${b.label}=${levelsOf(b).join("+")}${b.disabled ? "(disabled)" : ""}`).join(" ")}`,
    )
    .join("\n");
}

/** Frames received on `topic` for `event` across every socket of the page. */
export function received(shopper: Shopper, topic: string, event: string): PhxFrame[] {
  return shopper.sockets.flatMap((s) => s.received.filter((f) => f.topic === topic && f.event === event));
}

/** The `ok` replies to `phx_join` for `topic` on `socket`. */
export function joinOks(socket: SocketRecord, topic: string): PhxFrame[] {
  const joinRefs = new Set(socket.sent.filter((f) => f.topic === topic && f.event === "phx_join").map((f) => f.ref));
  return socket.received.filter((f) => f.topic === topic && f.event === "phx_reply" && joinRefs.has(f.ref) && f.payload?.status === "ok");
}

/** Polls `probe` until it returns true (rejects with the shopper's context after `ms`). */
export async function until(shopper: Shopper, what: string, probe: () => boolean | Promise<boolean>, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(shopper.context(`timed out after ${ms} ms waiting for: ${what}`));
}

/** Whether the page's phoenix Socket (`window.productSocket`) says it is connected. */
export function socketConnected(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { productSocket: { isConnected(): boolean } }).productSocket.isConnected()).catch(() => false);
}

/** Waits until the newest socket of the page has joined every `topic` (ok replies). */
export async function waitForJoins(shopper: Shopper, topics: string[], socketIndex?: number): Promise<SocketRecord> {
  let socket: SocketRecord | undefined;
  await until(shopper, `ok replies to phx_join for ${topics.join(", ")}`, () => {
    socket = shopper.sockets[socketIndex ?? shopper.sockets.length - 1];
    return socket !== undefined && topics.every((t) => joinOks(socket as SocketRecord, t).length > 0);
  });
  return socket as SocketRecord;
}

/** A temporary directory holding this test file's SQLite database. */
export function tempDatabase(name: string): { url: string; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `sneakers-${name}-`));
  return { url: `sqlite:${join(dir, "sneakers.sqlite")}`, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
