import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { Endpoint } from "fenix";
import type { Logger, PubSubAdapter } from "fenix";
import { Logins } from "./logins.js";
import { STREAM_PATH, loginsSocket } from "./sockets/logins_socket.js";
import { MemoryUserStore, RedisUserStore } from "./user_store.js";
import type { UserStore } from "./user_store.js";
import { registerRoutes } from "./web/routes.js";

export { LOGINS_TOPIC, loginsChannel } from "./channels/logins_channel.js";
export { STREAM_PATH, encodeLoginEvent, loginsSocket } from "./sockets/logins_socket.js";
export { MemoryUserStore, RedisUserStore } from "./user_store.js";
export type { Change, Snapshot, UserStore } from "./user_store.js";
export { Logins } from "./logins.js";
export { addUser, delUser, validName } from "./user_list.js";

export interface LoginsConfig {
  logger: Logger;
  nodeName?: string;
  /** With it, the list lives in Redis and changes reach every node (give a matching `pubsubAdapter`). */
  redisUrl?: string;
  /** Prefix of the Redis keys (default "logins"). */
  redisKey?: string;
  pubsubAdapter?: PubSubAdapter;
  /** A store of your own (tests); default: Redis with `redisUrl`, else memory. */
  store?: UserStore;
  /** Keep-alive comment period of the stream (default 15 000 ms). */
  keepAliveMs?: number;
}

export interface LoginsApp {
  fastify: FastifyInstance;
  endpoint: Endpoint;
  logins: Logins;
  store: UserStore;
  /** Listens on `port` (0: any) at `host`; resolves with the port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The login tracker: the HTTP API and page on Fastify, `GET /user-stream` served by Fenix on the
 * same server.
 *
 * @example
 * const app = await createLoginsApp({ logger: createLogger({ name: "logins" }) });
 * await app.listen(4000);
 */
export async function createLoginsApp(config: LoginsConfig): Promise<LoginsApp> {
  const { logger } = config;
  const store: UserStore = config.store ?? (config.redisUrl ? new RedisUserStore({ url: config.redisUrl, key: config.redisKey }) : new MemoryUserStore());
  const endpoint = new Endpoint({ nodeName: config.nodeName, pubsubAdapter: config.pubsubAdapter, logger });
  const { socket, transports } = loginsSocket(store, { keepAliveMs: config.keepAliveMs });
  endpoint.socket(STREAM_PATH, socket, { transports });
  const logins = new Logins(store, endpoint);

  // Names may be up to 64 characters; longer ones must reach the route to get their 400.
  const fastify = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { maxParamLength: 4096 } });
  registerRoutes(fastify, { logins, logger });
  fastify.setErrorHandler((err, _req, reply) => {
    logger.error({ err }, `request failed: ${(err as Error).message}`);
    return reply.code(500).type("text/plain; charset=utf-8").send("internal error\n");
  });
  fastify.addHook("preClose", async () => endpoint.close());

  return {
    fastify,
    endpoint,
    logins,
    store,
    async listen(port, host = "0.0.0.0") {
      await fastify.ready();
      await endpoint.attach(fastify.server);
      await fastify.listen({ port, host });
      const address = fastify.server.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async close() {
      await fastify.close();
      await store.close();
    },
  };
}
