import { JSON_ENCODING, unpackUserBroadcast } from "../user_broadcast.js";

/** A broadcast push ready to publish, or why it cannot be. */
export type BroadcastCheck = { ok: true; payload: unknown } | { ok: false; message: string };

/**
 * Checks a client's `broadcast` push: a packed user broadcast (binary kind 3 frame) or the JSON
 * `{type: "broadcast", event, payload}` of a text frame. `maxBytes` bounds the user payload.
 */
export function checkBroadcast(payload: unknown, maxBytes: number): BroadcastCheck {
  if (payload instanceof Uint8Array) {
    const user = unpackUserBroadcast(payload);
    if (user === null) return { ok: false, message: "Malformed broadcast frame" };
    if (user.bytes.length > maxBytes) return { ok: false, message: `Payload size exceeded: ${user.bytes.length} bytes, the limit is ${maxBytes}` };
    if (user.encoding === JSON_ENCODING) {
      try {
        JSON.parse(Buffer.from(user.bytes).toString("utf8"));
      } catch {
        return { ok: false, message: "Broadcast payload is not valid JSON" };
      }
    }
    return { ok: true, payload };
  }
  const body = payload as { event?: unknown; payload?: unknown } | null;
  if (body === null || typeof body !== "object" || typeof body.event !== "string") {
    return { ok: false, message: "A broadcast needs an event name: {type: 'broadcast', event, payload}" };
  }
  const size = Buffer.byteLength(JSON.stringify(body.payload ?? {}), "utf8");
  if (size > maxBytes) return { ok: false, message: `Payload size exceeded: ${size} bytes, the limit is ${maxBytes}` };
  return { ok: true, payload: { type: "broadcast", event: body.event, payload: body.payload ?? {} } };
}
