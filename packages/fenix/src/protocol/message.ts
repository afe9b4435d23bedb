/**
 * The values of the Phoenix wire protocol, independent of any encoding: what a client sends
 * (`Message`), what the server answers (`ReplyMessage`) and what a topic fans out (`Broadcast`),
 * plus the encoded `Frame` a transport writes. Phoenix calls these `%Message{}`, `%Reply{}` and
 * `%Broadcast{}`.
 */

/** A ref or join_ref as the client sent it. Treated as opaque: only echoed back. */
export type Ref = string | null;

/** Binary payloads travel as raw bytes (V2 binary frames only). */
export type BinaryPayload = Uint8Array;

/** A message on a topic: a client push (decoded), or a server push / control message (`ref` null for pushes). */
export interface Message {
  joinRef: Ref;
  ref: Ref;
  topic: string;
  event: string;
  payload: unknown;
}

/** One decoded client frame. */
export type InboundMessage = Message;

/** The answer to a client message (`phx_reply` on the wire). */
export interface ReplyMessage {
  joinRef: Ref;
  ref: Ref;
  topic: string;
  status: string;
  response: unknown;
}

/** A message for every subscriber of a topic. Payloads must be JSON-serializable (or binary). */
export interface Broadcast {
  topic: string;
  event: string;
  payload: unknown;
  /** Set for topics with history: the message's `epoch:offset` id, used for recovery. */
  id?: string;
}

/** What a serializer encodes: a message (push, control) or a reply. */
export type Outbound = Message | ReplyMessage;

export function isReply(message: Outbound): message is ReplyMessage {
  return (message as ReplyMessage).status !== undefined;
}

/**
 * An encoded frame ready for a transport. `data` is a string for text frames and bytes for
 * binary ones; the test serializer stores plain objects so tests can inspect them.
 */
export interface Frame {
  data: string | Uint8Array | object;
  binary: boolean;
}

/**
 * A frame many connections share (one broadcast, encoded once). `wire` is the transport's own
 * slot: the WebSocket transport keeps the frame's bytes there, framed once for all subscribers.
 */
export interface SharedFrame extends Frame {
  wire?: unknown;
}

export class DecodeError extends Error {
  override name = "DecodeError";
}

export class EncodeError extends Error {
  override name = "EncodeError";
}

export function isBinary(payload: unknown): payload is Uint8Array | ArrayBuffer {
  return payload instanceof Uint8Array || payload instanceof ArrayBuffer;
}

export function toBytes(payload: Uint8Array | ArrayBuffer): Uint8Array {
  return payload instanceof ArrayBuffer ? new Uint8Array(payload) : payload;
}

/** Refs on the wire may be strings or (from some clients) numbers; anything else is malformed. */
export function checkRef(value: unknown, field: string): Ref {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value as unknown as string;
  throw new DecodeError(`${field} must be a string or null, got ${typeof value}`);
}

export function checkString(value: unknown, field: string): string {
  if (typeof value !== "string") throw new DecodeError(`${field} must be a string, got ${value === null ? "null" : typeof value}`);
  return value;
}
