// The same book scenarios over the V1 serializer (no vsn): JSON objects in and out, and
// server frames never carry join_ref (part A §1.10 notes, scenario 26; protocol §2.1).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_KEY, startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { publish } from "./support/http.js";
import { reply as v2reply } from "./support/wire.js";
import type { WireClient } from "./support/wire.js";

let hello: Hello;
let ws: WireClient;

beforeEach(async () => {
  hello = await startHello();
  ws = await hello.connect("");
});

afterEach(async () => {
  await hello.stop();
});

const msg = (topic: string, event: string, payload: unknown, ref: string | null) => ({ topic, event, payload, ref });
const reply = (topic: string, ref: string | null, status: string, response: unknown = {}) => ({
  topic,
  event: "phx_reply",
  payload: { status, response },
  ref,
});
const push = (topic: string, event: string, payload: unknown) => ({ topic, event, payload, ref: null });
const UNMATCHED = { reason: "unmatched topic" };

async function join(topic: string, ref = "1"): Promise<unknown> {
  return ws.request(msg(topic, "phx_join", {}, ref));
}

describe("PingChannel over V1 objects", () => {
  it("joins and answers ping, ack_phrase and ping:<phrase> with no join_ref key", async () => {
    ws.send(msg("ping", "phx_join", {}, "1"));
    const raw = await ws.nextRaw();
    expect(raw.binary).toBe(false);
    expect(raw.data.toString()).not.toContain("join_ref");
    expect(JSON.parse(raw.data.toString())).toStrictEqual(reply("ping", "1", "ok"));
    expect(await ws.request(msg("ping", "ping", {}, "2"))).toStrictEqual(reply("ping", "2", "ok", { ping: "pong" }));
    expect(await ws.request(msg("ping", "ping", { ack_phrase: "hooray!" }, "3"))).toStrictEqual(reply("ping", "3", "ok", { ping: "hooray!" }));
    expect(await ws.request(msg("ping", "ping:hooray!", {}, "4"))).toStrictEqual(reply("ping", "4", "ok", { ping: "hooray!" }));
  });

  it("accepts a join_ref key from the client but still omits it from server frames", async () => {
    expect(await ws.request({ ...msg("ping", "phx_join", {}, "1"), join_ref: "1" })).toStrictEqual(reply("ping", "1", "ok"));
    expect(await ws.request({ ...msg("ping", "ping", {}, "2"), join_ref: "1" })).toStrictEqual(reply("ping", "2", "ok", { ping: "pong" }));
  });

  it("sends nothing for pong; ding replies then closes; param_ping errors and echoes", async () => {
    expect(await join("ping")).toStrictEqual(reply("ping", "1", "ok"));
    ws.send(msg("ping", "pong", {}, "2"));
    await ws.expectNone(500);
    expect(await ws.request(msg("ping", "param_ping", { error: true }, "3"))).toStrictEqual(reply("ping", "3", "error", { reason: "You asked for this!" }));
    expect(await ws.request(msg("ping", "param_ping", { error: false, arr: [1, 2] }, "4"))).toStrictEqual(
      reply("ping", "4", "ok", { error: false, arr: [1, 2] }),
    );
    ws.send(msg("ping", "ding", {}, "5"));
    expect(await ws.take(2)).toStrictEqual([reply("ping", "5", "ok", { msg: "shutting down" }), msg("ping", "phx_close", {}, null)]);
    expect(await ws.request(msg("ping", "ping", {}, "6"))).toStrictEqual(reply("ping", "6", "error", UNMATCHED));
  });

  it("leaves with an ok reply then phx_close", async () => {
    await join("ping");
    ws.send(msg("ping", "phx_leave", {}, "2"));
    expect(await ws.take(2)).toStrictEqual([reply("ping", "2", "ok"), msg("ping", "phx_close", {}, null)]);
  });

  it("answers a heartbeat", async () => {
    expect(await ws.request(msg("phoenix", "heartbeat", {}, "7"))).toStrictEqual(reply("phoenix", "7", "ok"));
  });
});

