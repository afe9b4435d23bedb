// apps/hello as the bench runs it (the same settings main.js reads from the bench's environment),
// with Fenix's metrics off: no Prometheus registry, no StatsD sink, no metrics subscriber on the
// telemetry channels. Side by side with "fenix" (metrics on) it prices what metrics cost.
import { createLogger } from "fenix";
import { createHelloApp } from "hello";

const env = process.env;
const perSecond = env.MESSAGES_PER_SECOND ? Number(env.MESSAGES_PER_SECOND) : undefined;
const endpoint = createHelloApp({
  secretKeyBase: env.SECRET_KEY_BASE ?? "bench-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
  apiKey: env.API_KEY ?? "bench-api-key",
  logger: createLogger({ name: "hello" }),
  limits: { messagesPerSecond: perSecond, messageBurst: perSecond },
  connectRate: env.CONNECTS_PER_SECOND === "0" ? false : undefined,
  metrics: false,
});
await endpoint.listen(Number(env.PORT ?? 4000));
endpoint.shutdownOnSignals({ windowMs: Number(env.DRAIN_MS ?? 10_000) });
