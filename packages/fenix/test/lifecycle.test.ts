// Health and readiness probes, the connect rate, and draining, over real HTTP and WebSockets.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, websocket, longPoll, sse } from "fenix";
import type { EndpointOptions, StopReason } from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient, WAIT_MS, terminateAll } from "./support/ws_client.js";

let endpoint: Endpoint | undefined;
let base = "";
let wsUrl = "";
let terminations: { topic: string; reason: StopReason; at: number }[] = [];
let terminateMs = 0;
let connectMs = 0;

/** `connect` that takes `connectMs` (an auth lookup, say) when set. */
async function slowConnect(): Promise<boolean> {
  if (connectMs > 0) await new Promise((resolve) => setTimeout(resolve, connectMs));
  return true;
}

afterEach(async () => {
  terminateAll();
  await endpoint?.close();
  endpoint = undefined;
  terminations = [];
  terminateMs = 0;
  connectMs = 0;
});

const Room = defineChannel({
  name: "Room",
  async terminate(reason, socket) {
    if (terminateMs > 0) await new Promise((resolve) => setTimeout(resolve, terminateMs));
    terminations.push({ topic: socket.topic, reason, at: performance.now() });
  },
});

async function start(options: EndpointOptions = {}): Promise<Endpoint> {
  endpoint = new Endpoint({ logger: createLogger({ level: "silent" }), ...options });
  endpoint.socket("/socket", defineSocket({ channels: [["room:*", Room]], connect: () => slowConnect() }), { transports: [websocket(), longPoll(), sse()] });
  const server = await endpoint.listen(0);
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  wsUrl = `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`;
  return endpoint;
}

async function get(path: string): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(WAIT_MS) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function joined(topics: string[]): Promise<TestClient> {
  const client = await TestClient.open(wsUrl);
  for (const [i, topic] of topics.entries()) client.push(String(i + 1), String(i + 1), topic, "phx_join", {});
  for (let i = 0; i < topics.length; i++) await client.expectReply(String(i + 1), String(i + 1), topics[i], "ok", {});
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("probes", () => {
  it("GET /health is 200 {status: ok} and GET /ready is 200 {status: ready}", async () => {
    await start();
    const health = await get("/health");
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    expect(health.headers.get("content-type")).toMatch(/^application\/json/);
    const ready = await get("/ready");
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: "ready" });
  });

  it("/ready turns 503 {status: draining} the moment drain() starts, while /health stays 200", async () => {
    const ep = await start();
    const client = await joined(["room:a"]);
    const drained = ep.drain({ windowMs: 400, batches: 1 });
    expect(ep.draining).toBe(true);
    const ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({ status: "draining" });
    expect((await get("/health")).status).toBe(200);
    await drained;
    expect((await client.waitClosed()).code).toBe(1012);
    expect((await get("/ready")).status).toBe(503);
  });

  it("health: false leaves /health and /ready to the app's handler", async () => {
    const handler = (req: IncomingMessage, res: ServerResponse) => res.writeHead(218, { "content-type": "text/plain" }).end(`app ${req.url}`);
    await start({ health: false, handler });
    expect(await get("/health")).toMatchObject({ status: 218, text: "app /health" });
    expect(await get("/ready")).toMatchObject({ status: 218, text: "app /ready" });
  });

  it("serves probes at configured paths, and the default paths go to the app", async () => {
    const handler = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(404).end("app");
    await start({ health: { healthPath: "/livez", readyPath: "/readyz" }, handler });
    expect(await get("/livez")).toMatchObject({ status: 200, json: { status: "ok" } });
    expect(await get("/readyz")).toMatchObject({ status: 200, json: { status: "ready" } });
    expect(await get("/health")).toMatchObject({ status: 404, text: "app" });
  });
});

