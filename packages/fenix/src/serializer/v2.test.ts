import { describe, expect, it } from "vitest";
import { DecodeError, EncodeError } from "../protocol/message.js";
import { V2Serializer } from "./v2.js";
import { encodePush, encodeMessage, encodeReply, encodeBroadcast } from "../../test/support/encode.js";

const bytes = (...parts: (number | string)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === "number" ? Buffer.from([p]) : Buffer.from(p, "utf8"))));
const efg = () => new Uint8Array([0x65, 0x66, 0x67]);
const parsed = (data: unknown) => JSON.parse(data as string);

function decodeError(data: string | Buffer, binary: boolean): DecodeError {
  try {
    V2Serializer.decode(data, binary);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error(`expected a DecodeError for ${String(data)}`);
}

describe("V2Serializer text frames (SER-01..SER-03)", () => {
  it("SER-01 encodes a push without refs", () => {
    const frame = encodePush(V2Serializer, null, "t", "e", { m: 1 });
    expect(frame.binary).toBe(false);
    expect(frame.data).toBe('[null,null,"t","e",{"m":1}]');
  });

  it("SER-02 encodes a broadcast (fastlane)", () => {
    const frame = encodeBroadcast(V2Serializer, "t", "e", { m: 1 });
    expect(frame.binary).toBe(false);
    expect(frame.data).toBe('[null,null,"t","e",{"m":1}]');
  });

  it("SER-03 encodes a reply with a nil status", () => {
    const frame = encodeReply(V2Serializer, null, null, "t", null as unknown as string, { m: 1 });
    expect(frame.binary).toBe(false);
    expect(parsed(frame.data)).toEqual([null, null, "t", "phx_reply", { response: { m: 1 }, status: null }]);
  });

  it("encodes a push with a join_ref and a null ref", () => {
    expect(parsed(encodePush(V2Serializer, "3", "room:1", "hi", { a: [1] }).data)).toEqual(["3", null, "room:1", "hi", { a: [1] }]);
  });

  it("encodes a reply carrying join_ref and ref, with an empty response by default", () => {
    expect(parsed(encodeReply(V2Serializer, "1", "2", "t", "ok", undefined).data)).toEqual(["1", "2", "t", "phx_reply", { status: "ok", response: {} }]);
    expect(parsed(encodeReply(V2Serializer, "1", "2", "t", "error", { reason: "x" }).data)).toEqual([
      "1",
      "2",
      "t",
      "phx_reply",
      { status: "error", response: { reason: "x" } },
    ]);
  });

  it("encodes control messages (phx_close) with ref = join_ref as text", () => {
    const frame = encodeMessage(V2Serializer, "5", "5", "t", "phx_close", {});
    expect(frame.binary).toBe(false);
    expect(frame.data).toBe('["5","5","t","phx_close",{}]');
  });

  it("decodes the JS client's frame", () => {
    expect(V2Serializer.decode('["0","1","t","e",{"foo":1}]', false)).toEqual({ joinRef: "0", ref: "1", topic: "t", event: "e", payload: { foo: 1 } });
  });

  it("decodes a heartbeat with a null join_ref, from a Buffer too", () => {
    expect(V2Serializer.decode(Buffer.from('[null,"7","phoenix","heartbeat",{}]'), false)).toEqual({
      joinRef: null,
      ref: "7",
      topic: "phoenix",
      event: "heartbeat",
      payload: {},
    });
  });

  it("ignores extra elements and accepts any JSON payload", () => {
    const msg = V2Serializer.decode('[null,null,"t","e",[1,2],"extra"]', false);
    expect(msg.payload).toEqual([1, 2]);
    expect(V2Serializer.decode('[null,null,"t","e","str"]', false).payload).toBe("str");
  });

  it("accepts numeric refs", () => {
    const msg = V2Serializer.decode('[1,2,"t","e",{}]', false);
    expect(msg.joinRef).toBe(1);
    expect(msg.ref).toBe(2);
  });
});

describe("V2Serializer text decode errors", () => {
  it.each([
    ["invalid JSON", "[null,"],
    ["a non-array (object)", '{"topic":"t"}'],
    ["a non-array (string)", '"hello"'],
    ["null", "null"],
    ["an array shorter than 5", '[null,null,"t","e"]'],
    ["an empty array", "[]"],
    ["a numeric topic", '[null,null,1,"e",{}]'],
    ["a null topic", '[null,null,null,"e",{}]'],
    ["a non-string event", '[null,null,"t",{},{}]'],
    ["an object ref", '[null,{},"t","e",{}]'],
    ["a boolean join_ref", '[true,null,"t","e",{}]'],
    ["an array ref", '[null,[1],"t","e",{}]'],
  ])("rejects %s", (_what, data) => {
    decodeError(data, false);
  });
});

describe("V2Serializer binary frames (SER-04..SER-08)", () => {
  it("SER-04 encodes a binary push: 00 02 05 05 '12' 'topic' 'event' efg", () => {
    const frame = encodePush(V2Serializer, "12", "topic", "event", efg());
    expect(frame.binary).toBe(true);
    expect(Buffer.from(frame.data as Uint8Array).equals(bytes(0, 2, 5, 5, "12", "topic", "event", "efg"))).toBe(true);
  });

  it("SER-05 encodes a binary reply: 01 02 03 05 02 '12' '123' 'topic' 'ok' efg", () => {
    const frame = encodeReply(V2Serializer, "12", "123", "topic", "ok", efg());
    expect(frame.binary).toBe(true);
    expect(Buffer.from(frame.data as Uint8Array).equals(bytes(1, 2, 3, 5, 2, "12", "123", "topic", "ok", "efg"))).toBe(true);
  });

  it("SER-06 encodes a binary broadcast: 02 05 05 'topic' 'event' efg", () => {
    const frame = encodeBroadcast(V2Serializer, "topic", "event", efg());
    expect(frame.binary).toBe(true);
    expect(Buffer.from(frame.data as Uint8Array).equals(bytes(2, 5, 5, "topic", "event", "efg"))).toBe(true);
  });

  it("accepts an ArrayBuffer payload and encodes nil refs as empty strings", () => {
    const frame = encodePush(V2Serializer, null, "t", "e", new Uint8Array([1, 2, 3]).buffer);
    expect(Buffer.from(frame.data as Uint8Array).equals(bytes(0, 0, 1, 1, "t", "e", 1, 2, 3))).toBe(true);
    const reply = encodeReply(V2Serializer, null, null, "t", "ok", new Uint8Array([9]));
    expect(Buffer.from(reply.data as Uint8Array).equals(bytes(1, 0, 0, 1, 2, "t", "ok", 9))).toBe(true);
  });

  it("SER-07 decodes a binary push", () => {
    const msg = V2Serializer.decode(bytes(0, 2, 3, 5, 5, "12", "123", "topic", "event", "efg"), true);
    expect(msg.joinRef).toBe("12");
    expect(msg.ref).toBe("123");
    expect(msg.topic).toBe("topic");
    expect(msg.event).toBe("event");
    expect(Buffer.from(msg.payload as Uint8Array).equals(Buffer.from("efg"))).toBe(true);
  });

  it("decodes the phoenix.js probe frame and empty refs as null", () => {
    const msg = V2Serializer.decode(Buffer.from([0x00, 0x01, 0x01, 0x0a, 0x03, ...Buffer.from("58room:lobbybin"), 1, 2, 3]), true);
    expect(msg).toMatchObject({ joinRef: "5", ref: "8", topic: "room:lobby", event: "bin" });
    expect([...(msg.payload as Uint8Array)]).toEqual([1, 2, 3]);
    const empty = V2Serializer.decode(bytes(0, 0, 0, 1, 1, "t", "e"), true);
    expect(empty.joinRef).toBeNull();
    expect(empty.ref).toBeNull();
    expect((empty.payload as Uint8Array).length).toBe(0);
  });

  it("decodes a 255-byte topic (the largest allowed)", () => {
    const topic = "x".repeat(255);
    expect(V2Serializer.decode(bytes(0, 0, 0, 255, 1, topic, "e"), true).topic).toBe(topic);
  });

  it.each([1, 2, 3])("rejects client frames of kind %i", (kind) => {
    decodeError(bytes(kind, 0, 0, 1, 1, "t", "e"), true);
  });

  it("rejects truncated frames", () => {
    decodeError(Buffer.from([0, 0, 0, 1]), true);
    decodeError(Buffer.alloc(0), true);
  });

  it("rejects header lengths beyond the buffer", () => {
    decodeError(bytes(0, 2, 3, 5, 5, "12", "123", "topic", "eve"), true);
    decodeError(bytes(0, 0, 0, 200, 1, "t", "e"), true);
  });

  it("rejects invalid UTF-8 in header fields", () => {
    decodeError(bytes(0, 0, 0, 2, 1, 0xc3, 0x28, "e"), true);
    decodeError(bytes(0, 0, 0, 1, 1, "t", 0xff), true);
    decodeError(bytes(0, 1, 0, 1, 1, 0x80, "t", "e"), true);
  });

  it("keeps invalid UTF-8 in the payload as raw bytes", () => {
    const msg = V2Serializer.decode(bytes(0, 0, 0, 1, 1, "t", "e", 0xff, 0xfe), true);
    expect([...(msg.payload as Uint8Array)]).toEqual([0xff, 0xfe]);
  });

  it("SER-08 refuses a 256-byte topic when encoding binary", () => {
    const topic = "t".repeat(256);
    expect(() => encodePush(V2Serializer, null, topic, "e", efg())).toThrow(EncodeError);
    expect(() => encodePush(V2Serializer, null, topic, "e", efg())).toThrow(/unable to convert topic to binary/);
    expect(() => encodeBroadcast(V2Serializer, topic, "e", efg())).toThrow(/unable to convert topic to binary/);
    expect(() => encodeReply(V2Serializer, null, "1", topic, "ok", efg())).toThrow(/unable to convert topic to binary/);
  });

  it("SER-08 refuses 256-byte event, join_ref, ref and status fields", () => {
    const big = "é".repeat(128); // 256 bytes, 128 characters
    expect(() => encodePush(V2Serializer, null, "t", big, efg())).toThrow(/unable to convert event to binary/);
    expect(() => encodePush(V2Serializer, big, "t", "e", efg())).toThrow(/unable to convert join_ref to binary/);
    expect(() => encodeReply(V2Serializer, null, big, "t", "ok", efg())).toThrow(/unable to convert ref to binary/);
    expect(() => encodeReply(V2Serializer, null, null, "t", big, efg())).toThrow(/unable to convert status to binary/);
    expect(() => encodePush(V2Serializer, null, "é".repeat(127) + "x", "e", efg())).not.toThrow();
  });

  it("does not limit field sizes in text frames", () => {
    const topic = "t".repeat(300);
    expect(parsed(encodePush(V2Serializer, null, topic, "e", {}).data)[2]).toBe(topic);
  });
});
