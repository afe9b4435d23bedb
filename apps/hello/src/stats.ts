import StatsDClient from "hot-shots";
import type { StatsD } from "hot-shots";
import type { Logger } from "fenix";
import type { HelloMetrics } from "./pipeline/worker.js";

/** What the app sends to StatsD (hot-shots, DogStatsD tags): the book's Statix calls. */
export interface Stats extends HelloMetrics {
  increment(name: string, value?: number, tags?: Record<string, string>): void;
  /** Runs `fn`, sends its duration as `name:<ms>|ms`, and returns its result (the book's `measure`). */
  measure<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** The hot-shots client, for Fenix's own StatsdSink; undefined when StatsD is off. */
  readonly client: StatsD | undefined;
  close(): Promise<void>;
}

/** StatsD at `udp://host:port`, or nothing (every call a no-op) when `url` is unset. */
export function createStats(url: string | undefined, logger: Logger): Stats {
  const client = url ? statsdClient(url, logger) : undefined;
  return {
    client,
    increment: (name, value = 1, tags) => client?.increment(name, value, tags),
    timing: (name, ms) => client?.timing(name, Math.round(ms)),
    histogram: (name, value) => client?.histogram(name, value),
    async measure(name, fn) {
      const started = performance.now();
      try {
        return await fn();
      } finally {
        client?.timing(name, Math.round(performance.now() - started));
      }
    },
    close: () => new Promise((resolve) => (client ? client.close(() => resolve()) : resolve())),
  };
}

function statsdClient(url: string, logger: Logger): StatsD {
  const parsed = new URL(url);
  if (parsed.protocol !== "udp:" || !parsed.hostname || !parsed.port) throw new Error(`STATSD_URL must look like udp://host:port, got ${JSON.stringify(url)}`);
  let failed = false;
  return new StatsDClient({
    host: parsed.hostname,
    port: Number(parsed.port),
    // A StatsD that is down must never disturb the app: one line, then silence until it works.
    errorHandler: (err) => {
      if (!failed) logger.warn(`StatsD at ${url}: ${err.message} (further errors not logged)`);
      failed = true;
    },
  });
}
