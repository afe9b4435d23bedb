import { RedisAdapter, RedisHistory, createLogger } from "fenix";
import { createHelloApp, createStats } from "./app.js";

const logger = createLogger({ name: "hello" });
const production = process.env.NODE_ENV === "production";

function setting(name: string, devDefault: string): string {
  const value = process.env[name];
  if (value) return value;
  if (production) {
    logger.fatal(`${name} must be set in production`);
    process.exit(1);
  }
  logger.warn(`${name} is not set: using the development default (never do this in production)`);
  return devDefault;
}

function numberSetting(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    logger.fatal(`${name} must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return n;
}

function countSetting(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    logger.fatal(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return n;
}

/** A configuration error ends the process with one clear line instead of a stack. */
function startup<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    logger.fatal(`cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
}

const port = Number(process.env.PORT ?? 4000);
const endpoint = startup(() =>
  createHelloApp({
    secretKeyBase: setting("SECRET_KEY_BASE", "dev-only-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz0123"),
    apiKey: setting("API_KEY", "dev-api-key"),
    // Verifies realtime-js tokens (apikey, access_token) at /realtime/v1.
    realtimeJwtSecret: setting("REALTIME_JWT_SECRET", "dev-only-realtime-jwt-secret-0123456789abcdef"),
    recurringMs: process.env.RECURRING_MS ? Number(process.env.RECURRING_MS) : undefined,
    logger,
    // REDIS_URL turns on the cluster: broadcasts, presence and history reach every node.
    pubsubAdapter: process.env.REDIS_URL ? new RedisAdapter({ url: process.env.REDIS_URL, logger }) : undefined,
    history: process.env.REDIS_URL ? new RedisHistory({ url: process.env.REDIS_URL }) : undefined,
    nodeName: process.env.NODE_NAME,
    // Load tests raise these; the defaults protect a public node.
    limits: { messagesPerSecond: numberSetting("MESSAGES_PER_SECOND"), messageBurst: numberSetting("MESSAGES_PER_SECOND") },
    connectRate: process.env.CONNECTS_PER_SECOND === "0" ? false : { perSecond: numberSetting("CONNECTS_PER_SECOND") },
    pipelineMaxDemand: countSetting("PIPELINE_MAX_DEMAND"),
    metricsKey: process.env.METRICS_KEY || undefined,
    admin: process.env.ADMIN_USER && process.env.ADMIN_PASSWORD ? { user: process.env.ADMIN_USER, password: process.env.ADMIN_PASSWORD } : undefined,
    // STATSD_URL=udp://host:port: the book's StatsD metrics and Fenix's own.
    stats: createStats(process.env.STATSD_URL || undefined, logger),
    presence: {
      broadcastPeriodMs: numberSetting("TRACKER_BROADCAST_MS"),
      downPeriodMs: numberSetting("TRACKER_DOWN_MS"),
      permdownPeriodMs: numberSetting("TRACKER_PERMDOWN_MS"),
    },
  }),
);

try {
  await endpoint.listen(port);
} catch (err) {
  logger.fatal(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}
logger.info(`HelloSockets listening on http://localhost:${port} (node ${endpoint.nodeName})`);

// SIGTERM/SIGINT: readiness fails, new connections are refused, open ones close with 1012 in
// jittered batches over DRAIN_MS (default 10 s), every channel's terminate runs, then exit.
endpoint.shutdownOnSignals({ windowMs: process.env.DRAIN_MS ? Number(process.env.DRAIN_MS) : 10_000 });
