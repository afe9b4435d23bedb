import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PrometheusMetrics } from "./prometheus.js";

/** `GET /metrics`: the Prometheus text, behind a bearer token when one is configured. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: PrometheusMetrics, bearer: string | undefined): Promise<void> {
  if (bearer !== undefined) {
    const expected = Buffer.from(`Bearer ${bearer}`);
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res
        .writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" })
        .end("Unauthorized: send Authorization: Bearer <metrics key>\n");
      return;
    }
  }
  const body = await metrics.text();
  res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" }).end(body);
}
