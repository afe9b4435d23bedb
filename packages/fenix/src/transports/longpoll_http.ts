// The HTTP envelope of Phoenix's long-poll transport (phoenix-protocol.md §4.1–4.2): JSON
// bodies always sent with HTTP 200, the ndjson batch format, and the CORS preflight.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InboundFrame, PollOutcome } from "./longpoll_session.js";

/** Phoenix's @max_poll_batch_size: lines past it in one POST are ignored. */
export const MAX_BATCH_LINES = 100;

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "access-control-allow-origin": "*",
};

/** The logical status travels in the body; the HTTP status is 200 so every client can read it. */
export function sendJson(res: ServerResponse, body: object, httpStatus = 200): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(httpStatus, JSON_HEADERS).end(JSON.stringify(body));
}

export function sendPoll(res: ServerResponse, outcome: PollOutcome, token: string): void {
  if (outcome.status === 410) sendJson(res, { status: 410 });
  else sendJson(res, { status: outcome.status, token, messages: outcome.status === 200 ? outcome.messages : [] });
}

/** A request the transport cannot parse; answered with a plain HTTP error, as Plug.BadRequestError is. */
export class BadRequest extends Error {
  override name = "BadRequest";
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendBadRequest(res: ServerResponse, err: BadRequest): void {
  sendJson(res, { status: err.httpStatus, error: err.message }, err.httpStatus);
}

export function sendPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers["access-control-request-headers"];
  res
    .writeHead(200, {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": Array.isArray(requested) ? requested.join(", ") : (requested ?? ""),
      "access-control-allow-methods": "get, post, options",
      "access-control-max-age": "3600",
    })
    .end();
}

/** Header `x-phoenix-longpoll-token` first (phoenix 1.8.10+), else the `token` query param. */
export function requestToken(req: IncomingMessage, uri: URL): string | null {
  const header = req.headers["x-phoenix-longpoll-token"];
  if (typeof header === "string" && header !== "") return header;
  return uri.searchParams.get("token") || null;
}

function isNdjson(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";", 1)[0].trim().toLowerCase() === "application/x-ndjson";
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Splits a POST body into frames. ndjson: one frame per line, at most the first 100 lines; a
 * line starting with `[` is a text frame, any other is standard base64 of a binary frame. Any
 * other content type: the whole body is one text frame (what V1 clients send).
 */
export function parseBody(body: Buffer, contentType: string | undefined): InboundFrame[] {
  const text = body.toString("utf8");
  if (!isNdjson(contentType)) return text === "" ? [] : [{ binary: false, data: text }];
  const frames: InboundFrame[] = [];
  const lines = text.split(/\r?\n/, MAX_BATCH_LINES);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    if (line.startsWith("[")) {
      frames.push({ binary: false, data: line });
    } else if (line.length % 4 === 0 && BASE64.test(line)) {
      frames.push({ binary: true, data: Buffer.from(line, "base64") });
    } else {
      throw new BadRequest(400, `long-poll batch line ${i + 1} is neither a JSON array nor standard base64`);
    }
  }
  return frames;
}
