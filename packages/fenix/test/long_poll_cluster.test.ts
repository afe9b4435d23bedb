// Long-poll across nodes without sticky sessions: two reference apps (Endpoints) in one process,
// joined by an in-memory PubSub adapter. A request for a session owned by the other node is
// relayed to it over PubSub; a dead owner costs pubsubTimeoutMs and then counts as a dead session.
import { createServer, request as httpRequest } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LongPoll, Socket } from "phoenix";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LongPollClient, expectEnvelope, request } from "./support/lp_client.js";
import type { RequestOptions } from "./support/lp_client.js";
import { MemoryCluster } from "./support/memory_cluster.js";
import { V2 } from "./support/protocol.js";
import { startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp } from "./support/reference_app.js";

const SECRET = "long-poll-cluster-secret-key-base-0123456789abcdef";
const PUBSUB_TIMEOUT = 400;
const T = "room:lobby";

let cluster: MemoryCluster;
let a: ReferenceApp;
let b: ReferenceApp;
const cleanups: (() => unknown)[] = [];

function node(nodeName: string): Promise<ReferenceApp> {
  return startReferenceApp({
    variant: "longpoll",
    longpoll: { windowMs: 300, pubsubTimeoutMs: PUBSUB_TIMEOUT },
    endpoint: { nodeName, pubsubAdapter: cluster.adapter(), secretKeyBase: SECRET },
  });
}

beforeEach(async () => {
  cluster = new MemoryCluster();
  a = await node("a@host");
  b = await node("b@host");
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await Promise.all([a.close(), b.close()]);
});

