import type { BroadcastMessage } from "./adapter.js";

/**
 * A broadcast as cluster adapters carry it between nodes (Redis, NATS): JSON with short keys,
 * because every broadcast pays for them, and the sending node so a node can drop its own echo.
 */
interface Envelope {
  /** sending node */
  n: string;
  t: string;
  e: string;
  p: unknown;
  /** history id */
  i?: string;
  /** payload is base64 bytes */
  b?: 1;
}

export function encodeEnvelope(node: string, message: BroadcastMessage): string {
  const binary = message.payload instanceof Uint8Array;
  const envelope: Envelope = {
    n: node,
    t: message.topic,
    e: message.event,
    p: binary ? Buffer.from(message.payload as Uint8Array).toString("base64") : message.payload,
  };
  if (message.id !== undefined) envelope.i = message.id;
  if (binary) envelope.b = 1;
  return JSON.stringify(envelope);
}

/** The node and message, or null for anything that is not an envelope (logged by the adapter). */
export function decodeEnvelope(raw: string): { node: string; message: BroadcastMessage } | null {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(raw) as Envelope;
  } catch {
    return null;
  }
  if (typeof envelope?.n !== "string" || typeof envelope.t !== "string" || typeof envelope.e !== "string") return null;
  const payload = envelope.b === 1 && typeof envelope.p === "string" ? new Uint8Array(Buffer.from(envelope.p, "base64")) : envelope.p;
  const message: BroadcastMessage = { topic: envelope.t, event: envelope.e, payload };
  if (typeof envelope.i === "string") message.id = envelope.i;
  return { node: envelope.n, message };
}

/** A URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}
