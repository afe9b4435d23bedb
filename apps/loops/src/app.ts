import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { Endpoint, websocket } from "fenix";
import type { Logger, PubSubAdapter, TrackerOptions } from "fenix";
import type { Balancer } from "./balancer/balancer.js";
import { MemoryBalancer } from "./balancer/memory.js";
import { RedisBalancer } from "./balancer/redis.js";
import { jamTopic } from "./channels/jam_channel.js";
import { Database } from "./db/database.js";
import { migrate } from "./db/migrations.js";
import { SOCKET_PATH, userSocket } from "./sockets/user_socket.js";
import { StatsRecorder, registerStatsRoute } from "./stats.js";
import { renderPage } from "./views/page.js";

export type { Admission, Balancer, JamStats } from "./balancer/balancer.js";
export { MemoryBalancer } from "./balancer/memory.js";
export { RedisBalancer } from "./balancer/redis.js";
export { JAM_TOPIC_PREFIX, jamChannel, jamTopic } from "./channels/jam_channel.js";
export { SOCKET_PATH, userSocket } from "./sockets/user_socket.js";
export { LOOP_NAMES, humanizedName, nextLoop } from "./loop_cycler.js";
export { MAX_USERS, addUser, mostPopulatedJamWithCapacityOrNew, removeUser, stats } from "./jam_collection.js";
export { Database, DEFAULT_SQLITE_PATH } from "./db/database.js";
export { StatsRecorder } from "./stats.js";

/** The bundled browser app (build.mjs writes it). */
const ASSETS = fileURLToPath(new URL("../dist/assets", import.meta.url));

export interface LoopsConfig {
  logger: Logger;
  nodeName?: string;
  /** With it, the balancer lives in Redis (cluster-wide); give a matching `pubsubAdapter`. */
  redisUrl?: string;
  /** Prefix of the balancer's Redis keys (default "loops"). */
  redisPrefix?: string;
  pubsubAdapter?: PubSubAdapter;
  /** `sqlite:<path>`, `postgres://…`; default apps/loops/data/loops.sqlite. */
  databaseUrl?: string;
  /** Presence settings; `downPeriodMs` is also how long a dead node keeps its seats. */
  tracker?: Pick<TrackerOptions, "broadcastPeriodMs" | "downPeriodMs" | "permdownPeriodMs">;
  /** How often a `jam_stats` row is written (default 60 000 ms). */
  statsPeriodMs?: number;
  /** A balancer of your own (tests); default Redis with `redisUrl`, else memory. */
  balancer?: Balancer;
}

export interface LoopsApp {
  fastify: FastifyInstance;
  endpoint: Endpoint;
  balancer: Balancer;
  database: Database;
  recorder: StatsRecorder;
  /** Listens on `port` (0: any) at `host`; resolves with the port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Loops With Friends: the page and `/stats` on Fastify, `/socket` (`jams:*`) served by Fenix on the
 * same server, the balancer deciding who plays where.
 *
 * @example
 * const app = await createLoopsApp({ logger: createLogger({ name: "loops" }) });
 * await app.listen(4000);
 */
export async function createLoopsApp(config: LoopsConfig): Promise<LoopsApp> {
  const { logger } = config;
  const endpoint = new Endpoint({
    nodeName: config.nodeName,
    pubsubAdapter: config.pubsubAdapter,
    logger,
    presence: { ...definedOnly(config.tracker ?? {}) },
  });
  const balancer: Balancer =
    config.balancer ??
    (config.redisUrl
      ? new RedisBalancer({ url: config.redisUrl, nodeName: endpoint.nodeName, downPeriodMs: config.tracker?.downPeriodMs, prefix: config.redisPrefix })
      : new MemoryBalancer());
  endpoint.socket(SOCKET_PATH, userSocket(balancer), { transports: [websocket({ timeout: 45_000 })] });

  const database = new Database({ url: config.databaseUrl, onPoolError: (err) => logger.error(`database: ${err.message}`) });
  await migrate(database.db, database.engine);
  const recorder = new StatsRecorder({ balancer, database, logger, periodMs: config.statsPeriodMs });

  const fastify = Fastify({ logger: false, forceCloseConnections: true });
  await fastify.register(fastifyStatic, { root: ASSETS, prefix: "/assets/" });
  fastify.get("/", async (_req, reply) => {
    const topic = jamTopic(await balancer.pick());
    return reply
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(renderPage({ topic, now: Date.now() }));
  });
  // The browser's estimate of the server clock, which places every client on the same measure grid.
  fastify.get("/clock", async (_req, reply) => reply.header("cache-control", "no-store").send({ now: Date.now() }));
  registerStatsRoute(fastify, balancer);
  fastify.setErrorHandler((err, _req, reply) => {
    logger.error({ err }, `request failed: ${(err as Error).message}`);
    return reply.code(500).type("text/plain; charset=utf-8").send("internal error\n");
  });
  fastify.addHook("preClose", async () => {
    recorder.stop();
    // Every channel's terminate runs here, freeing its seat while the balancer is still connected.
    await endpoint.close();
  });

  return {
    fastify,
    endpoint,
    balancer,
    database,
    recorder,
    async listen(port, host = "0.0.0.0") {
      await balancer.start();
      await fastify.ready();
      await endpoint.attach(fastify.server);
      await fastify.listen({ port, host });
      recorder.start();
      const address = fastify.server.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async close() {
      await fastify.close();
      await balancer.close();
      await database.close();
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
