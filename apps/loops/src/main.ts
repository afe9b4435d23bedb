import { RedisAdapter, createLogger } from "fenix";
import { createLoopsApp } from "./app.js";

const logger = createLogger({ name: "loops" });

function periodSetting(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    logger.fatal(`${name} must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return n;
}

const port = Number(process.env.PORT ?? 4000);
const redisUrl = process.env.REDIS_URL || undefined;

let app: Awaited<ReturnType<typeof createLoopsApp>>;
try {
  app = await createLoopsApp({
    logger,
    nodeName: process.env.NODE_NAME || undefined,
    // REDIS_URL makes a cluster: one balancer for every node, presence and broadcasts everywhere.
    redisUrl,
    pubsubAdapter: redisUrl ? new RedisAdapter({ url: redisUrl, logger }) : undefined,
    databaseUrl: process.env.DATABASE_URL || undefined,
    tracker: {
      broadcastPeriodMs: periodSetting("TRACKER_BROADCAST_MS"),
      downPeriodMs: periodSetting("TRACKER_DOWN_MS"),
      permdownPeriodMs: periodSetting("TRACKER_PERMDOWN_MS"),
    },
  });
  await app.listen(port);
} catch (err) {
  logger.fatal(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}
logger.info(
  `Loops With Friends listening on http://localhost:${port} (node ${app.endpoint.nodeName}, balancer ${app.balancer.description}, database ${app.database.description})`,
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: closing the jams and stopping`);
    app.close().then(
      () => process.exit(0),
      (err) => {
        logger.error(`stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}
