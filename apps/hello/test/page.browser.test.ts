// The HelloSockets page in a real browser: headless Chromium loads `/`, whose bundle runs the
// book's client code on the official `phoenix` client, and the test reads what the page shows
// in `<pre id="log">`. Every wait is bounded (≤ 15 s); a missing Chromium fails the suite.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Endpoint } from "fenix";
import type { Browser, Page } from "playwright-core";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEDUPE_WINDOW_MS, createHelloApp } from "../src/app.js";
import { INSTALL_TIMEOUT_MS, type PageDiagnostics, describeDiagnostics, launchChromium, watchPage } from "./support/browser.js";

const SECRET = "page-browser-test-secret-key-base-0123456789abcdefghijklmnopqrstu";
const WAIT = { timeout: 15_000, interval: 100 };
const APP_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../dist/assets/app.js", import.meta.url));
const SCREENSHOT = "/tmp/hello-page.png";

let endpoint: Endpoint | undefined;
let server: Server | undefined;
let browser: Browser | undefined;
let page: Page;
let diagnostics: PageDiagnostics;
let baseUrl = "";

/** Server-side log messages (pino JSON lines reduced to `[level] msg`). */
const serverLog: string[] = [];
const logger = pino(
  { level: "debug", base: undefined },
  {
    write(line: string) {
      const { level, msg } = JSON.parse(line) as { level: number; msg: string };
      serverLog.push(`[${level >= 50 ? "error" : level >= 40 ? "warn" : level >= 30 ? "info" : "debug"}] ${msg}`);
    },
  },
);

function ensureBundle(): void {
  if (existsSync(BUNDLE)) return;
  const run = spawnSync(process.execPath, ["build.mjs"], { cwd: APP_DIR, encoding: "utf8", timeout: 60_000 });
  if (!existsSync(BUNDLE)) throw new Error(`page bundle missing and \`node build.mjs\` failed in ${APP_DIR}:\n${run.stderr || run.error?.message}`);
}

/** The lines the page shows in `#log`. */
async function pageLines(): Promise<string[]> {
  const text = await page.locator("#log").textContent({ timeout: 5_000 });
  return (text ?? "").split("\n").filter((line) => line.length > 0);
}

async function linesStartingWith(prefix: string): Promise<string[]> {
  return (await pageLines()).filter((line) => line.startsWith(prefix));
}

/** The JSON payload a line like `new number received {"value":1}` carries after `prefix`. */
function payloadOf(line: string, prefix: string): unknown {
  return JSON.parse(line.slice(prefix.length).trim());
}

/** A failure message with the page's log, its console/errors and the server log. */
async function context(what: string): Promise<string> {
  const lines = await pageLines().catch((err: Error) => [`(could not read #log: ${err.message})`]);
  const tokens = lines.filter((line) => line.startsWith("received new auth token")).length;
  const shown = lines.filter((line) => !line.startsWith("received new auth token"));
  return `${what}\n--- #log (${tokens} "received new auth token" lines omitted) ---\n${shown.join("\n")}${describeDiagnostics(diagnostics)}\n--- server log ---\n${serverLog.slice(-40).join("\n")}`;
}

/** Polls until the page shows at least `min` lines starting with `prefix`; returns them. */
async function waitForLines(prefix: string, min = 1): Promise<string[]> {
  let found: string[] = [];
  try {
    await expect
      .poll(async () => {
        found = await linesStartingWith(prefix);
        return found.length;
      }, WAIT)
      .toBeGreaterThanOrEqual(min);
  } catch (err) {
    throw new Error(await context(`expected ≥ ${min} line(s) starting with ${JSON.stringify(prefix)} within 15 s, saw ${found.length}`), {
      cause: err,
    });
  }
  return found;
}

async function waitForServerLog(fragment: string, min = 1): Promise<void> {
  try {
    await expect.poll(() => serverLog.filter((line) => line.includes(fragment)).length, WAIT).toBeGreaterThanOrEqual(min);
  } catch (err) {
    throw new Error(await context(`expected ≥ ${min} server log line(s) containing ${JSON.stringify(fragment)} within 15 s`), { cause: err });
  }
}