const via = (app: ReferenceApp): RequestOptions => ({ base: (p, q, pr) => app.http(p, q, pr) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after 3 s. */
function within<T>(promise: Promise<T>, what: string, ms = 3_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function clientOn(app: ReferenceApp, query: Record<string, string> = {}, path = "/ws/longpoll"): LongPollClient {
  return new LongPollClient((p, q, pr) => app.http(p, q, pr), path, V2, query);
}

describe("long-poll across two nodes", () => {
  it("serves a session owned by node A through node B: POST, GET, and broadcasts from B", async () => {
    const c = clientOn(a);
    await c.open();
    await c.send([["1", "1", T, "phx_join", {}]], via(b));
    await c.expectMessages(
      [
        ["1", "1", T, "phx_reply", { status: "ok", response: {} }],
        [null, null, T, "user_entered", { user: null }],
        ["1", null, T, "joined", { status: "connected", user_id: null }],
      ],
      via(b),
    );
    expect(a.endpoint.connections.size).toBe(1);
    expect(b.endpoint.connections.size).toBe(0);
    await b.endpoint.broadcast(T, "shout", { from: "b" });
    await c.expectMessages([[null, null, T, "shout", { from: "b" }]], via(b));
    await c.send([["1", "2", T, "new_msg", { body: "hi" }]], via(b));
    await c.expectMessages([["1", null, T, "new_msg", { body: "hi", transport: ":longpoll" }]], via(a));
    expect(cluster.traffic.some(([from, to, topic]) => from === "b@host" && to === "a@host" && topic.startsWith("fenix:longpoll:"))).toBe(true);
  });

  it("wakes a GET relayed through B when the owner A gets a message", async () => {
    const c = clientOn(a);
    await c.open();
    await c.join(T);
    const pending = c.get(via(b));
    await sleep(50);
    a.endpoint.localBroadcast(T, "ping", {});
    const res = await pending;
    expectEnvelope(res);
    expect(res.body).toStrictEqual({ status: 200, token: c.token, messages: ['[null,null,"room:lobby","ping",{}]'] });
  });

  it("answers 204 through B after the window when nothing comes", async () => {
    const c = clientOn(a);
    await c.open();
    const started = Date.now();
    await c.expectNoMessages(via(b));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("keeps one waiting GET per session across nodes: a GET via A answers the one waiting via B", async () => {
    const c = clientOn(a);
    await c.open();
    const first = c.get(via(b));
    await sleep(50);
    const second = c.get(via(a));
    expect((await first).body).toStrictEqual({ status: 204, token: c.token, messages: [] });
    await c.send([[null, "1", "phoenix", "heartbeat", {}]], via(b));
    expect((await second).body.messages).toStrictEqual(['[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]']);
  });

  it("a client leaving a relayed GET withdraws it on the owner, so no message is lost", async () => {
    const c = clientOn(a);
    await c.open();
    await c.join(T);
    expect(await fetch(c.url(via(b)), { signal: AbortSignal.timeout(80) }).catch(() => "aborted")).toBe("aborted");
    await sleep(50);
    a.endpoint.localBroadcast(T, "after", {});
    await sleep(50);
    await c.expectMessages([[null, null, T, "after", {}]], via(a));
  });

  it("a session gone on a live owner: B answers a new session at once, and 410 to a POST", async () => {
    const c = clientOn(a, { user_id: "9" });
    const old = await c.open();
    await b.endpoint.broadcast("user_sockets:9", "disconnect", {});
    await sleep(50);
    expect(a.endpoint.connections.size).toBe(0);
    const started = Date.now();
    expect((await c.post('[null,"1","phoenix","heartbeat",{}]', via(b))).body).toStrictEqual({ status: 410 });
    const get = await c.get(via(b));
    expect(Date.now() - started).toBeLessThan(PUBSUB_TIMEOUT);
    expect(get.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
    expect(get.body.token).not.toBe(old);
    expect(b.endpoint.connections.size).toBe(1);
  });

  it("an unreachable owner: after pubsubTimeoutMs a GET gets a new session on B, a POST gets 410", async () => {
    const c = clientOn(a);
    const old = await c.open();
    cluster.cutOff("a@host");
    let started = Date.now();
    expect((await c.post('[null,"1","phoenix","heartbeat",{}]', via(b))).body).toStrictEqual({ status: 410 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(PUBSUB_TIMEOUT - 20);
    started = Date.now();
    const get = await c.get(via(b));
    expect(Date.now() - started).toBeGreaterThanOrEqual(PUBSUB_TIMEOUT - 20);
    expect(get.body).toMatchObject({ status: 410, messages: [] });
    expect(get.body.token).not.toBe(old);
    expect(b.endpoint.connections.size).toBe(1);
    // The new session lives on B and works there.
    const fresh = clientOn(b);
    fresh.token = get.body.token;
    await fresh.join(T);
  });

  it("a node without the owner's secret does not trust its tokens", async () => {
    const stranger = await startReferenceApp({
      variant: "longpoll",
      endpoint: { nodeName: "c@host", pubsubAdapter: cluster.adapter(), secretKeyBase: `${SECRET}-other` },
    });
    cleanups.push(() => stranger.close());
    const c = clientOn(a);
    const token = await c.open();
    const get = await request(stranger.http("/ws/longpoll", { token }));
    expect(get.body.token).not.toBe(token);
    expect(a.endpoint.connections.size).toBe(1);
  });
});

/** A load balancer without sticky sessions: each request goes to the next node in turn. */
async function roundRobin(ports: number[]): Promise<{ server: Server; port: number; served: number[] }> {
  const served = ports.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % ports.length;
    served[i]++;
    const upstream = httpRequest({ host: "127.0.0.1", port: ports[i], method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, served };
}

describe("phoenix.js over long-poll behind a round-robin balancer", () => {
  it("joins, pushes, and receives broadcasts while every request may hit another node", async () => {
    const lb = await roundRobin([a.port, b.port]);
    cleanups.push(() => new Promise<void>((resolve) => lb.server.close(() => resolve())));
    cleanups.push(() => lb.server.closeAllConnections());
    const socket = new Socket(`ws://127.0.0.1:${lb.port}/ws/raw`, { transport: LongPoll, timeout: 2_000 });
    cleanups.push(() => socket.disconnect());
    socket.connect();
    const channel = socket.channel("probe:lb", {});
    const joined = new Promise((resolve, reject) => channel.join().receive("ok", resolve).receive("error", reject).receive("timeout", reject));
    expect(await within(joined, "join")).toMatchObject({ params: { vsn: "2.0.0" } });
    const pong = new Promise((resolve) => channel.on("pong", resolve));
    channel.push("ping", {});
    expect(await within(pong, "pong")).toStrictEqual({});
    for (const app of [a, b]) {
      const shout = new Promise((resolve) => channel.on(`shout:${app.endpoint.nodeName}`, resolve));
      await app.endpoint.broadcast("probe:lb", `shout:${app.endpoint.nodeName}`, { n: 1 });
      expect(await within(shout, "broadcast")).toStrictEqual({ n: 1 });
    }
    expect(lb.served.every((n) => n > 1)).toBe(true);
    expect(a.endpoint.connections.size + b.endpoint.connections.size).toBe(1);
  });
});
