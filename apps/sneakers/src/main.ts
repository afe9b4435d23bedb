import { RedisAdapter, createLogger } from "fenix";
import { createSneakersApp } from "./app.js";

const logger = createLogger({ name: "sneakers" });
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

/** `CART_MAX_ITEMS`: a positive whole number of items per cart, or unset for no limit (the book's). */
function cartMaxItems(): number | undefined {
  const value = process.env.CART_MAX_ITEMS;
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    logger.fatal(`CART_MAX_ITEMS must be a positive whole number of items, got ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return n;
}

const port = Number(process.env.PORT ?? 4000);
let app: Awaited<ReturnType<typeof createSneakersApp>>;
try {
  app = await createSneakersApp({
    secretKeyBase: setting("SECRET_KEY_BASE", "dev-only-secret-key-base-sneakers23-0123456789abcdefghijklmnop"),
    apiKey: setting("API_KEY", "dev-api-key"),
    databaseUrl: process.env.DATABASE_URL || undefined,
    nodeName: process.env.NODE_NAME,
    cartMaxItems: cartMaxItems(),
    admin: process.env.ADMIN_USER && process.env.ADMIN_PASSWORD ? { user: process.env.ADMIN_USER, password: process.env.ADMIN_PASSWORD } : undefined,
    // REDIS_URL makes a cluster: shoppers' broadcasts and inventory replication reach every node.
    pubsubAdapter: process.env.REDIS_URL ? new RedisAdapter({ url: process.env.REDIS_URL, logger }) : undefined,
    logger,
    presence: {
      broadcastPeriodMs: numberSetting("TRACKER_BROADCAST_MS"),
      downPeriodMs: numberSetting("TRACKER_DOWN_MS"),
      permdownPeriodMs: numberSetting("TRACKER_PERMDOWN_MS"),
    },
  });
  await app.listen(port);
} catch (err) {
  logger.fatal(`cannot start: ${(err as Error).message}`);
  process.exit(1);
}
logger.info(`Sneakers23 listening on http://localhost:${port} (node ${app.endpoint.nodeName}, ${app.database.description})`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: closing connections and stopping`);
    app.close().then(
      () => process.exit(0),
      (err) => {
        logger.error(`stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}
