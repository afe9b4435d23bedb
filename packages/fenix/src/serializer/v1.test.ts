import { describe, expect, it } from "vitest";
import { DecodeError, EncodeError } from "../protocol/message.js";
import { V1Serializer } from "./v1.js";
import { encodePush, encodeMessage, encodeReply, encodeBroadcast } from "../../test/support/encode.js";

const keys = (data: unknown) => Object.keys(JSON.parse(data as string));

function decodeError(data: string | Buffer, binary = false): DecodeError {
  try {
    V1Serializer.decode(data, binary);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error(`expected a DecodeError for ${String(data)}`);
}

describe("V1Serializer encode", () => {
  it("writes a push exactly as Phoenix's @v1_msg_json, keys event,payload,ref,topic", () => {
    const frame = encodePush(V1Serializer, "12", "t", "e", "m");
    expect(frame.binary).toBe(false);
    expect(frame.data).toBe('{"event":"e","payload":"m","ref":null,"topic":"t"}');
  });

  it("writes broadcasts with a null ref and no join_ref", () => {
    const frame = encodeBroadcast(V1Serializer, "t", "e", { m: 1 });
    expect(frame.data).toBe('{"event":"e","payload":{"m":1},"ref":null,"topic":"t"}');
  });

  it("writes replies as {event:phx_reply,payload:{response,status},ref,topic}", () => {
    const frame = encodeReply(V1Serializer, "1", "2", "t", "ok", { a: 1 });
    expect(frame.data).toBe('{"event":"phx_reply","payload":{"response":{"a":1},"status":"ok"},"ref":"2","topic":"t"}');
    expect(JSON.parse(encodeReply(V1Serializer, null, null, "t", "error", undefined).data as string)).toEqual({
      event: "phx_reply",
      payload: { response: {}, status: "error" },
      ref: null,
      topic: "t",
    });
  });

  it("writes control messages with the ref", () => {
    expect(encodeMessage(V1Serializer, "4", "4", "t", "phx_close", {}).data).toBe('{"event":"phx_close","payload":{},"ref":"4","topic":"t"}');
  });

  it("SER-08 never writes join_ref, and always orders keys event,payload,ref,topic", () => {
    const frames = [
      encodePush(V1Serializer, "j", "t", "e", {}),
      encodeMessage(V1Serializer, "j", "r", "t", "phx_error", { reason: "channel_crash" }),
      encodeReply(V1Serializer, "j", "r", "t", "ok", {}),
      encodeBroadcast(V1Serializer, "t", "e", {}),
    ];
    for (const frame of frames) {
      expect(frame.data as string).not.toContain("join_ref");
      expect(keys(frame.data)).toEqual(["event", "payload", "ref", "topic"]);
    }
  });

  it("refuses binary payloads", () => {
    expect(() => encodePush(V1Serializer, null, "t", "e", new Uint8Array([1]))).toThrow(EncodeError);
    expect(() => encodeReply(V1Serializer, null, "1", "t", "ok", new Uint8Array([1]).buffer)).toThrow(EncodeError);
    expect(() => encodeBroadcast(V1Serializer, "t", "e", new Uint8Array([1]))).toThrow(EncodeError);
  });
});

describe("V1Serializer decode", () => {
  it("decodes an object with optional join_ref", () => {
    expect(V1Serializer.decode('{"topic":"t","event":"e","payload":{"a":1},"ref":"2","join_ref":"1"}', false)).toEqual({
      joinRef: "1",
      ref: "2",
      topic: "t",
      event: "e",
      payload: { a: 1 },
    });
    expect(V1Serializer.decode(Buffer.from('{"topic":"t","event":"e","payload":{},"ref":null}'), false)).toEqual({
      joinRef: null,
      ref: null,
      topic: "t",
      event: "e",
      payload: {},
    });
  });

  it("accepts a numeric ref", () => {
    expect(V1Serializer.decode('{"topic":"t","event":"e","payload":{},"ref":3}', false).ref).toBe(3);
  });

  it("SER-08 rejects an array with 'V1 JSON Serializer expected a map'", () => {
    const err = decodeError('[null,null,"t","e",{}]');
    expect(err.message).toMatch(/^V1 JSON Serializer expected a map/);
  });

  it.each([["null"], ['"str"'], ["42"], ["true"]])("rejects the non-object %s", (data) => {
    expect(decodeError(data).message).toMatch(/V1 JSON Serializer expected a map/);
  });

  it("rejects invalid JSON", () => {
    decodeError("{topic:");
  });

  it.each(["topic", "event", "payload", "ref"])("rejects a message missing %s", (key) => {
    const msg: Record<string, unknown> = { topic: "t", event: "e", payload: {}, ref: null };
    delete msg[key];
    expect(decodeError(JSON.stringify(msg)).message).toContain(key);
  });

  it("rejects non-string topic/event and malformed refs", () => {
    decodeError('{"topic":1,"event":"e","payload":{},"ref":null}');
    decodeError('{"topic":"t","event":null,"payload":{},"ref":null}');
    decodeError('{"topic":"t","event":"e","payload":{},"ref":{}}');
    decodeError('{"topic":"t","event":"e","payload":{},"ref":null,"join_ref":[1]}');
  });

  it("refuses binary frames", () => {
    decodeError(Buffer.from([0, 0, 0, 1, 1, 0x74, 0x65]), true);
  });
});
