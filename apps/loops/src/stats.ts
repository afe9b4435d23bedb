// The jam counts: `GET /stats` on demand, and a `jam_stats` row every period (a minute), written
// by one node per period when several share the balancer.
import type { FastifyInstance } from "fastify";
import type { Logger } from "fenix";
import type { Balancer } from "./balancer/balancer.js";
import type { Database } from "./db/database.js";

export const DEFAULT_STATS_PERIOD_MS = 60_000;

/** `GET /stats` → `{"jam_count":N,"user_count":N,"jams":{"<id>":{"user_count":N}}}`. */
export function registerStatsRoute(fastify: FastifyInstance, balancer: Balancer): void {
  fastify.get("/stats", async (_req, reply) => reply.header("cache-control", "no-store").send(await balancer.stats()));
}

/**
 * Writes the counts every `periodMs` on one shared timer. A failed write is one log line; the
 * next period tries again.
 *
 * @example
 * const recorder = new StatsRecorder({ balancer, database, logger });
 * recorder.start();
 * await recorder.record(); // one row now
 */
export class StatsRecorder {
  private timer: NodeJS.Timeout | undefined;
  private readonly periodMs: number;

  constructor(private readonly options: { balancer: Balancer; database: Database; logger: Logger; periodMs?: number }) {
    this.periodMs = options.periodMs ?? DEFAULT_STATS_PERIOD_MS;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    try {
      // With a shared balancer every node ticks; only the first in each period writes.
      if (!(await this.options.balancer.claim(`stats:${Math.floor(Date.now() / this.periodMs)}`, this.periodMs))) return;
      await this.record();
    } catch (err) {
      this.options.logger.error({ err }, `jam_stats: could not record the counts: ${(err as Error).message}`);
    }
  }

  /** Writes one row with the current counts. */
  async record(now = new Date()): Promise<void> {
    const { jam_count, user_count } = await this.options.balancer.stats();
    await this.options.database.db.insertInto("jam_stats").values({ recorded_at: now.toISOString(), jam_count, user_count }).execute();
  }
}
