import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, type Pipeline, readBody } from "fenix";
import { z } from "zod";
import type { UserPush } from "./worker.js";

const Body = z.object({
  user_id: z.number().int().positive(),
  data: z.record(z.string(), z.unknown()).default({}),
  n: z.number().int().min(1).max(100_000).default(1),
  timed: z.boolean().default(false),
});

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * `POST /api/pipeline {user_id, data, n, timed}` (Bearer API_KEY): pushes `n` items into the
 * pipeline as the book's iex session does — each `data` with `n: i` merged in — and answers
 * `202 {"ok":true,"pushed":n}` before they are delivered.
 *
 * @example
 * curl -X POST localhost:4000/api/pipeline -H 'authorization: Bearer dev-api-key' \
 *   -d '{"user_id":1,"data":{},"n":50,"timed":true}'
 */
export async function handlePipelineApi(req: IncomingMessage, res: ServerResponse, pipeline: Pipeline<UserPush>, apiKey: string): Promise<void> {
  const expected = Buffer.from(`Bearer ${apiKey}`);
  const given = Buffer.from(req.headers.authorization ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    answer(res, 401, { error: "missing or wrong API key (send Authorization: Bearer $API_KEY)" });
    return;
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, 64 * 1024);
  } catch (err) {
    answer(res, err instanceof BodyTooLargeError ? 413 : 400, { error: (err as Error).message });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    answer(res, 400, { error: "the body must be JSON: {user_id, data, n, timed}" });
    return;
  }
  const parsed = Body.safeParse(json);
  if (!parsed.success) {
    answer(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") });
    return;
  }
  const { user_id, data, n, timed } = parsed.data;
  for (let i = 1; i <= n; i++) {
    const item = { user_id, data: { ...data, n: i } };
    if (timed) pipeline.pushTimed(item);
    else pipeline.push(item);
  }
  answer(res, 202, { ok: true, pushed: n });
}
