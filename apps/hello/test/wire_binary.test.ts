// V2 binary frames on /socket (phoenix-protocol §2.3): the client may send kind-0 pushes;
// binary replies and broadcasts use the compact layout; any other kind closes with 1011.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { reply } from "./support/wire.js";
import type { WireClient } from "./support/wire.js";

let hello: Hello;
let ws: WireClient;

beforeEach(async () => {
  hello = await startHello();
  ws = await hello.connect();
});

afterEach(async () => {
  await hello.stop();
});

/** Client → server push: `0, len(join_ref), len(ref), len(topic), len(event), fields…, payload`. */
function binaryPush(joinRef: string, ref: string, topic: string, event: string, payload: Uint8Array): Buffer {
  const fields = [joinRef, ref, topic, event].map((s) => Buffer.from(s, "utf8"));
  return Buffer.concat([Buffer.from([0, ...fields.map((f) => f.length)]), ...fields, payload]);
}

/** Server → client frames, built independently of the server's encoder. */
function frame(kind: number, fields: string[], payload: Uint8Array): Buffer {
  const bytes = fields.map((s) => Buffer.from(s, "utf8"));
  return Buffer.concat([Buffer.from([kind, ...bytes.map((f) => f.length)]), ...bytes, payload]);
}

const PAYLOAD = Uint8Array.from([1, 2, 3, 0, 255]);

async function joinPing(): Promise<void> {
  expect(await ws.request(["1", "1", "ping", "phx_join", {}])).toEqual(reply("1", "1", "ping", "ok", {}));
}

describe("binary pushes from the client", () => {
  it("decodes a kind-0 push of ping and answers with the normal JSON pong", async () => {
    await joinPing();
    ws.sendBinary(binaryPush("1", "2", "ping", "ping", PAYLOAD));
    expect(await ws.next()).toEqual(reply("1", "2", "ping", "ok", { ping: "pong" }));
  });

  it("echoes a binary param_ping payload as a kind-1 binary reply", async () => {
    await joinPing();
    ws.sendBinary(binaryPush("1", "3", "ping", "param_ping", PAYLOAD));
    const got = await ws.nextRaw();
    expect(got.binary).toBe(true);
    expect(got.data.toString("hex")).toBe(frame(1, ["1", "3", "ping", "ok"], PAYLOAD).toString("hex"));
  });

  it("matches the protocol's byte-exact example layout for a reply (01 02 03 …)", async () => {
    expect(await ws.request(["12", "12", "ping:topic", "phx_join", {}])).toEqual(reply("12", "12", "ping:topic", "ok", {}));
    ws.sendBinary(binaryPush("12", "123", "ping:topic", "param_ping", Buffer.from("efg")));
    const got = await ws.nextRaw();
    expect([...got.data.subarray(0, 5)]).toEqual([1, 2, 3, 10, 2]);
    expect(got.data.subarray(5).toString("utf8")).toBe("12123ping:topicokefg");
  });

  it("joins through a binary phx_join", async () => {
    ws.sendBinary(binaryPush("4", "4", "ping", "phx_join", new Uint8Array()));
    expect(await ws.next()).toEqual(reply("4", "4", "ping", "ok", {}));
    ws.sendBinary(binaryPush("4", "5", "ping", "ping:bin", new Uint8Array([9])));
    expect(await ws.next()).toEqual(reply("4", "5", "ping", "ok", { ping: "bin" }));
  });

  it("treats an empty join_ref as null (accepted on a joined topic)", async () => {
    await joinPing();
    ws.sendBinary(binaryPush("", "6", "ping", "ping", PAYLOAD));
    expect(await ws.next()).toEqual(reply("1", "6", "ping", "ok", { ping: "pong" }));
  });

  it("answers a binary push to an unjoined topic with unmatched topic", async () => {
    ws.sendBinary(binaryPush("1", "2", "ping", "ping", PAYLOAD));
    expect(await ws.next()).toEqual(reply(null, "2", "ping", "error", { reason: "unmatched topic" }));
  });

  it("crashes only the channel on an unknown binary event", async () => {
    await joinPing();
    ws.sendBinary(binaryPush("1", "2", "ping", "ping2", PAYLOAD));
    expect(await ws.next()).toEqual(["1", "1", "ping", "phx_error", { reason: "channel_crash" }]);
    expect(ws.isOpen).toBe(true);
  });
});

describe("binary frames the server sends", () => {
  it("sends a binary broadcast as a kind-2 frame", async () => {
    await joinPing();
    await hello.endpoint.broadcast("ping", "bin", PAYLOAD);
    const got = await ws.nextRaw();
    expect(got.binary).toBe(true);
    expect(got.data.toString("hex")).toBe(frame(2, ["ping", "bin"], PAYLOAD).toString("hex"));
  });
});

describe("malformed binary frames close the connection with 1011", () => {
  const cases: [string, Buffer][] = [
    ["kind 1 (reply) from a client", frame(1, ["1", "2", "ping", "ok"], PAYLOAD)],
    ["kind 2 (broadcast) from a client", frame(2, ["ping", "bin"], PAYLOAD)],
    ["an unknown kind 7", Buffer.concat([Buffer.from([7]), binaryPush("1", "2", "ping", "ping", PAYLOAD).subarray(1)])],
    ["a frame shorter than its header", Buffer.from([0, 1, 1])],
    ["a header claiming more bytes than the frame has", Buffer.from([0, 1, 1, 40, 4, 0x31, 0x32, 0x70])],
  ];

  it.each(cases)("%s", async (_name, bytes) => {
    await joinPing();
    ws.sendBinary(bytes);
    const { code } = await ws.waitClose();
    expect(code).toBe(1011);
  });
});
