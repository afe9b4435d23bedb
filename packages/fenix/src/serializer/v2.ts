import { DecodeError, EncodeError, checkRef, checkString, isBinary, isReply, toBytes } from "../protocol/message.js";
import type { Broadcast, Frame, InboundMessage, Outbound, Ref, SharedFrame } from "../protocol/message.js";
import type { Serializer } from "./serializer.js";

const PUSH = 0;
const REPLY = 1;
const BROADCAST = 2;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function field(value: Ref | string, name: string): Buffer {
  const bytes = Buffer.from(value === null ? "" : String(value), "utf8");
  if (bytes.length > 255) {
    throw new EncodeError(`unable to convert ${name} to binary: ${bytes.length} bytes, must be less than or equal to 255 bytes`);
  }
  return bytes;
}

function binaryFrame(kind: number, fields: Buffer[], payload: Uint8Array | ArrayBuffer): Frame {
  const body = toBytes(payload);
  const header = Buffer.allocUnsafe(1 + fields.length);
  header[0] = kind;
  for (let i = 0; i < fields.length; i++) header[i + 1] = fields[i].length;
  return { data: Buffer.concat([header, ...fields, body]), binary: true };
}

function json(value: unknown): string {
  return JSON.stringify(value ?? {});
}

function str(value: Ref | string): string {
  return value === null ? "null" : JSON.stringify(value);
}

function decodeBinary(buf: Buffer): InboundMessage {
  if (buf.length < 5) throw new DecodeError("binary frame too short for its header");
  if (buf[0] !== PUSH) throw new DecodeError(`unsupported binary frame kind ${buf[0]}: clients may only send pushes (kind 0)`);
  const sizes = [buf[1], buf[2], buf[3], buf[4]];
  let offset = 5;
  const parts: string[] = [];
  for (const size of sizes) {
    if (offset + size > buf.length) throw new DecodeError("binary frame is shorter than its header says");
    try {
      parts.push(utf8.decode(buf.subarray(offset, offset + size)));
    } catch {
      throw new DecodeError("binary frame header field is not valid UTF-8");
    }
    offset += size;
  }
  const [joinRef, ref, topic, event] = parts;
  return {
    joinRef: joinRef === "" ? null : joinRef,
    ref: ref === "" ? null : ref,
    topic,
    event,
    payload: buf.subarray(offset),
  };
}

/**
 * Phoenix's V2 serializer (`vsn` 2.0.x): text frames are `[join_ref, ref, topic, event, payload]`
 * arrays; binary payloads use the compact binary layout with single-byte field lengths.
 */
export const V2Serializer: Serializer = {
  name: "v2",
  vsn: "~> 2.0.0",

  decode(data: string | Buffer, binary: boolean): InboundMessage {
    if (binary) return decodeBinary(typeof data === "string" ? Buffer.from(data) : data);
    let raw: unknown;
    try {
      raw = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
    } catch (err) {
      throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(raw) || raw.length < 5) {
      throw new DecodeError("V2 frames must be [join_ref, ref, topic, event, payload] arrays");
    }
    return {
      joinRef: checkRef(raw[0], "join_ref"),
      ref: checkRef(raw[1], "ref"),
      topic: checkString(raw[2], "topic"),
      event: checkString(raw[3], "event"),
      payload: raw[4],
    };
  },

  encode(message: Outbound): Frame {
    const { joinRef, ref, topic } = message;
    if (isReply(message)) {
      const { status, response } = message;
      if (isBinary(response)) {
        return binaryFrame(REPLY, [field(joinRef, "join_ref"), field(ref, "ref"), field(topic, "topic"), field(status, "status")], response);
      }
      return {
        data: `[${str(joinRef)},${str(ref)},${JSON.stringify(topic)},"phx_reply",{"status":${JSON.stringify(status)},"response":${json(response)}}]`,
        binary: false,
      };
    }
    const { event, payload } = message;
    // The binary push layout has no ref: only server pushes (ref null) carry binary payloads.
    if (isBinary(payload)) return binaryFrame(PUSH, [field(joinRef, "join_ref"), field(topic, "topic"), field(event, "event")], payload);
    return { data: `[${str(joinRef)},${str(ref)},${JSON.stringify(topic)},${JSON.stringify(event)},${json(payload)}]`, binary: false };
  },

  fastlane(broadcast: Broadcast): SharedFrame {
    const { topic, event, payload } = broadcast;
    // The binary broadcast layout has no ref field, so a binary message's history id is not sent.
    if (isBinary(payload)) return binaryFrame(BROADCAST, [field(topic, "topic"), field(event, "event")], payload);
    return { data: `[null,${str(broadcast.id ?? null)},${JSON.stringify(topic)},${JSON.stringify(event)},${json(payload)}]`, binary: false };
  },
};
