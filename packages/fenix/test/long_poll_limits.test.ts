// The long-poll transport's limits and lifecycle beyond the conformance table: the bounded
// buffer (slow consumers), the body size limit, one waiting GET per session, binary pushes,
// disconnects and shutdown while a GET waits, and the single sweep timer.
import type { AddressInfo } from "node:net";
import { Endpoint, defineSocket, longPoll } from "fenix";
import { captureLog } from "fenix/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LongPollClient, expectEnvelope, request } from "./support/lp_client.js";
import { V2 } from "./support/protocol.js";
import { startReferenceApp } from "./support/reference_app.js";
import type { ReferenceApp, ReferenceAppOptions } from "./support/reference_app.js";

let app: ReferenceApp | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
  app = undefined;
});

const T = "room:lobby";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(longpoll: ReferenceAppOptions["longpoll"] = {}, query: Record<string, string> = {}): Promise<{ app: ReferenceApp; c: LongPollClient }> {
  const started = await startReferenceApp({ variant: "longpoll", longpoll });
  app = started;
  return { app: started, c: new LongPollClient((p, q, pr) => started.http(p, q, pr), "/ws/longpoll", V2, query) };
}

async function waitFor(condition: () => boolean, what: string, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(10);
  }
}

describe("long-poll buffer bound (slow consumers)", () => {
  it("ends a session past maxBufferedMessages: channels stop, the log says why, later requests get 410", async () => {
    const { app, c } = await start({ maxBufferedMessages: 5 });
    const token = await c.open();
    await c.send([["1", "1", T, "phx_join", {}]]); // 3 messages buffered, nobody polls
    const log = await captureLog(async () => {
      for (let i = 0; i < 3; i++) await app.endpoint.broadcast(T, "shout", { i });
      await waitFor(() => app.terminations.length === 1, "the channel to stop");
    });
    expect(app.terminations).toStrictEqual([{ topic: T, reason: { shutdown: "slow_consumer" } }]);
    expect(log).toMatch(/UserSocket: closing a slow consumer \(6 messages unread, limit 5\) on longpoll/);
    expect((await c.post('[null,"2","phoenix","heartbeat",{}]')).body).toStrictEqual({ status: 410 });
    const get = await c.get();
    expect(get.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
    expect(get.body.token).not.toBe(token);
  });

  it("ends a session past maxBufferedBytes", async () => {
    const { app, c } = await start({ maxBufferedBytes: 2_000 });
    await c.open();
    await c.send([["1", "1", T, "phx_join", {}]]);
    await app.endpoint.broadcast(T, "shout", { big: "x".repeat(1_000) });
    expect(app.terminations).toStrictEqual([]);
    await app.endpoint.broadcast(T, "shout", { big: "x".repeat(1_000) });
    await waitFor(() => app.terminations.length === 1, "the channel to stop");
    expect(app.terminations[0].reason).toStrictEqual({ shutdown: "slow_consumer" });
  });

  it("a client that keeps polling is never a slow consumer", async () => {
    const { app, c } = await start({ maxBufferedMessages: 5 });
    await c.open();
    await c.join(T);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 4; i++) await app.endpoint.broadcast(T, "shout", { round, i });
      expect(await c.receive(4)).toHaveLength(4);
    }
    expect(app.terminations).toStrictEqual([]);
  });
});

describe("long-poll POST body limit", () => {
  it("refuses a body over maxBodyBytes with HTTP 413 and a clear error, with or without content-length", async () => {
    const { app, c } = await start({ maxBodyBytes: 1_000 });
    await c.open();
    const big = `[null,"1","phoenix","heartbeat",{"pad":"${"x".repeat(2_000)}"}]`;
    const res = await c.post(big);
    expect(res.http).toBe(413);
    expect(res.body).toStrictEqual({ status: 413, error: "long-poll request body larger than 1000 bytes (maxBodyBytes)" });
    // A streamed body has no content-length; the limit applies while reading.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await request(c.url(), {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/x-ndjson" },
      duplex: "half",
    } as RequestInit);
    expect(streamed.http).toBe(413);
    // The session is unharmed.
    await c.send([[null, "2", "phoenix", "heartbeat", {}]]);
    await c.expectMessages([[null, "2", "phoenix", "phx_reply", { status: "ok", response: {} }]]);
    expect(app.terminations).toStrictEqual([]);
  });
});

