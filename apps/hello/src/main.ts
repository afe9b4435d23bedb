import { createLogger } from "fenix";
import { createHelloApp } from "./app.js";

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

const port = Number(process.env.PORT ?? 4000);
const endpoint = createHelloApp({
  secretKeyBase: setting("SECRET_KEY_BASE", "dev-only-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz0123"),
  apiKey: setting("API_KEY", "dev-api-key"),
  recurringMs: process.env.RECURRING_MS ? Number(process.env.RECURRING_MS) : undefined,
  logger,
});

await endpoint.listen(port);
logger.info(`HelloSockets listening on http://localhost:${port} (node ${endpoint.nodeName})`);

// SIGTERM/SIGINT: readiness fails, new connections are refused, open ones close with 1012 in
// jittered batches over DRAIN_MS (default 10 s), every channel's terminate runs, then exit.
endpoint.shutdownOnSignals({ windowMs: process.env.DRAIN_MS ? Number(process.env.DRAIN_MS) : 10_000 });