describe("crashes and routing over V1", () => {
  it("isolates a crash: phx_error (ref null), other channel alive, unmatched until rejoin", async () => {
    expect(await join("ping")).toStrictEqual(reply("ping", "1", "ok"));
    expect(await join("wild:1:2", "2")).toStrictEqual(reply("wild:1:2", "2", "ok"));
    ws.send(msg("ping", "ping2", {}, "3"));
    expect(await ws.next()).toStrictEqual(msg("ping", "phx_error", { reason: "channel_crash" }, null));
    await ws.expectNone(200);
    expect(await ws.request(msg("wild:1:2", "ping", {}, "4"))).toStrictEqual(reply("wild:1:2", "4", "ok", { ping: "pong" }));
    expect(await ws.request(msg("ping", "ping", {}, "5"))).toStrictEqual(reply("ping", "5", "error", UNMATCHED));
    expect(await join("ping", "6")).toStrictEqual(reply("ping", "6", "ok"));
    expect(await ws.request(msg("ping", "ping", {}, "7"))).toStrictEqual(reply("ping", "7", "ok", { ping: "pong" }));
  });

  it("validates wildcard joins and refuses unrouted topics", async () => {
    expect(await join("wild:1:3", "1")).toStrictEqual(reply("wild:1:3", "1", "error", {}));
    expect(await join("wild:20:40", "2")).toStrictEqual(reply("wild:20:40", "2", "ok", {}));
    expect(await join("wild:2:4:6", "3")).toStrictEqual(reply("wild:2:4:6", "3", "error", {}));
    expect(await join("wild:a:b", "4")).toStrictEqual(reply("wild:a:b", "4", "error", { reason: "join crashed" }));
    expect(await join("nope", "5")).toStrictEqual(reply("nope", "5", "error", UNMATCHED));
    expect(await join("ping:wild", "6")).toStrictEqual(reply("ping:wild", "6", "ok", {}));
  });

  it.each([
    ["a text frame that is not JSON", "crash"],
    ["a V2 array", '["1","1","ping","phx_join",{}]'],
    ["an object without payload", '{"topic":"ping","event":"phx_join","ref":"1"}'],
    ["an object without ref", '{"topic":"ping","event":"phx_join","payload":{}}'],
  ])("closes with 1011 on %s", async (_name, text) => {
    ws.sendText(text);
    expect((await ws.waitClose()).code).toBe(1011);
  });

  it("closes with 1011 on a binary frame (V1 has no binary form)", async () => {
    ws.sendBinary(Buffer.from([0, 0, 1, 4, 4, 0x31, 0x70, 0x69, 0x6e, 0x67, 0x70, 0x69, 0x6e, 0x67]));
    expect((await ws.waitClose()).code).toBe(1011);
  });
});

describe("broadcasts to V1 clients", () => {
  it("delivers broadcasts as objects with ref null, and each serializer gets its own encoding", async () => {
    await join("ping");
    const v2 = await hello.connect();
    expect(await v2.request(["1", "1", "ping", "phx_join", {}])).toEqual(v2reply("1", "1", "ping", "ok", {}));
    const res = await publish(hello.base, API_KEY, { topic: "ping", event: "test", payload: { data: "test" } });
    expect(res.status).toBe(200);
    expect(await ws.next()).toStrictEqual(push("ping", "test", { data: "test" }));
    expect(await v2.next()).toEqual([null, null, "ping", "test", { data: "test" }]);
    await Promise.all([ws.expectNone(200), v2.expectNone(200)]);
  });

  it("pushes the intercepted send_ping with from_node", async () => {
    await join("ping");
    await hello.endpoint.broadcast("ping", "request_ping", {});
    expect(await ws.next()).toStrictEqual(push("ping", "send_ping", { from_node: "nonode@nohost" }));
    await ws.expectNone(300);
  });

  it("delivers DedupeChannel values", async () => {
    await join("dupe");
    for (const number of [2, 2, 1]) await hello.endpoint.broadcast("dupe", "number", { number });
    expect(await ws.take(2, 3_000)).toStrictEqual([push("dupe", "number", { value: 2 }), push("dupe", "number", { value: 1 })]);
  });
});
