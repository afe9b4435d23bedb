/** One message of `POST /api/broadcast`, checked. */
export interface HttpMessage {
  topic: string;
  event: string;
  payload: Record<string, unknown>;
  private: boolean;
}

export type MessagesCheck = { ok: true; messages: HttpMessage[] } | { ok: false; error: string };

/**
 * Validates a batch body `{messages: [{topic, event, payload, private?}]}` as Supabase's
 * `BatchBroadcast` does: every field required but `private`, payloads are objects, each within
 * `maxBytes`. `topic` is the channel's name (`room1`, not `realtime:room1`).
 */
export function checkMessages(body: unknown, maxBytes: number): MessagesCheck {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return { ok: false, error: "messages must be a non-empty array" };
  const out: HttpMessage[] = [];
  for (const [i, raw] of messages.entries()) {
    const m = (raw ?? {}) as Record<string, unknown>;
    if (typeof m.topic !== "string" || m.topic === "") return { ok: false, error: `messages[${i}].topic must be a non-empty string` };
    if (typeof m.event !== "string" || m.event === "") return { ok: false, error: `messages[${i}].event must be a non-empty string` };
    if (m.payload === null || typeof m.payload !== "object" || Array.isArray(m.payload)) {
      return { ok: false, error: `messages[${i}].payload must be an object` };
    }
    if (m.private !== undefined && typeof m.private !== "boolean") return { ok: false, error: `messages[${i}].private must be a boolean` };
    const size = Buffer.byteLength(JSON.stringify(m.payload), "utf8");
    if (size > maxBytes) return { ok: false, error: `messages[${i}].payload is ${size} bytes, the limit is ${maxBytes}` };
    out.push({ topic: m.topic, event: m.event, payload: m.payload as Record<string, unknown>, private: m.private === true });
  }
  return { ok: true, messages: out };
}

/** The bearer token, else the `apikey` header: what authorizes an HTTP broadcast. */
export function requestToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const [scheme, token] = authorization.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === "bearer" && token) return token;
  }
  const apikey = headers.apikey;
  return typeof apikey === "string" && apikey !== "" ? apikey : undefined;
}
