import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody } from "fenix";
import type { Endpoint } from "fenix";
import type { Claims } from "../auth.js";
import type { RealtimeContext } from "../context.js";
import { TOPIC_PREFIX, internalTopic } from "../topics.js";
import { BINARY, packUserBroadcast } from "../user_broadcast.js";
import { checkMessages, requestToken } from "./broadcast_messages.js";
import type { HttpMessage } from "./broadcast_messages.js";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "authorization, apikey, content-type, x-client-info",
};

function answer(res: ServerResponse, status: number, body?: object): void {
  if (body === undefined) {
    res.writeHead(status, CORS).end();
    return;
  }
  res.writeHead(status, { ...CORS, "content-type": "application/json" }).end(JSON.stringify(body));
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Supabase's HTTP broadcast under the mount: `POST <path>/api/broadcast` (a batch) and
 * `POST <path>/api/broadcast/<topic>/events/<event>` (one message, JSON or
 * `application/octet-stream`), both `202` — what `channel.send()` falls back to and
 * `channel.httpSend()` calls. Authorized by `Authorization: Bearer <jwt>` or the `apikey` header.
 */
export function broadcastApi(endpoint: Endpoint, ctx: RealtimeContext, path: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const base = `${path}/api/broadcast`;
  const single = /^\/([^/]+)\/events\/([^/]+)$/;

  async function authorized(req: IncomingMessage): Promise<Claims> {
    const verified = await ctx.verify(requestToken(req.headers));
    if (!verified.ok) throw new HttpError(401, "Unauthorized");
    return verified.claims;
  }

  async function body(req: IncomingMessage): Promise<Buffer> {
    try {
      return await readBody(req, ctx.limits.maxHttpBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new HttpError(413, `request body exceeds ${ctx.limits.maxHttpBodyBytes} bytes`);
      throw err;
    }
  }

  async function mayPublish(messages: readonly { topic: string; private: boolean }[], claims: Claims): Promise<void> {
    for (const m of messages) {
      if (m.private && !(await ctx.authorize(TOPIC_PREFIX + m.topic, claims))) {
        throw new HttpError(403, `not authorized to broadcast on the private channel ${m.topic}`);
      }
    }
  }

  async function publish(topic: string, isPrivate: boolean, payload: object): Promise<void> {
    try {
      await endpoint.broadcast(internalTopic(TOPIC_PREFIX + topic, isPrivate), "broadcast", payload);
    } catch (err) {
      endpoint.logger.warn({ err, topic }, `realtime: HTTP broadcast on ${topic} did not reach other nodes`);
      throw new HttpError(503, "the broadcast could not reach every node; try again");
    }
  }

  async function batch(req: IncomingMessage): Promise<void> {
    const claims = await authorized(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse((await body(req)).toString("utf8"));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, "the body is not JSON");
    }
    const checked = checkMessages(parsed, ctx.limits.maxPayloadBytes);
    if (!checked.ok) throw new HttpError(422, checked.error);
    await mayPublish(checked.messages, claims);
    for (const m of checked.messages as HttpMessage[]) {
      await publish(m.topic, m.private, { type: "broadcast", event: m.event, payload: m.payload });
    }
  }

  async function one(req: IncomingMessage, topic: string, event: string): Promise<void> {
    const claims = await authorized(req);
    const isPrivate = new URL(req.url ?? "/", "http://x").searchParams.get("private") === "true";
    const type = String(req.headers["content-type"] ?? "")
      .split(";", 1)[0]
      .trim()
      .toLowerCase();
    if (type !== "application/json" && type !== "application/octet-stream") {
      throw new HttpError(415, "Content-Type must be application/json or application/octet-stream");
    }
    const bytes = await body(req);
    if (bytes.length > ctx.limits.maxPayloadBytes) throw new HttpError(413, `payload is ${bytes.length} bytes, the limit is ${ctx.limits.maxPayloadBytes}`);
    let payload: object;
    if (type === "application/octet-stream") {
      payload = packUserBroadcast(BINARY, event, bytes);
    } else {
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString("utf8"));
      } catch {
        throw new HttpError(400, "the body is not JSON");
      }
      payload = { type: "broadcast", event, payload: value };
    }
    await mayPublish([{ topic, private: isPrivate }], claims);
    await publish(topic, isPrivate, payload);
  }

  return (req, res) => {
    const pathname = (req.url ?? "/").split("?", 1)[0];
    if (pathname !== base && !pathname.startsWith(`${base}/`)) return false;
    if (req.method === "OPTIONS") {
      answer(res, 204);
      return true;
    }
    const rest = pathname.slice(base.length);
    const match = single.exec(rest);
    if (rest !== "" && match === null) return false;
    if (req.method !== "POST") {
      answer(res, 405, { error: "use POST" });
      return true;
    }
    let work: Promise<void>;
    try {
      work = match === null ? batch(req) : one(req, decodeURIComponent(match[1]), decodeURIComponent(match[2]));
    } catch {
      answer(res, 400, { error: "malformed topic or event in the path" });
      return true;
    }
    work.then(
      () => answer(res, 202),
      (err: unknown) => {
        if (err instanceof HttpError) {
          if (err.status >= 500) endpoint.logger.warn({ path: pathname }, `realtime: ${err.message}`);
          else endpoint.logger.info({ path: pathname, status: err.status }, `realtime: refused an HTTP broadcast: ${err.message}`);
          answer(res, err.status, err.status === 401 ? { message: err.message } : { error: err.message });
          return;
        }
        endpoint.logger.error({ err, path: pathname }, `realtime: HTTP broadcast failed: ${(err as Error)?.message}`);
        answer(res, 500, { error: "internal error" });
      },
    );
    return true;
  };
}
