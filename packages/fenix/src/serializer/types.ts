/** A ref or join_ref as the client sent it. Treated as opaque: only echoed back. */
export type Ref = string | null;

/** Binary payloads travel as raw bytes (V2 binary frames only). */
export type BinaryPayload = Uint8Array;

/** One decoded client frame. */
export interface InboundMessage {
  joinRef: Ref;
  ref: Ref;
  topic: string;
  event: string;
  payload: unknown;
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
 * A frame that many connections share: the transport may cache its own wire form (the
 * WebSocket frame header plus data) on it, so one broadcast is framed once for all subscribers.
 */
export interface SharedFrame extends Frame {
  wire?: Buffer;
  /** `[wire]`, allocated once per broadcast rather than once per socket write. */
  wireList?: Buffer[];
}

export class DecodeError extends Error {
  override name = "DecodeError";
}

export class EncodeError extends Error {
  override name = "EncodeError";
}

export interface Serializer {
  readonly name: string;
  decode(data: string | Buffer, binary: boolean): InboundMessage;
  encodePush(joinRef: Ref, topic: string, event: string, payload: unknown): Frame;
  /** A control message with a ref, e.g. `phx_close`/`phx_error` (ref = join_ref). Always text. */
  encodeMessage(joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown): Frame;
  encodeReply(joinRef: Ref, ref: Ref, topic: string, status: string, response: unknown): Frame;
  /** `ref` is null for plain broadcasts; for topics with history it is the message's `epoch:offset` id. */
  encodeBroadcast(topic: string, event: string, payload: unknown, ref?: Ref): Frame;
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
