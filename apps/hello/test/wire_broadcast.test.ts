// Broadcasts seen on the wire: the publish API and endpoint.broadcast to joined topics,
// fan-out, the request_ping intercept and the DedupeChannel (part A §9 scenarios 13, 14, 18,
// 23, 31, 33; part B §7 scenarios 19, 23).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { broadcastNumbers } from "../src/app.js";
import { API_KEY, startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { publish } from "./support/http.js";
import { joinFrame, reply } from "./support/wire.js";
import type { WireClient } from "./support/wire.js";

let hello: Hello;

beforeEach(async () => {
  hello = await startHello();
});

afterEach(async () => {
  await hello.stop();
});

async function joined(topic: string, ref = "1"): Promise<WireClient> {
  const ws = await hello.connect();
  expect(await ws.request(joinFrame(ref, topic))).toEqual(reply(ref, ref, topic, "ok", {}));
  return ws;
}

async function publishOk(body: unknown): Promise<void> {
  const res = await publish(hello.base, API_KEY, body);
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ ok: true });
}

describe("broadcast delivery", () => {
  it("delivers a publish-API broadcast to the joined topic only (scenario 13)", async () => {
    const ws = await joined("ping");
    await publishOk({ topic: "ping", event: "test", payload: { data: "test" } });
    await publishOk({ topic: "other", event: "x", payload: {} });
    expect(await ws.next()).toEqual([null, null, "ping", "test", { data: "test" }]);
    await ws.expectNone(300);
  });

  it("delivers endpoint.broadcast unchanged, with an empty payload when none is given", async () => {
    const ws = await joined("ping");
    await hello.endpoint.broadcast("ping", "test", { data: "test", nested: { list: [1, "two", null] } });
    await publishOk({ topic: "ping", event: "bare" });
    expect(await ws.take(2)).toEqual([
      [null, null, "ping", "test", { data: "test", nested: { list: [1, "two", null] } }],
      [null, null, "ping", "bare", {}],
    ]);
  });

  it("does not deliver to a client on ping:a a broadcast to ping (exact topics)", async () => {
    const ws = await joined("ping:a");
    await publishOk({ topic: "ping", event: "test", payload: {} });
    await ws.expectNone(300);
  });

  it("fans out to three clients exactly once; a reply reaches only its sender (scenario 14)", async () => {
    const clients = [await joined("ping"), await joined("ping"), await joined("ping")];
    await publishOk({ topic: "ping", event: "test", payload: { data: "fan-out" } });
    for (const ws of clients) {
      expect(await ws.next()).toEqual([null, null, "ping", "test", { data: "fan-out" }]);
    }
    expect(await clients[0].request(["1", "2", "ping", "ping", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
    await Promise.all(clients.map((ws) => ws.expectNone(300)));
  });

  it("keeps delivering to another connection's channel after a crash on this one (scenario 33)", async () => {
    const a = await joined("ping");
    const b = await joined("ping");
    a.send(["1", "2", "ping", "boom", {}]);
    expect(await a.next()).toEqual(["1", "1", "ping", "phx_error", { reason: "channel_crash" }]);
    await publishOk({ topic: "ping", event: "test", payload: {} });
    expect(await b.next()).toEqual([null, null, "ping", "test", {}]);
    expect(await b.request(["1", "2", "ping", "ping", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
    await a.expectNone(300);
  });

  it("delivers a broadcast once after a duplicate join (scenario 23)", async () => {
    const ws = await joined("ping");
    ws.send(joinFrame("5", "ping"));
    const frames = await ws.take(2);
    expect(frames).toContainEqual(reply("5", "5", "ping", "ok", {}));
    expect(frames).toContainEqual(["1", "1", "ping", "phx_close", {}]);
    await publishOk({ topic: "ping", event: "test", payload: { n: 1 } });
    expect(await ws.next()).toEqual([null, null, "ping", "test", { n: 1 }]);
    await ws.expectNone(300);
  });

  it("stops delivering after the client leaves", async () => {
    const ws = await joined("ping");
    ws.send(["1", "2", "ping", "phx_leave", {}]);
    expect(await ws.take(2)).toEqual([reply("1", "2", "ping", "ok", {}), ["1", "1", "ping", "phx_close", {}]]);
    await publishOk({ topic: "ping", event: "test", payload: {} });
    await ws.expectNone(300);
  });
});

describe("request_ping intercept (scenarios 18, 31)", () => {
  // Fenix pushes from handleOut carry the channel's join_ref, as current Phoenix does
  // (the book's 1.4 transcript shows null there).
  it("rewrites request_ping into send_ping with from_node, never forwarding request_ping", async () => {
    const ws = await joined("ping");
    await publishOk({ topic: "ping", event: "request_ping", payload: {} });
    expect(await ws.next()).toEqual(["1", null, "ping", "send_ping", { from_node: "nonode@nohost" }]);
    await ws.expectNone(300);
  });

  it("keeps the broadcast payload's keys and adds from_node, per subscriber", async () => {
    const a = await joined("ping", "3");
    const b = await joined("ping", "8");
    await hello.endpoint.broadcast("ping", "request_ping", { why: "because" });
    expect(await a.next()).toEqual(["3", null, "ping", "send_ping", { why: "because", from_node: "nonode@nohost" }]);
    expect(await b.next()).toEqual(["8", null, "ping", "send_ping", { why: "because", from_node: "nonode@nohost" }]);
    // The book's client answers each send_ping with a ping.
    expect(await a.request(["3", "4", "ping", "ping", {}])).toEqual(reply("3", "4", "ping", "ok", { ping: "pong" }));
    expect(await b.request(["8", "9", "ping", "ping", {}])).toEqual(reply("8", "9", "ping", "ok", { ping: "pong" }));
    await Promise.all([a.expectNone(200), b.expectNone(200)]);
  });

  it("intercepts on ping:* topics too", async () => {
    const ws = await joined("ping:room");
    await publishOk({ topic: "ping:room", event: "request_ping", payload: {} });
    expect(await ws.next()).toEqual(["1", null, "ping:room", "send_ping", { from_node: "nonode@nohost" }]);
  });
});

describe("DedupeChannel end to end (part B scenario 19)", () => {
  const values = (topicJoinRef: string) => [1, 2, 3].map((value) => [topicJoinRef, null, "dupe", "number", { value }]);

  it("turns [1,2,3] x 20 publish-API broadcasts into exactly value 1, 2, 3 once each, in order", async () => {
    const ws = await joined("dupe");
    for (let i = 0; i < 20; i++) {
      for (const number of [1, 2, 3]) await publishOk({ topic: "dupe", event: "number", payload: { number } });
    }
    // The window flushes one second after the first number.
    expect(await ws.take(3, 3_000)).toEqual(values("1"));
    await ws.expectNone(1_200);
  });

  it("turns DedupeChannel.broadcast([1,2,3], 100) from the server into value 1, 2, 3 once each", async () => {
    const ws = await joined("dupe");
    await broadcastNumbers(hello.endpoint, [1, 2, 3], 100);
    expect(await ws.take(3, 3_000)).toEqual(values("1"));
    await ws.expectNone(1_200);
  });

  it("accepts {number: n} payloads from endpoint.broadcast and delivers to every subscriber", async () => {
    const a = await joined("dupe", "4");
    const b = await joined("dupe", "6");
    for (const number of [3, 1, 3, 2, 1]) await hello.endpoint.broadcast("dupe", "number", { number });
    const expected = (jr: string) => [3, 1, 2].map((value) => [jr, null, "dupe", "number", { value }]);
    expect(await a.take(3, 3_000)).toEqual(expected("4"));
    expect(await b.take(3, 3_000)).toEqual(expected("6"));
  });

  it("starts a new window after a flush, so a number seen before is pushed again", async () => {
    const ws = await joined("dupe");
    await hello.endpoint.broadcast("dupe", "number", { number: 7 });
    expect(await ws.next(3_000)).toEqual(["1", null, "dupe", "number", { value: 7 }]);
    await hello.endpoint.broadcast("dupe", "number", { number: 7 });
    expect(await ws.next(3_000)).toEqual(["1", null, "dupe", "number", { value: 7 }]);
  });

  it("crashes only the channel when an intercepted number has no number key (no matching handleOut clause)", async () => {
    const ws = await joined("dupe");
    const other = await joined("ping");
    await publishOk({ topic: "dupe", event: "number", payload: { n: 1 } });
    expect(await ws.next()).toEqual(["1", "1", "dupe", "phx_error", { reason: "channel_crash" }]);
    expect(await ws.request(["1", "2", "dupe", "x", {}])).toEqual(reply(null, "2", "dupe", "error", { reason: "unmatched topic" }));
    expect(await other.request(["1", "2", "ping", "ping", {}])).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
  });

  it("forwards other dupe events unchanged (only number is intercepted)", async () => {
    const ws = await joined("dupe");
    await publishOk({ topic: "dupe", event: "other", payload: { number: 1 } });
    expect(await ws.next()).toEqual([null, null, "dupe", "other", { number: 1 }]);
  });
});