describe("admission while draining", () => {
  it("refuses new WebSocket upgrades with HTTP 503 and Retry-After, and SSE and long-poll sessions too", async () => {
    const ep = await start();
    await joined(["room:a"]); // keeps the drain busy for its window
    const drained = ep.drain({ windowMs: 600, batches: 1 });
    const refused = await TestClient.refused(wsUrl);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    const sse = await get("/socket/sse?topics=room:a");
    expect(sse.status).toBe(503);
    expect(Number(sse.headers.get("retry-after"))).toBeGreaterThan(0);
    const longpoll = await get("/socket/longpoll?vsn=2.0.0");
    expect(longpoll.status).toBe(503);
    expect(Number(longpoll.headers.get("retry-after"))).toBeGreaterThan(0);
    await drained;
    // Still refused after the drain completes: the node is on its way out.
    expect((await TestClient.refused(wsUrl)).status).toBe(503);
  });

  it("a connect already in progress when the drain starts is refused or drained, never left open", async () => {
    const ep = await start();
    connectMs = 200; // connect() is still running when drain() takes its snapshot
    const opening = TestClient.open(wsUrl).then(
      (client) => client,
      (err: Error) => err,
    );
    await sleep(50);
    await ep.drain({ windowMs: 100, batches: 1 });
    const outcome = await opening;
    if (outcome instanceof Error) {
      expect(outcome.message).toMatch(/503/);
    } else {
      // Admitted after the snapshot: it must still be closed for the restart.
      expect((await outcome.waitClosed(1_000)).code).toBe(1012);
    }
    expect(ep.connections.size).toBe(0);
  });
});

describe("connectRate", () => {
  it("refuses the 6th immediate connect with 503 and Retry-After: 1, then admits again after waiting", async () => {
    await start({ connectRate: { perSecond: 5, burst: 5 } });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => TestClient.open(wsUrl)));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill("fulfilled"));
    const refused = await TestClient.refused(wsUrl);
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    // The admitted ones are unaffected.
    for (const r of results) expect((r as PromiseFulfilledResult<TestClient>).value.isOpen).toBe(true);
    // Probes are not connects: they are never rate limited.
    for (let i = 0; i < 10; i++) expect((await get("/health")).status).toBe(200);
    await sleep(1_000); // as Retry-After says
    const later = await Promise.all(Array.from({ length: 3 }, () => TestClient.open(wsUrl)));
    for (const client of later) expect(client.isOpen).toBe(true);
    expect(endpoint?.connections.size).toBe(8);
  });

  it("connectRate: false never refuses", async () => {
    await start({ connectRate: false });
    const clients = await Promise.all(Array.from({ length: 40 }, () => TestClient.open(wsUrl)));
    expect(clients.every((c) => c.isOpen)).toBe(true);
  });
});

describe("drain", () => {
  it("closes 30 connections with 1012 spread over the window, terminates every channel, then resolves", async () => {
    const ep = await start();
    terminateMs = 100; // each terminate takes a while: drain must wait for the last one
    const clients = await Promise.all(Array.from({ length: 30 }, () => joined(["room:a", "room:b"])));
    const closes: { code: number; at: number }[] = [];
    for (const client of clients) void client.closed.then(({ code }) => closes.push({ code, at: performance.now() }));
    const started = performance.now();
    await ep.drain({ windowMs: 600, batches: 3 });
    const resolvedAt = performance.now();
    await Promise.all(clients.map((c) => c.waitClosed()));

    expect(closes).toHaveLength(30);
    expect(closes.every((c) => c.code === 1012)).toBe(true);
    const times = closes.map((c) => c.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...times) - started).toBeLessThan(600 + 300);

    expect(terminations).toHaveLength(60);
    expect(terminations.every((t) => JSON.stringify(t.reason) === JSON.stringify({ shutdown: "restart" }))).toBe(true);
    expect(terminations.filter((t) => t.topic === "room:a")).toHaveLength(30);
    expect(Math.max(...terminations.map((t) => t.at))).toBeLessThanOrEqual(resolvedAt);
    expect(ep.connections.size).toBe(0);
  });

  it("shutdown() drains, then stops listening", async () => {
    const ep = await start();
    const client = await joined(["room:a"]);
    await ep.shutdown({ windowMs: 100, batches: 1 });
    expect((await client.waitClosed()).code).toBe(1012);
    expect(terminations.map((t) => t.reason)).toEqual([{ shutdown: "restart" }]);
    await expect(fetch(`${base}/health`, { signal: AbortSignal.timeout(WAIT_MS) })).rejects.toThrow();
  });
});
