import { RedisAdapter, createLogger } from "fenix";
import { createLoginsApp } from "./app.js";

const logger = createLogger({ name: "logins" });
const port = Number(process.env.PORT ?? 4000);
const redisUrl = process.env.REDIS_URL || undefined;

let app: Awaited<ReturnType<typeof createLoginsApp>>;
try {
  app = await createLoginsApp({
    logger,
    nodeName: process.env.NODE_NAME || undefined,
    // REDIS_URL makes a cluster: the list is shared and each change reaches every node's streams.
    redisUrl,
    pubsubAdapter: redisUrl ? new RedisAdapter({ url: redisUrl, logger }) : undefined,
  });
  await app.listen(port);
} catch (err) {
  logger.fatal(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}
logger.info(
  `logins listening on http://localhost:${port} (node ${app.endpoint.nodeName}, list ${app.store.description}); stream: curl -N localhost:${port}/user-stream`,
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: closing streams and stopping`);
    app.close().then(
      () => process.exit(0),
      (err) => {
        logger.error(`stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}