describe("long-poll waiting GETs", () => {
  it("wakes a waiting GET when messages arrive, with everything written in the same burst", async () => {
    const { app, c } = await start({ windowMs: 2_000 });
    await c.open();
    await c.join(T);
    const started = Date.now();
    const pending = c.get();
    await sleep(50);
    app.endpoint.localBroadcast(T, "a", {});
    app.endpoint.localBroadcast(T, "b", {});
    const res = await pending;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(res.body.messages.map((m: string) => JSON.parse(m)[3])).toStrictEqual(["a", "b"]);
  });

  it("a new GET answers the older waiting one with 204", async () => {
    const { c } = await start({ windowMs: 2_000 });
    await c.open();
    const first = c.get();
    await sleep(50);
    const second = c.get();
    const older = await first;
    expectEnvelope(older);
    expect(older.body).toStrictEqual({ status: 204, token: c.token, messages: [] });
    await c.send([[null, "1", "phoenix", "heartbeat", {}]]);
    expect((await second).body.messages).toHaveLength(1);
  });

  it("a GET whose client went away takes no messages with it", async () => {
    const { app, c } = await start({ windowMs: 2_000 });
    await c.open();
    await c.join(T);
    const aborted = fetch(c.url(), { signal: AbortSignal.timeout(50) }).catch(() => "aborted");
    expect(await aborted).toBe("aborted");
    await sleep(20);
    app.endpoint.localBroadcast(T, "after", {});
    // Time for the session to hand the message to a waiter, if it still had the dead one.
    await sleep(20);
    await c.expectMessages([[null, null, T, "after", {}]]);
  });

  it("a waiting GET learns at once that its session was disconnected (410)", async () => {
    const { app, c } = await start({ windowMs: 5_000 }, { user_id: "7" });
    await c.open();
    const pending = c.get();
    await sleep(50);
    const started = Date.now();
    await app.endpoint.broadcast("user_sockets:7", "disconnect", {});
    expect((await pending).body).toStrictEqual({ status: 410 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("drops binary pushes with a warning (long-poll carries text only) and keeps the session", async () => {
    const { app, c } = await start();
    await c.open();
    await c.join(T);
    const log = await captureLog(async () => {
      app.endpoint.localBroadcast(T, "blob", new Uint8Array([1, 2, 3]));
    });
    expect(log).toContain("long-poll: dropping a binary frame");
    app.endpoint.localBroadcast(T, "text", {});
    await c.expectMessages([[null, null, T, "text", {}]]);
  });
});

describe("long-poll lifecycle", () => {
  it("endpoint.close() ends every session and answers waiting GETs", async () => {
    const { app: a, c } = await start({ windowMs: 5_000 });
    await c.open();
    await c.join(T);
    const pending = c.get();
    await sleep(50);
    await a.close();
    app = undefined;
    expect((await pending).body).toStrictEqual({ status: 410 });
    expect(a.terminations).toStrictEqual([{ topic: T, reason: { shutdown: "shutdown" } }]);
    expect(a.endpoint.connections.size).toBe(0);
  });

  it("a draining node ends its sessions (the waiting GET gets 410) and refuses new ones with 503", async () => {
    const { app, c } = await start({ windowMs: 5_000 });
    await c.open();
    await c.join(T);
    const pending = c.get();
    await sleep(50);
    await app.endpoint.drain({ windowMs: 10, batches: 1 });
    expect((await pending).body).toStrictEqual({ status: 410 });
    expect(app.terminations).toStrictEqual([{ topic: T, reason: { shutdown: "restart" } }]);
    const res = await request(app.http("/ws/longpoll"));
    expect(res.http).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    // Not JSON, so phoenix.js reads status 0 and retries with backoff instead of giving up (403).
    expect(res.body).toBeUndefined();
  });

  it("a connect still running when the node starts draining gets 503, not a session", async () => {
    const endpoint = new Endpoint();
    const slow = defineSocket({ name: "SlowConnect", channels: [], connect: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 150)) });
    endpoint.socket("/slow", slow, { transports: [longPoll()] });
    const server = await endpoint.listen(0, "127.0.0.1");
    try {
      const pending = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slow/longpoll?vsn=2.0.0`);
      await sleep(50);
      await endpoint.drain({ windowMs: 10, batches: 1 });
      const res = await pending;
      expect(res.http).toBe(503);
      expect(endpoint.connections.size).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  it("checks inactivity with one timer for all sessions", async () => {
    const spy = vi.spyOn(globalThis, "setInterval");
    const { app, c } = await start({ windowMs: 100 });
    const clients = Array.from({ length: 20 }, () => new LongPollClient((p, q, pr) => app.http(p, q, pr), "/ws/longpoll", V2));
    await Promise.all(clients.map((x) => x.open()));
    await c.open();
    expect(spy).toHaveBeenCalledTimes(1);
    // All of them idle out, and the sweep stops once there is nothing left to sweep.
    await waitFor(() => app.endpoint.connections.size === 0, "every session to expire");
  });
});
