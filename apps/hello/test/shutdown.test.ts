// Graceful shutdown of the built app (dist/main.js): on SIGTERM readiness fails at once, new
// connections are refused with 503, open ones close with 1012 spread over DRAIN_MS, then the
// process exits 0. Needs `npm run build` (the test runs the built code).
import type { IncomingHttpHeaders } from "node:http";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { freePort, spawnHello, waitListening } from "./support/process.js";
import type { HelloProcess } from "./support/process.js";
import { WireClient, joinFrame, reply } from "./support/wire.js";

const DRAIN_MS = 1_500;
const CLIENTS = 20;

const processes: HelloProcess[] = [];
const clients: WireClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(processes.splice(0).map((p) => p.stop()));
});

async function probe(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}

/** Attempts a WebSocket upgrade; resolves with the HTTP refusal (status and headers), or "open". */
function upgrade(url: string): Promise<{ status: number; headers: IncomingHttpHeaders } | "open"> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 1_000 });
    ws.on("error", reject);
    ws.once("open", () => {
      ws.terminate();
      resolve("open");
    });
    ws.once("unexpected-response", (req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
      req.destroy();
    });
  });
}

it("SIGTERM: /ready 503 at once, /health 200, new upgrades 503, clients closed with 1012 over DRAIN_MS, exit 0", async () => {
  const port = await freePort();
  const proc = spawnHello({
    PORT: String(port),
    SECRET_KEY_BASE: "shutdown-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz",
    API_KEY: "shutdown-test-api-key",
    NODE_ENV: undefined,
    DRAIN_MS: String(DRAIN_MS),
  });
  processes.push(proc);
  await waitListening(proc, port);
  const url = `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`;

  expect(await probe(port, "/ready")).toEqual({ status: 200, body: { status: "ready" } });
  for (let i = 0; i < CLIENTS; i++) clients.push(await WireClient.open(url));
  for (const client of clients) {
    expect(await client.request(joinFrame("1", "ping"), 2_000)).toEqual(reply("1", "1", "ping", "ok"));
  }

  const closing = clients.map((client) => client.waitClose(DRAIN_MS + 5_000).then(({ code }) => ({ code, at: performance.now() })));
  for (const p of closing) p.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
  const exit = proc.exited(DRAIN_MS + 5_000);

  const signalledAt = performance.now();
  proc.child.kill("SIGTERM");

  // Readiness fails before any connection is let go, so the load balancer stops sending clients.
  let ready = await probe(port, "/ready");
  for (let tries = 0; ready.status === 200 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    ready = await probe(port, "/ready");
  }
  const readyFailedAt = performance.now() - signalledAt;
  expect(ready).toEqual({ status: 503, body: { status: "draining" } });
  expect(readyFailedAt).toBeLessThan(250);
  // Liveness still passes while draining: the process is healthy, just leaving.
  expect(await probe(port, "/health")).toEqual({ status: 200, body: { status: "ok" } });
  // A new connection is turned away with a retryable 503.
  const refused = await upgrade(url);
  expect(refused).not.toBe("open");
  if (refused === "open") return;
  expect(refused.status).toBe(503);
  expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  // Most clients are still connected at this point: the drain spreads their closes.
  expect(clients.filter((c) => c.isOpen).length).toBeGreaterThan(CLIENTS / 2);

  expect(await exit).toBe(0);
  expect(proc.output()).toContain("SIGTERM");

  const closes = await Promise.all(closing);
  expect(closes.map((c) => c.code)).toEqual(Array(CLIENTS).fill(1012));
  const times = closes.map((c) => c.at - signalledAt);
  // Spread over the window (10 jittered batches of 150 ms), not all at the same instant.
  expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(DRAIN_MS / 2);
  expect(Math.max(...times)).toBeLessThan(DRAIN_MS + 1_000);
});
