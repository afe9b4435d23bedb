import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../util/log.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { BodyTooLargeError, readBody } from "../util/body.js";

export interface PublishApiOptions {
  /** Default "/api/broadcast". */
  path?: string;
  /** Callers send `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(JSON.stringify(body));
}

/**
 * `POST /api/broadcast` with `{"topic","event","payload"}`: lets any backend publish to a
 * topic on every node, like the server APIs of Centrifugo and Pusher.
 */
export class PublishApi {
  readonly path: string;
  private readonly key: Buffer;
  private readonly limit: number;

  constructor(
    options: PublishApiOptions,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
  ) {
    if (!options.apiKey) throw new Error("publishApi.apiKey must be a non-empty string");
    this.path = options.path ?? "/api/broadcast";
    this.key = digest(options.apiKey);
    this.limit = options.maxBodyBytes ?? 1024 * 1024;
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    return m !== null && timingSafeEqual(digest(m[1].trim()), this.key);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      json(res, 405, { error: "method not allowed: use POST" });
      return;
    }
    if (!this.authorized(req)) {
      this.logger.warn({ remote: req.socket.remoteAddress }, "publish API: refused request without a valid API key");
      json(res, 401, { error: "missing or invalid API key: send Authorization: Bearer <key>" });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, this.limit)).toString("utf8"));
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        json(res, 413, { error: err.message });
        return;
      }
      json(res, 400, { error: 'body must be JSON: {"topic": string, "event": string, "payload": object}' });
      return;
    }
    const problem = validate(body);
    if (problem) {
      json(res, 400, { error: problem });
      return;
    }
    const { topic, event, payload } = body as { topic: string; event: string; payload?: object };
    try {
      await this.pubsub.broadcast(topic, event, payload ?? {}, { strict: true });
    } catch (err) {
      // Local subscribers have it; the caller learns that other nodes may not (and may retry).
      json(res, 503, { error: `delivered on this node only: other nodes unreachable (${(err as Error).message})` });
      return;
    }
    this.logger.debug({ topic, event }, `publish API: broadcast ${event} to ${topic}`);
    json(res, 200, { ok: true });
  }
}

function validate(body: unknown): string | null {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "body must be a JSON object";
  const { topic, event, payload } = body as Record<string, unknown>;
  if (typeof topic !== "string" || topic === "") return "topic must be a non-empty string";
  if (typeof event !== "string" || event === "") return "event must be a non-empty string";
  if (payload !== undefined && (payload === null || typeof payload !== "object" || Array.isArray(payload))) return "payload must be a JSON object";
  return null;
}
