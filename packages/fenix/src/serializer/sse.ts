import { DecodeError, EncodeError, isBinary, isReply, toBytes } from "../protocol/message.js";
import type { Broadcast, Frame, InboundMessage, Outbound, SharedFrame } from "../protocol/message.js";
import type { Serializer } from "./serializer.js";

/**
 * A Server-Sent Events frame. `data` is the complete event as it goes on the wire (with an
 * `id:` line for a history broadcast); the other fields let the SSE transport rebuild the id
 * per stream (a stream over several topics carries one combined id for all of them).
 */
export interface SseFrame extends SharedFrame {
  data: string;
  binary: false;
  /** What the frame is: channel pushes and broadcasts are "event". */
  kind: "event" | "reply" | "close" | "error";
  topic: string;
  /** The event without any `id:` line. */
  body: string;
  /**
   * The topic's `epoch:offset` this frame moves the stream to: a history broadcast's id, or the
   * position an ok join reply reports (unless it recovered: replayed messages carry their own).
   */
  position: string | null;
  /** For replies: the status. */
  status?: string;
}

/** Event names and ids go on their own line: a line break would forge fields. */
function fieldValue(value: string, what: string): string {
  if (/[\r\n\0]/.test(value)) throw new EncodeError(`cannot send ${what} ${JSON.stringify(value)} over SSE: it contains a line break or NUL`);
  return value;
}

function json(value: unknown): string {
  return JSON.stringify(value ?? {});
}

/** `"payload":…` (or `"response":…`), base64 for binary with `"encoding":"base64"` after it. */
function body(key: string, value: unknown): string {
  if (isBinary(value)) return `${JSON.stringify(key)}:${JSON.stringify(Buffer.from(toBytes(value)).toString("base64"))},"encoding":"base64"`;
  return `${JSON.stringify(key)}:${json(value)}`;
}

function event(name: string, data: string): string {
  return `event: ${fieldValue(name, "event name")}\ndata: ${data}\n\n`;
}

/** `epoch:offset` as the history sends it; anything else is not a position. */
export function isPosition(value: unknown): value is string {
  return typeof value === "string" && /^[^\r\n\0:][^\r\n\0]*:\d+$/.test(value);
}

function replyPosition(status: string, response: unknown): string | null {
  if (status !== "ok" || response === null || typeof response !== "object" || isBinary(response)) return null;
  const { epoch, offset, recovered } = response as Record<string, unknown>;
  // After a successful recovery the replayed messages move the stream on; taking the newest
  // position here would skip them if the stream broke before they arrived.
  if (recovered === true || typeof epoch !== "string" || typeof offset !== "number") return null;
  const position = `${epoch}:${offset}`;
  return isPosition(position) ? position : null;
}

/**
 * The Server-Sent Events wire format. Every frame is one event whose `data` is JSON on one line:
 *
 *     event: new_msg                          (pushes and broadcasts: the channel's event name)
 *     data: {"topic":"room:1","payload":{…}}
 *
 *     id: <epoch:offset>                      (broadcasts on history topics only)
 *     event: phx_reply                        (join replies)
 *     data: {"topic":"room:1","status":"ok","response":{…}}
 *
 * `phx_close`/`phx_error` carry `{"topic","payload"}`. Binary payloads are base64 strings with
 * `"encoding":"base64"` beside them. Clients cannot send on SSE, so `decode` always throws.
 */
export const SseSerializer: Serializer = {
  name: "sse",

  decode(_data: string | Buffer, _binary: boolean): InboundMessage {
    throw new DecodeError("clients cannot send frames over Server-Sent Events");
  },

  encode(message: Outbound): Frame {
    const topic = message.topic;
    if (isReply(message)) {
      const { status, response } = message;
      const text = event("phx_reply", `{"topic":${JSON.stringify(topic)},"status":${JSON.stringify(status)},${body("response", response)}}`);
      const frame = sseFrame("reply", topic, text, replyPosition(status, response));
      frame.status = status;
      return frame;
    }
    const name = message.event;
    const kind = name === "phx_close" ? "close" : name === "phx_error" ? "error" : "event";
    return sseFrame(kind, topic, event(name, `{"topic":${JSON.stringify(topic)},${body("payload", message.payload)}}`), null);
  },

  fastlane(broadcast: Broadcast): SharedFrame {
    const { topic } = broadcast;
    const text = event(broadcast.event, `{"topic":${JSON.stringify(topic)},${body("payload", broadcast.payload)}}`);
    const position = broadcast.id ?? null;
    if (position === null || !isPosition(position)) return sseFrame("event", topic, text, null);
    const frame = sseFrame("event", topic, text, position);
    frame.data = `id: ${position}\n${text}`;
    return frame;
  },
};

function sseFrame(kind: SseFrame["kind"], topic: string, text: string, position: string | null): SseFrame {
  return { data: text, binary: false, kind, topic, body: text, position };
}

/** True for frames the SSE serializer made. */
export function isSseFrame(frame: Frame): frame is SseFrame {
  return typeof (frame as SseFrame).kind === "string" && typeof (frame as SseFrame).body === "string";
}
