import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { Endpoint, type Logger, createLogger, longPoll, websocket } from "fenix";
import { pingSocket } from "./ping_socket.js";
import { PingTicker } from "./ping_ticker.js";
import { type Site, serveBuild, serveDev } from "./site.js";

const APP_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface PingsServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Serve the development build through Vite (StrictMode's double effects on) instead of dist/client. */
  dev?: boolean;
  nodeName?: string;
  logger?: Logger;
  /** Time between pings (default 2 000 ms, as in the book). */
  pingEveryMs?: number;
}

/** What `/api/stats` reports: live counts for tests and for watching the book's chapter happen. */
export interface PingsStats {
  connections: number;
  channels: number;
  /** Channels on the shared ping schedule. */
  pingSchedules: number;
  /** Whether the shared ping timer runs (it stops when the last channel ends). */
  pingTimerRunning: boolean;
}

export interface PingsServer {
  port: number;
  url: string;
  endpoint: Endpoint;
  ticker: PingTicker;
  stats(): PingsStats;
  close(): Promise<void>;
}

/**
 * The React example's server: the SPA and `/socket` (WebSocket and long-poll) on one port.
 *
 * @example
 * const server = await createPingsServer({ port: 4000, dev: true });
 * console.log(`open ${server.url}`);
 */
export async function createPingsServer(options: PingsServerOptions): Promise<PingsServer> {
  const logger = options.logger ?? createLogger({ name: "react-pings" });
  const ticker = new PingTicker({ everyMs: options.pingEveryMs });
  const endpoint = new Endpoint({ nodeName: options.nodeName, logger });
  endpoint.socket("/socket", pingSocket(ticker), { transports: [websocket(), longPoll()] });

  const fastify = Fastify({ logger: false, forceCloseConnections: true });
  const stats = (): PingsStats => {
    let channels = 0;
    for (const connection of endpoint.connections) channels += connection.channels.size;
    return { connections: endpoint.connections.size, channels, pingSchedules: ticker.size, pingTimerRunning: ticker.running };
  };
  fastify.get("/api/stats", async () => stats());
  const site: Site = options.dev ? await serveDev(fastify, APP_ROOT) : await serveBuild(fastify, APP_ROOT);
  fastify.setErrorHandler((err, _request, reply) => {
    logger.error({ err }, `request failed: ${err instanceof Error ? err.message : String(err)}`);
    return reply.code(500).send({ error: "internal error" });
  });
  fastify.addHook("preClose", async () => {
    await endpoint.close();
    ticker.stop();
  });

  await fastify.ready();
  await endpoint.attach(fastify.server);
  const host = options.host ?? "0.0.0.0";
  await fastify.listen({ port: options.port, host });
  const address = fastify.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    port,
    url: `http://localhost:${port}`,
    endpoint,
    ticker,
    stats,
    async close() {
      await fastify.close();
      await site.close();
    },
  };
}
