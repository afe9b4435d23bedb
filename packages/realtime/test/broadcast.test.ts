import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeClients, inbox, name, recordingTransport, startNode, subscribed, token } from "./support.js";
import type { Node, WireFrame } from "./support.js";

let node: Node;
let apikey: string;

beforeAll(async () => {
  node = await startNode();
  apikey = await token();
});
afterEach(closeClients);
afterAll(() => node.endpoint.close());

describe("broadcast with the real realtime-js", () => {
  it("delivers to others only by default, as {type, event, payload}", async () => {
    const topic = name();
    const gotA = inbox();
    const gotB = inbox();
    const chA = await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "cursor" }, (m) => gotA.push(m)),
    );
    const chB = await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "cursor" }, (m) => gotB.push(m)),
    );
    expect(await chA.send({ type: "broadcast", event: "cursor", payload: { x: 1 } })).toBe("ok");
    expect(await gotB.next()).toEqual({ type: "broadcast", event: "cursor", payload: { x: 1 } });
    // B's reply reaching A proves A was listening all along: it never got its own message.
    await chB.send({ type: "broadcast", event: "cursor", payload: { x: 2 } });
    expect(await gotA.next()).toEqual({ type: "broadcast", event: "cursor", payload: { x: 2 } });
    expect(gotA.items).toEqual([{ type: "broadcast", event: "cursor", payload: { x: 2 } }]);
  });

  it("filters by event name, and `*` gets them all", async () => {
    const topic = name();
    const only = inbox();
    const all = inbox();
    const listener = client(node.url, apikey).channel(topic);
    listener.on("broadcast", { event: "b" }, (m) => only.push(m.event)).on("broadcast", { event: "*" }, (m) => all.push(m.event));
    await subscribed(listener);
    const sender = await subscribed(client(node.url, apikey).channel(topic));
    await sender.send({ type: "broadcast", event: "a", payload: {} });
    await sender.send({ type: "broadcast", event: "b", payload: {} });
    expect([await all.next(), await all.next()]).toEqual(["a", "b"]);
    expect(await only.next()).toBe("b");
    expect(only.items).toEqual(["b"]);
  });

  it("with self: true the sender receives its own broadcast", async () => {
    const topic = name();
    const got = inbox();
    const ch = client(node.url, apikey).channel(topic, { config: { broadcast: { self: true } } });
    await subscribed(ch.on("broadcast", { event: "echo" }, (m) => got.push(m)));
    await ch.send({ type: "broadcast", event: "echo", payload: { n: 7 } });
    expect(await got.next()).toEqual({ type: "broadcast", event: "echo", payload: { n: 7 } });
  });

  it("with ack: true the server replies ok to the push; without it, it does not", async () => {
    const topic = name();
    const frames: WireFrame[] = [];
    const acked = await subscribed(
      client(node.url, apikey, { transport: recordingTransport(frames) }).channel(topic, { config: { broadcast: { ack: true } } }),
    );
    expect(await acked.send({ type: "broadcast", event: "e", payload: { a: 1 } })).toBe("ok");
    const pushRef = (f: WireFrame) =>
      f.bytes
        .subarray(7, 7 + f.bytes[1] + f.bytes[2])
        .toString()
        .slice(f.bytes[1]);
    const push = frames.find((f) => f.direction === "out" && f.binary && f.bytes[0] === 3);
    expect(push).toBeDefined();
    const ref = pushRef(push as WireFrame);
    const reply = frames.find((f) => f.direction === "in" && !f.binary && JSON.parse(f.text)[1] === ref);
    expect(JSON.parse((reply as WireFrame).text)).toEqual([expect.any(String), ref, `realtime:${topic}`, "phx_reply", { status: "ok", response: {} }]);

    const quiet: WireFrame[] = [];
    const plain = await subscribed(client(node.url, apikey, { transport: recordingTransport(quiet) }).channel(name()));
    await plain.send({ type: "broadcast", event: "e", payload: {} });
    // A heartbeat's reply comes after anything the server would have said about the push.
    await plain.socket.sendHeartbeat();
    await new Promise<void>((resolve) => plain.socket.onHeartbeat((status) => status === "ok" && resolve()));
    const sent = quiet.find((f) => f.direction === "out" && f.binary && f.bytes[0] === 3) as WireFrame;
    const quietRef = pushRef(sent);
    expect(quiet.filter((f) => f.direction === "in" && !f.binary && JSON.parse(f.text)[1] === quietRef)).toEqual([]);
  });

  it("JSON payloads travel as user-broadcast frames: kind 3 out, kind 4 in", async () => {
    const topic = name();
    const frames: WireFrame[] = [];
    const got = inbox();
    await subscribed(
      client(node.url, apikey, { transport: recordingTransport(frames) })
        .channel(topic)
        .on("broadcast", { event: "json" }, (m) => got.push(m)),
    );
    const sender = await subscribed(client(node.url, apikey).channel(topic));
    await sender.send({ type: "broadcast", event: "json", payload: { text: "héllo", list: [1, 2] } });
    expect(await got.next()).toEqual({ type: "broadcast", event: "json", payload: { text: "héllo", list: [1, 2] } });
    const frame = frames.find((f) => f.direction === "in" && f.binary) as WireFrame;
    const t = Buffer.from(`realtime:${topic}`);
    // kind 4, topic length, event length, no metadata, JSON encoding; then topic, event, payload.
    expect([...frame.bytes.subarray(0, 5)]).toEqual([4, t.length, 4, 0, 1]);
    expect(frame.bytes.subarray(5 + t.length + 4).toString()).toBe(JSON.stringify({ text: "héllo", list: [1, 2] }));
  });

  it("binary payloads arrive as the same bytes (ArrayBuffer)", async () => {
    const topic = name();
    const frames: WireFrame[] = [];
    const got = inbox();
    await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "bin" }, (m) => got.push(m)),
    );
    const sender = await subscribed(client(node.url, apikey, { transport: recordingTransport(frames) }).channel(topic));
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sender.send({ type: "broadcast", event: "bin", payload: bytes.buffer });
    const message = await got.next();
    expect(message.type).toBe("broadcast");
    expect(message.event).toBe("bin");
    expect(message.payload).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(message.payload)]).toEqual([0, 1, 2, 250, 255]);
    const out = frames.find((f) => f.direction === "out" && f.binary) as WireFrame;
    expect(out.bytes[0]).toBe(3);
    expect(out.bytes[6]).toBe(0); // binary encoding
  });

  it("speaks vsn 1.0.0 (V1 JSON objects) with V2 clients on the same topic", async () => {
    const topic = name();
    const frames: WireFrame[] = [];
    const v1Got = inbox();
    const v2Got = inbox();
    const v1 = await subscribed(
      client(node.url, apikey, { vsn: "1.0.0", transport: recordingTransport(frames) })
        .channel(topic)
        .on("broadcast", { event: "m" }, (m) => v1Got.push(m)),
    );
    const v2 = await subscribed(
      client(node.url, apikey)
        .channel(topic)
        .on("broadcast", { event: "m" }, (m) => v2Got.push(m)),
    );
    await v2.send({ type: "broadcast", event: "m", payload: { from: "v2" } });
    expect(await v1Got.next()).toEqual({ type: "broadcast", event: "m", payload: { from: "v2" } });
    await v1.send({ type: "broadcast", event: "m", payload: { from: "v1" } });
    expect(await v2Got.next()).toEqual({ type: "broadcast", event: "m", payload: { from: "v1" } });
    expect(frames.every((f) => !f.binary)).toBe(true);
    const incoming = frames.filter((f) => f.direction === "in").map((f) => JSON.parse(f.text));
    expect(incoming).toContainEqual({
      topic: `realtime:${topic}`,
      event: "broadcast",
      payload: { type: "broadcast", event: "m", payload: { from: "v2" } },
      ref: null,
    });
  });
});
