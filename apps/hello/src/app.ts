import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { Endpoint, Pipeline, mountOps, websocket, longPoll, sse } from "fenix";
import { createLogger } from "fenix";
import type { ConnectRateOptions, ConnectionLimits, HistoryStore, Logger, PresenceOptions, PubSubAdapter } from "fenix";
import { TOKEN_SALT } from "./channels/recurring_channel.js";
import { renderPage, renderRoomPage } from "./page.js";
import { handlePipelineApi } from "./pipeline/pipeline_api.js";
import { type HelloMetrics, NO_METRICS, type UserPush, pipelineWorker } from "./pipeline/worker.js";
import { authSocket } from "./sockets/auth_socket.js";
import { userSocket } from "./sockets/user_socket.js";
import { statsSocket } from "./sockets/stats_socket.js";
import { type Stats, createStats } from "./stats.js";
import type { Piscina } from "piscina";
import { createHashPool } from "./cpu_pool.js";
import { type AdminCredentials, observerRoute } from "./ops/observer_route.js";
import type { StatsChannelOptions } from "./channels/stats_channel.js";
import { realtime } from "@fenix/realtime";
import { authorizeRealtime } from "./realtime_auth.js";

export { UserSocket, userSocket } from "./sockets/user_socket.js";
export { authSocket } from "./sockets/auth_socket.js";
export { PingChannel } from "./channels/ping_channel.js";
export { WildcardChannel, toInteger } from "./channels/wildcard_channel.js";
export { DedupeChannel, broadcastNumbers, DEDUPE_WINDOW_MS } from "./channels/dedupe_channel.js";
export { AuthChannel, authChannel } from "./channels/auth_channel.js";
export { pipelineWorker, NO_METRICS } from "./pipeline/worker.js";
export type { HelloMetrics, UserPush } from "./pipeline/worker.js";
export { recurringChannel, TOKEN_SALT } from "./channels/recurring_channel.js";
export { RoomChannel } from "./channels/room_channel.js";
export { BenchChannel } from "./channels/bench_channel.js";
export { statsChannel } from "./channels/stats_channel.js";
export { statsSocket } from "./sockets/stats_socket.js";
export { createStats } from "./stats.js";
export type { Stats } from "./stats.js";

export interface HelloConfig {
  secretKeyBase: string;
  /** Bearer key for `POST /api/broadcast`. */
  apiKey: string;
  /** RecurringChannel period (default 5000 ms). */
  recurringMs?: number;
  nodeName?: string;
  pubsubAdapter?: PubSubAdapter;
  /** Where room history lives (default in memory; Redis in a cluster). */
  history?: HistoryStore;
  logger?: Logger;
  /** WebSocket idle timeout (default 60 s). */
  socketTimeoutMs?: number;
  /** Tracker periods for the rooms' presence. */
  presence?: PresenceOptions;
  /** Per-connection limits of `/socket` (defaults: see fenix's ConnectionLimits). */
  limits?: ConnectionLimits;
  /** New connections per second on this node (default 2000; `false` for no cap). */
  connectRate?: ConnectRateOptions | false;
  /** Pipeline workers running at once (the book's `max_demand`, default 10). */
  pipelineMaxDemand?: number;
  /** How long an untimed pipeline item "works" before it is broadcast (the book's 1 s sleep). */
  pipelineSlowWorkMs?: number;
  /** StatsD (the book's Statix): the stats socket's counters, the pipeline's timings and Fenix's own metrics. Default: off. */
  stats?: Stats;
  /** Where `pipeline.*` timings go (default: `stats`). */
  timings?: HelloMetrics;
  /** StatsChannel's sleeps (tests shorten them). */
  statsChannel?: StatsChannelOptions;
  /** Basic Auth for `/ops` and `/ops/observer` (off without it). */
  admin?: AdminCredentials;
  /** The observer's admin actions (disconnect a socket, stop a channel); off by default. */
  adminActions?: boolean;
  /** When set, `GET /metrics` (Prometheus) needs `Authorization: Bearer <metricsKey>`. */
  metricsKey?: string;
  /**
   * Fenix's metrics: `GET /metrics` and Fenix's own StatsD series (default true). `false` leaves
   * the telemetry channels without a metrics subscriber — the bench's "metrics off" server.
   */
  metrics?: boolean;
  /**
   * Supabase's "JWT secret": with it, `@supabase/realtime-js` clients connect at `/realtime/v1`
   * (main.ts always sets it, from `REALTIME_JWT_SECRET`).
   */
  realtimeJwtSecret?: string;
}

export interface HelloApp {
  endpoint: Endpoint;
  /** The book's data pipeline: `push`/`pushTimed` a `{user_id, data}` for `user:<id>`. */
  pipeline: Pipeline<UserPush>;
}

