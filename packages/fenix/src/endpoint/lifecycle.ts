import type { IncomingMessage, ServerResponse } from "node:http";
import { CloseCode } from "../protocol/close.js";
import type { ManagedConnection, Refusal } from "../runtime/runtime.js";
import { TokenBucket } from "../util/bucket.js";
import type { Logger } from "../util/log.js";

export interface ConnectRateOptions {
  /** New connections accepted per second on this node (default 2000). */
  perSecond?: number;
  /** Connections accepted at once above the rate (default: perSecond). */
  burst?: number;
}

export interface DrainOptions {
  /** Spread the closing of existing connections over this long (default 10 000 ms). */
  windowMs?: number;
  /** In this many jittered batches (default 10). */
  batches?: number;
}

export interface HealthOptions {
  /** Liveness: 200 while the process serves (default "/health"). */
  healthPath?: string;
  /** Readiness: 200 while accepting connections, 503 once draining (default "/ready"). */
  readyPath?: string;
}

export type { Refusal } from "../runtime/runtime.js";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Readiness, admission of new connections, and draining: a node that is told to stop first fails
 * readiness (so the load balancer sends no one new), refuses new connections, then closes existing
 * ones in jittered batches with 1012 so their clients reconnect elsewhere without a stampede.
 */
export class Lifecycle {
  draining = false;
  private readonly bucket: TokenBucket | null;
  private readonly healthPath: string | null;
  private readonly readyPath: string | null;

  constructor(
    private readonly logger: Logger,
    connectRate: ConnectRateOptions | false = {},
    health: HealthOptions | false = {},
  ) {
    const perSecond = connectRate === false ? 0 : (connectRate.perSecond ?? 2000);
    this.bucket = connectRate === false ? null : new TokenBucket(perSecond, connectRate.burst ?? perSecond, performance.now());
    this.healthPath = health === false ? null : (health.healthPath ?? "/health");
    this.readyPath = health === false ? null : (health.readyPath ?? "/ready");
  }

  /** Answers the health and readiness probes; false for any other request. */
  handleProbe(pathname: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const json = (status: number, body: object) =>
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
    if (pathname === this.healthPath) {
      json(200, { status: "ok" });
      return true;
    }
    if (pathname === this.readyPath) {
      if (this.draining) json(503, { status: "draining" });
      else json(200, { status: "ready" });
      return true;
    }
    return false;
  }

  private refused = 0;
  private lastRefusalLog = 0;

  /** The refusal for a node that is draining, or null; no rate accounting. */
  drainingRefusal(): Refusal | null {
    return this.draining ? { status: 503, body: "server is shutting down: reconnect to another node", headers: { "retry-after": "5" } } : null;
  }

  /** Whether a new connection may start now. Refusals are logged as one line a second, not one each. */
  admit(): Refusal | null {
    let refusal: Refusal | null = this.drainingRefusal();
    if (refusal === null && this.bucket !== null && !this.bucket.take(performance.now())) {
      refusal = { status: 503, body: "too many new connections: retry shortly", headers: { "retry-after": "1" } };
    }
    if (refusal === null) return null;
    this.refused += 1;
    const now = Date.now();
    if (now - this.lastRefusalLog >= 1000) {
      this.logger.warn({ refused: this.refused }, `refused ${this.refused} new connection(s): ${refusal.body}`);
      this.lastRefusalLog = now;
      this.refused = 0;
    }
    return refusal;
  }

  /** Fails readiness, refuses new connections, then closes `connections` in jittered batches. */
  async drain(connections: Iterable<ManagedConnection>, options: DrainOptions = {}): Promise<void> {
    this.draining = true;
    const windowMs = options.windowMs ?? 10_000;
    const all = [...connections];
    if (all.length === 0) return;
    const batches = Math.max(1, Math.min(options.batches ?? 10, all.length));
    // Shuffle so no group of clients (e.g. the oldest) always goes first.
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    this.logger.info({ connections: all.length, windowMs, batches }, `draining ${all.length} connections over ${windowMs}ms in ${batches} batches`);
    const slot = windowMs / batches;
    const size = Math.ceil(all.length / batches);
    const closing: Promise<void>[] = [];
    const started = performance.now();
    for (let b = 0; b < batches; b++) {
      const due = b * slot + Math.random() * slot * 0.5;
      const wait = due - (performance.now() - started);
      if (wait > 0) await sleep(wait);
      for (const connection of all.slice(b * size, (b + 1) * size)) {
        closing.push(connection.close(CloseCode.SERVICE_RESTART, "server restarting", { shutdown: "restart" }));
      }
    }
    await Promise.all(closing);
  }
}
