import { describe, expect, it } from "vitest";
import { SseSerializer, isSseFrame } from "./sse.js";
import type { SseFrame } from "./sse.js";
import type { Frame } from "../protocol/message.js";
import { DecodeError, EncodeError } from "../protocol/message.js";
import { encodePush, encodeMessage, encodeReply, encodeBroadcast } from "../../test/support/encode.js";

const s = SseSerializer;
/** The event text of a frame, and the JSON of its data line. */
const text = (frame: Frame): string => frame.data as string;
const data = (frame: Frame): unknown => JSON.parse(text(frame).split("data: ")[1]);

describe("SseSerializer", () => {
  it("encodes pushes and plain broadcasts as events with topic and payload", () => {
    expect(encodePush(s, "1", "room:1", "new_msg", { body: "a\nb" }).data).toBe('event: new_msg\ndata: {"topic":"room:1","payload":{"body":"a\\nb"}}\n\n');
    expect(encodeBroadcast(s, "room:1", "new_msg", { n: 1 }).data).toBe('event: new_msg\ndata: {"topic":"room:1","payload":{"n":1}}\n\n');
    expect(encodeBroadcast(s, "room:1", "new_msg", undefined, null).data).toBe('event: new_msg\ndata: {"topic":"room:1","payload":{}}\n\n');
  });

  it("puts a history broadcast's epoch:offset in an id line first", () => {
    const frame = encodeBroadcast(s, "room:1", "new_msg", { n: 1 }, "Ab_9:12") as SseFrame;
    expect(frame.data).toBe('id: Ab_9:12\nevent: new_msg\ndata: {"topic":"room:1","payload":{"n":1}}\n\n');
    expect(frame.body).toBe('event: new_msg\ndata: {"topic":"room:1","payload":{"n":1}}\n\n');
    expect(frame.position).toBe("Ab_9:12");
    expect(frame.kind).toBe("event");
    // Anything that is not an epoch:offset never reaches the wire as an id.
    expect(text(encodeBroadcast(s, "room:1", "e", {}, "7")).startsWith("event:")).toBe(true);
    expect(text(encodeBroadcast(s, "room:1", "e", {}, "a:1\nevent: x")).startsWith("event:")).toBe(true);
  });

  it("encodes join replies as phx_reply events", () => {
    const ok = encodeReply(s, "1", "1", "room:1", "ok", { joined: true }) as SseFrame;
    expect(ok.data).toBe('event: phx_reply\ndata: {"topic":"room:1","status":"ok","response":{"joined":true}}\n\n');
    expect(ok.kind).toBe("reply");
    expect(ok.status).toBe("ok");
    expect(ok.position).toBeNull();
    const refused = encodeReply(s, "2", "2", "room:2", "error", { reason: "unauthorized" });
    expect(refused.data).toBe('event: phx_reply\ndata: {"topic":"room:2","status":"error","response":{"reason":"unauthorized"}}\n\n');
  });

  it("takes the position of an ok history join reply unless it recovered", () => {
    const fresh = encodeReply(s, "1", "1", "t", "ok", { epoch: "E", offset: 4 }) as SseFrame;
    expect(fresh.position).toBe("E:4");
    expect(fresh.data.startsWith("event: phx_reply")).toBe(true);
    expect((encodeReply(s, "1", "1", "t", "ok", { epoch: "E", offset: 4, recovered: false }) as SseFrame).position).toBe("E:4");
    expect((encodeReply(s, "1", "1", "t", "ok", { epoch: "E", offset: 4, recovered: true }) as SseFrame).position).toBeNull();
    expect((encodeReply(s, "1", "1", "t", "error", { epoch: "E", offset: 4 }) as SseFrame).position).toBeNull();
    expect((encodeReply(s, "1", "1", "t", "ok", { epoch: "", offset: 0 }) as SseFrame).position).toBeNull();
  });

  it("encodes phx_close and phx_error with their payload", () => {
    const close = encodeMessage(s, "1", "1", "room:1", "phx_close", {}) as SseFrame;
    expect(close.data).toBe('event: phx_close\ndata: {"topic":"room:1","payload":{}}\n\n');
    expect(close.kind).toBe("close");
    const error = encodeMessage(s, "1", "1", "room:1", "phx_error", { reason: "channel_crash" }) as SseFrame;
    expect(error.data).toBe('event: phx_error\ndata: {"topic":"room:1","payload":{"reason":"channel_crash"}}\n\n');
    expect(error.kind).toBe("error");
  });

  it("sends binary payloads and responses as base64 with encoding: base64", () => {
    const bytes = new Uint8Array([104, 105, 0, 255]);
    expect(data(encodePush(s, null, "t", "blob", bytes))).toEqual({ topic: "t", payload: "aGkA/w==", encoding: "base64" });
    expect(data(encodeBroadcast(s, "t", "blob", bytes.buffer))).toEqual({
      topic: "t",
      payload: "aGkA/w==",
      encoding: "base64",
    });
    expect(data(encodeReply(s, "1", "1", "t", "ok", bytes))).toEqual({
      topic: "t",
      status: "ok",
      response: "aGkA/w==",
      encoding: "base64",
    });
  });

  it("refuses event names that would break the framing", () => {
    expect(() => encodePush(s, null, "t", "a\ndata: forged", {})).toThrow(EncodeError);
    expect(() => encodeBroadcast(s, "t", "a\rb", {})).toThrow(EncodeError);
  });

  it("cannot decode: clients do not send on SSE", () => {
    expect(() => s.decode("[]", false)).toThrow(DecodeError);
  });

  it("marks its frames so the transport can rebuild ids", () => {
    expect(isSseFrame(encodePush(s, null, "t", "e", {}))).toBe(true);
    expect(isSseFrame({ data: "x", binary: false })).toBe(false);
  });
});