describe("HelloSockets page in headless Chromium", () => {
  // A setup failure (no Chromium, no bundle, the page not loading) fails every test loudly
  // rather than leaving them reported as skipped.
  let setupError: unknown;
  beforeAll(async () => {
    try {
      ensureBundle();
      endpoint = createHelloApp({ secretKeyBase: SECRET, apiKey: "test-key", recurringMs: 300, logger });
      server = await endpoint.listen(0);
      baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      diagnostics = watchPage(page);
      const response = await page.goto(`${baseUrl}/`, { timeout: 15_000, waitUntil: "load" });
      if (response?.status() !== 200) throw new Error(`GET ${baseUrl}/ answered ${response?.status()}`);
    } catch (err) {
      setupError = err;
    }
  }, INSTALL_TIMEOUT_MS + 60_000);

  beforeEach(() => {
    if (setupError) throw setupError;
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await endpoint?.close();
  }, 20_000);

  it("renders the page and runs the bundle", async () => {
    expect(await page.title()).toBe("Hello Sockets · Fenix");
    await expect.poll(() => page.locator("h1").textContent({ timeout: 5_000 }), WAIT).toBe("Hello Sockets");
    // The bundle's first synchronous log lines prove /assets/app.js loaded and ran.
    await waitForLines("send ping");
    await waitForLines("send pong");
  });

  it("joins ping through the origin check and answers the pushes buffered before the join", async () => {
    await waitForLines("Joined ping");
    // `ping` was pushed before the join completed: the client buffered it and sent it after.
    expect(await waitForLines("receive pong")).toEqual(["receive pong"]);

    const errors = await waitForLines("! param_ping error:");
    expect(payloadOf(errors[0], "! param_ping error:")).toEqual({ reason: "You asked for this!" });

    const oks = await waitForLines("param_ping ok:");
    expect(payloadOf(oks[0], "param_ping ok:")).toEqual({ error: false, arr: [1, 2] });

    expect(serverLog.some((line) => line.includes("REFUSED CONNECTION"))).toBe(false);
  });

  it("connects the auth socket with the page's token, joins user:1 and receives recurring tokens", async () => {
    await waitForLines("authSocket connected");
    await waitForLines("Joined user:1");
    const tokens = await waitForLines("received new auth token", 2);
    for (const line of tokens) {
      const payload = payloadOf(line, "received new auth token") as { token?: unknown };
      expect(typeof payload.token, line).toBe("string");
      expect((payload.token as string).length).toBeGreaterThan(20);
    }
    expect((await pageLines()).some((line) => line.startsWith("! Unable to join user:1"))).toBe(false);
  });

  it("rejoins ping after the `invalid` event crashes the channel", async () => {
    // The client logs "Joined ping" on every successful join: the crash (phx_error) makes it rejoin.
    await waitForLines("Joined ping", 2);
    await waitForServerLog('an exception was raised in PingChannel.handleIn("invalid") on ping');
    await waitForServerLog("JOIN ping to PingChannel ok", 2);
    const lines = await pageLines();
    expect(
      lines.some((line) => line.includes("won't happen")),
      await context("the invalid push must not be answered"),
    ).toBe(false);
  });

  it("answers a server-side request_ping broadcast with a ping", async () => {
    await waitForLines("Joined ping", 2); // broadcast only once the rejoined channel is subscribed
    await endpoint?.broadcast("ping", "request_ping", {});

    const requested = await waitForLines("ping requested");
    expect(requested).toHaveLength(1);
    expect(payloadOf(requested[0], "ping requested")).toEqual({ from_node: "nonode@nohost" });

    await waitForLines("ping: pong");
    const lines = await pageLines();
    expect(lines.indexOf("ping: pong")).toBeGreaterThan(lines.indexOf(requested[0]));
  });

  it("dedupes `number` broadcasts on dupe: 1, 2, 1, 3 arrive once each, in order", async () => {
    await waitForServerLog("JOIN dupe to DedupeChannel ok");
    for (const number of [1, 2, 1, 3]) await endpoint?.broadcast("dupe", "number", { number });

    await waitForLines("new number received", 3);
    // Nothing more may arrive after the flush window.
    await new Promise((resolve) => setTimeout(resolve, DEDUPE_WINDOW_MS + 700));
    const received = await linesStartingWith("new number received");
    expect(
      received.map((line) => payloadOf(line, "new number received")),
      await context("numbers received"),
    ).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
  });

  it("logs no unexpected errors and takes a screenshot", async () => {
    expect(diagnostics.errors, await context("uncaught page errors")).toEqual([]);
    expect(
      diagnostics.failedRequests.filter((r) => !r.includes("favicon")),
      await context("failed requests"),
    ).toEqual([]);
    await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: 15_000 });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