/** The user the page pretends is logged in, as the book's controller does. */
export const FAKE_USER_ID = 1;

const ASSETS = fileURLToPath(new URL("../dist/assets/", import.meta.url));
const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".map": "application/json" };

async function serveAsset(name: string, res: ServerResponse): Promise<void> {
  const ext = name.slice(name.lastIndexOf("."));
  if (!/^[\w.-]+$/.test(name) || !(ext in TYPES)) {
    res.writeHead(404).end("Not Found");
    return;
  }
  try {
    const body = await readFile(ASSETS + name);
    res.writeHead(200, { "content-type": TYPES[ext], "cache-control": "no-cache" }).end(body);
  } catch {
    res.writeHead(404).end("Not Found (run `npm run build -w apps/hello` to bundle the page)");
  }
}

/**
 * HelloSockets: `/socket` (ping, ping:*, wild:*, dupe, room:*) and `/auth_socket` (ping, user:*,
 * recurring) plus the pages at `/` and `/room` and the publish API at `/api/broadcast`.
 */
export function createHelloApp(config: HelloConfig): Endpoint {
  return createHello(config).endpoint;
}

/** The app with its pipeline (`createHelloApp` returns just the endpoint). */
export function createHello(config: HelloConfig): HelloApp {
  const stats = config.stats ?? createStats(undefined, config.logger ?? createLogger({ name: "hello" }));
  const metrics = config.timings ?? config.stats ?? NO_METRICS;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if ((req.method === "GET" && path === "/ops/observer") || (req.method === "POST" && path.startsWith("/ops/observer/"))) {
      observer(req, res);
      return;
    }
    if (req.method === "POST" && path === "/api/pipeline") {
      void handlePipelineApi(req, res, pipeline, config.apiKey);
      return;
    }
    if (req.method === "GET" && path === "/") {
      const token = endpoint.tokens.sign(TOKEN_SALT, FAKE_USER_ID);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(renderPage(token, String(FAKE_USER_ID)));
      return;
    }
    if (req.method === "GET" && path === "/room") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(renderRoomPage());
      return;
    }
    if (req.method === "GET" && path.startsWith("/assets/")) {
      void serveAsset(path.slice("/assets/".length), res);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
  };
  const endpoint = new Endpoint({
    secretKeyBase: config.secretKeyBase,
    nodeName: config.nodeName,
    pubsubAdapter: config.pubsubAdapter,
    history: config.history,
    logger: config.logger,
    publishApi: { apiKey: config.apiKey },
    // The rooms track who is in them, replicated to every node.
    presence: config.presence ?? true,
    connectRate: config.connectRate,
    // GET /metrics: Prometheus text (connections, channels, presences, messages, drops, durations).
    metrics: config.metrics === false ? undefined : { bearer: config.metricsKey || undefined },
    // Fenix's own metrics (connections, joins, handlers, messages…) to the same StatsD, when on.
    statsd: config.metrics === false ? undefined : stats.client,
    handler,
  });
  const wsOptions = { timeout: config.socketTimeoutMs ?? 60_000 };
  endpoint.socket("/socket", userSocket(config.limits), { transports: [websocket(wsOptions), longPoll(), sse()] });
  endpoint.socket("/auth_socket", authSocket(config.recurringMs ?? 5_000, metrics), { transports: [websocket(wsOptions)] });
  const observer = observerRoute(endpoint, config.admin, config.adminActions);
  // The live dashboard at /ops (same Basic Auth), on Fenix channels.
  mountOps(endpoint, { user: config.admin?.user, password: config.admin?.password });
  // The pool starts with the first `hash`, and its threads end once idle.
  let pool: Piscina | undefined;
  const hashPool = () => (pool ??= createHashPool());
  endpoint.socket("/stats_socket", statsSocket(stats, config.statsChannel, hashPool), { transports: [websocket(wsOptions)] });
  // Supabase Realtime's Broadcast and Presence: new RealtimeClient("ws://host/realtime/v1", { params: { apikey } }).
  if (config.realtimeJwtSecret) realtime(endpoint, { path: "/realtime/v1", jwtSecret: config.realtimeJwtSecret, authorize: authorizeRealtime });

  // Created with the endpoint, before it listens: nothing can push into a pipeline that is not there yet.
  const pipeline = new Pipeline<UserPush>({
    name: "pipeline",
    maxDemand: config.pipelineMaxDemand ?? 10,
    logger: endpoint.logger,
    worker: pipelineWorker(endpoint, config.pipelineSlowWorkMs),
    onProcessed: (ms) => metrics.timing("pipeline.worker.process_time", ms),
  });
  return { endpoint, pipeline };
}
