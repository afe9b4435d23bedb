import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { hostname } from "node:os";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { PublishApi } from "../http/publish.js";
import type { PublishApiOptions } from "../http/publish.js";
import { Presence } from "../presence/presence.js";
import type { PresenceOptions } from "../presence/presence.js";
import { resolveTrackerOptions } from "../presence/tracker.js";
import { CloseCode } from "../protocol/close.js";
import type { PubSubAdapter } from "../pubsub/adapter.js";
import type { HistoryStore } from "../pubsub/history.js";
import { PubSub } from "../pubsub/pubsub.js";
import type { ManagedConnection, Refusal, Runtime } from "../runtime/runtime.js";
import { compileSocket } from "../socket/compile.js";
import type { CompiledSocket } from "../socket/compile.js";
import { connectSocket } from "../socket/connect.js";
import type { Connection } from "../socket/connection.js";
import type { AnySocket } from "../socket/definition.js";
import { Tokens, generateSecret } from "../token/token.js";
import { compileOriginCheck } from "../transports/origin.js";
import type { CheckOrigin } from "../transports/origin.js";
import { connectInfo, parseQuery } from "../transports/params.js";
import type { Mount, TransportFactory } from "../transports/transport.js";
import { websocket } from "../transports/websocket.js";
import { defaultLogger } from "../util/log.js";
import type { Logger } from "../util/log.js";
import { telemetry } from "../util/telemetry.js";
import { newRuntimeGauges, newRuntimeStats } from "../runtime/runtime.js";
import type { RuntimeGauges, RuntimeStats } from "../runtime/runtime.js";
import { Lifecycle } from "./lifecycle.js";
import type { ConnectRateOptions, DrainOptions, HealthOptions } from "./lifecycle.js";
import { attachLogSubscriber } from "./log_subscriber.js";
import { Routes, joinPath } from "./routes.js";
import { PrometheusMetrics } from "../metrics/prometheus.js";
import { serveMetrics } from "../metrics/serve.js";
import { StatsdSink } from "../metrics/statsd.js";
import type { StatsdClient } from "../metrics/statsd.js";

// Without a secretKeyBase, transport tokens only need to verify in this process (one node, or
// several endpoints in one process); a cluster of processes needs a shared secretKeyBase.
let processTokens: Tokens | undefined;

export interface MetricsOptions {
  /** Default "/metrics". */
  path?: string;
  /** When set, scrapes must send `Authorization: Bearer <bearer>` (401 otherwise). */
  bearer?: string;
  /** Serve the route (default true); false: read `endpoint.metrics.text()` yourself. */
  serve?: boolean;
  /** Node's default metrics (event-loop lag, heap, GC), default true. */
  defaultMetrics?: boolean;
}

export interface EndpointOptions {
  /** Signs tokens (`endpoint.tokens`); at least 20 characters. */
  secretKeyBase?: string;
  /** This node's name, e.g. in `from_node` (default env `NODE_NAME`, else "nonode@nohost" alone or a generated unique name with an adapter). */
  nodeName?: string;
  /** Carries broadcasts to other nodes; without it, PubSub is in-memory on this node. */
  pubsubAdapter?: PubSubAdapter;
  /** Where history-enabled topics keep recent messages (default: in memory on this node). */
  history?: HistoryStore;
  logger?: Logger;
  /** Default origin check for every socket (default true: the page must come from this host). */
  checkOrigin?: CheckOrigin;
  /** The public host name `checkOrigin: true` compares with; default: the request's Host header. */
  host?: string;
  /** Enables `POST /api/broadcast`. */
  publishApi?: PublishApiOptions;
  /** The application's own HTTP handler, for every request that is not a socket or the publish API. */
  handler?: RequestListener;
  /** `GET /health` and `GET /ready` (paths configurable); `false` leaves them to the app. */
  health?: HealthOptions | false;
  /**
   * Prometheus metrics (`endpoint.metrics`), served at `GET /metrics` (or `path`); with `bearer`,
   * only to `Authorization: Bearer <bearer>`. `serve: false` keeps the route to the app.
   */
  metrics?: boolean | MetricsOptions;
  /**
   * A StatsD client (hot-shots' `StatsD`, DogStatsD tags) to send the same facts to: events as
   * counters and timers when they happen, gauges and counter deltas every 10 s.
   */
  statsd?: StatsdClient;
  /** Caps new connections per second on this node (503 + Retry-After past it); `false` for no cap. */
  connectRate?: ConnectRateOptions | false;
  /**
   * Enables Presence (`endpoint.presence`, `socket.presence` in channels), replicated to every
   * node through PubSub: `true`, or its settings (tracker periods, `fetch`).
   */
  presence?: PresenceOptions | boolean;
}

export interface MountOptions {
  /** The transports this socket is served on, each at `<path><its path>` (default `[websocket()]`). */
  transports?: readonly TransportFactory[];
  /** Overrides the endpoint's `checkOrigin` for this socket. */
  checkOrigin?: CheckOrigin;
}

/**
 * The HTTP entry point: mounts socket handlers at paths, serves their transports, publishes
 * broadcasts, and hands every other request to the application's handler.
 *
 * @example
 * const endpoint = new Endpoint({ secretKeyBase: process.env.SECRET_KEY_BASE });
 * endpoint.socket("/socket", UserSocket);
 * await endpoint.listen(4000);
 * await endpoint.broadcast("room:lobby", "new_msg", { body: "hello" });
 */
export class Endpoint implements Runtime {
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly nodeName: string;
  readonly telemetry = telemetry;
  readonly stats: RuntimeStats = newRuntimeStats();
  readonly gauges: RuntimeGauges = newRuntimeGauges();
  /** Open connections on this node. */
  readonly connections = new Set<ManagedConnection>() as Set<Connection & ManagedConnection>;
  private readonly secretKeyBase: string | undefined;
  private tokenSigner: Tokens | undefined;
  private readonly routes = new Routes();
  private readonly publishApi: PublishApi | undefined;
  private readonly metricsInstance: PrometheusMetrics | undefined;
  private readonly statsdSink: StatsdSink | undefined;
  private readonly metricsRoute: { path: string; bearer?: string } | undefined;
  private readonly compiledSockets: CompiledSocket[] = [];
  private readonly servers: Server[] = [];
  private readonly lifecycle: Lifecycle;
  private readonly presenceInstance: Presence | undefined;
  private readonly detachLogs: () => void;

  constructor(readonly options: EndpointOptions = {}) {
    this.logger = options.logger ?? defaultLogger();
    // Like an Elixir node started without --name, a lone node is "nonode@nohost"; nodes that
    // share a bus need distinct names, so with an adapter the default is generated.
    this.nodeName =
      options.nodeName ??
      process.env.NODE_NAME ??
      (options.pubsubAdapter ? `fenix-${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}` : "nonode@nohost");
    this.pubsub = new PubSub(this.nodeName, options.pubsubAdapter, options.history);
    this.detachLogs = attachLogSubscriber(this, this.logger);
    this.pubsub.onAdapterError = (error, operation, message) => {
      if (telemetry.adapterError.hasSubscribers)
        telemetry.adapterError.publish({ runtime: this, operation, topic: message.topic, event: message.event, error });
    };
    this.pubsub.owner = this;
    this.pubsub.onDeliveryError = (err, topic, event) =>
      this.logger.warn({ err, topic, event }, `could not deliver ${event} on ${topic} to one subscriber: ${(err as Error)?.message}`);
    this.secretKeyBase = options.secretKeyBase;
    this.publishApi = options.publishApi ? new PublishApi(options.publishApi, this.pubsub, this.logger) : undefined;
    this.lifecycle = new Lifecycle(this.logger, options.connectRate, options.health);
    if (options.presence !== undefined && options.presence !== false) {
      // Inconsistent tracker periods stop the node here, at startup, not at the first presence.
      const presenceOptions = options.presence === true ? {} : options.presence;
      resolveTrackerOptions(presenceOptions);
      this.presenceInstance = new Presence(this.pubsub, this.logger, presenceOptions);
    }
    if (options.metrics) {
      const metrics = options.metrics === true ? {} : options.metrics;
      this.metricsInstance = new PrometheusMetrics(this, {
        patternOf: (topic) => this.patternOf(topic),
        presence: () => this.presenceInstance,
        defaultMetrics: metrics.defaultMetrics,
      });
      if (metrics.serve !== false) this.metricsRoute = { path: metrics.path ?? "/metrics", bearer: metrics.bearer };
    }
    if (options.statsd) this.statsdSink = new StatsdSink(this, options.statsd, { patternOf: (topic) => this.patternOf(topic) });
  }

  /** Prometheus metrics of this node (needs the `metrics` option). */
  get metrics(): PrometheusMetrics {
    if (this.metricsInstance === undefined) throw new Error("metrics are not enabled: create the Endpoint with `metrics: true` (or its settings)");
    return this.metricsInstance;
  }

  /** The route pattern of the channel a topic joins, across every mounted socket. */
  patternOf(topic: string): string | undefined {
    for (const socket of this.compiledSockets) {
      const pattern = socket.router.patternOf(topic);
      if (pattern !== undefined) return pattern;
    }
    return undefined;
  }

  /** The node's Presence, replicated to every node through PubSub (needs the `presence` option). */
  get presence(): Presence {
    if (this.presenceInstance === undefined) throw new Error("Presence is not enabled: create the Endpoint with `presence: true` (or its settings)");
    return this.presenceInstance;
  }

  /** True once `drain` or `shutdown` has begun: readiness fails and new connections are refused. */
  get draining(): boolean {
    return this.lifecycle.draining;
  }

  /** Asked before a connection is admitted: null, or the 503 to answer. */
  admit(drainingOnly = false): Refusal | null {
    return drainingOnly ? this.lifecycle.drainingRefusal() : this.lifecycle.admit();
  }

  /**
   * Stops taking connections and closes the open ones with 1012 in jittered batches over the
   * drain window, waiting for every channel's `terminate`. Clients reconnect to other nodes.
   */
  drain(options: DrainOptions = {}): Promise<void> {
    return this.lifecycle.drain(this.connections, options);
  }

  /** `drain`, then `close`. */
  async shutdown(options: DrainOptions = {}): Promise<void> {
    await this.drain(options);
    await this.close();
  }

  /**
   * On SIGTERM or SIGINT: drain (readiness fails first), close, then exit the process.
   *
   * @example
   * await endpoint.listen(4000);
   * endpoint.shutdownOnSignals({ windowMs: Number(process.env.DRAIN_MS ?? 10_000) });
   */
  shutdownOnSignals(options: DrainOptions = {}, signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"]): void {
    for (const signal of signals) {
      process.once(signal, () => {
        this.logger.info(`${signal}: draining, then exiting`);
        this.shutdown(options).then(
          () => process.exit(0),
          (err) => {
            this.logger.error({ err }, `shutdown failed: ${(err as Error)?.message}`);
            process.exit(1);
          },
        );
      });
    }
  }

  /** Phoenix.Token signing bound to `secretKeyBase`. */
  get tokens(): Tokens {
    if (this.secretKeyBase === undefined) throw new Error("Endpoint needs a secretKeyBase to sign or verify tokens");
    this.tokenSigner ??= new Tokens(this.secretKeyBase);
    return this.tokenSigner;
  }

  get transportTokens(): Tokens {
    return this.secretKeyBase !== undefined ? this.tokens : (processTokens ??= new Tokens(generateSecret()));
  }

  /**
   * Mounts a socket at `path`, served on each of its transports at `path` + the transport's path.
   *
   * @example
   * endpoint.socket("/socket", UserSocket);                                       // ws at /socket/websocket
   * endpoint.socket("/socket", UserSocket, { transports: [websocket(), longPoll(), sse()] });
   */
  socket(path: string, definition: AnySocket, options: MountOptions = {}): this {
    for (const key of ["websocket", "longpoll", "sse"]) {
      if (key in options) {
        throw new Error(
          `endpoint.socket(${JSON.stringify(path)}): \`${key}\` is no mount option; list transports instead: { transports: [websocket(), longPoll(), sse()] }`,
        );
      }
    }
    const socket = compileSocket(definition);
    this.compiledSockets.push(socket);
    for (const warning of socket.warnings) this.logger.warn({ socket: socket.name }, warning);
    for (const route of socket.router.routes) if (route.options?.history) this.pubsub.enableHistory(route.pattern, route.options.history);
    const originCheck = compileOriginCheck(options.checkOrigin ?? this.options.checkOrigin ?? true, this.options.host);
    const logger = this.logger;
    for (const factory of options.transports ?? [websocket()]) {
      const route = joinPath(path, factory.path);
      const mount: Mount = {
        runtime: this,
        socket,
        path,
        route,
        checkOrigin(req) {
          if (originCheck(req.headers.origin, req)) return true;
          logger.error(
            { origin: req.headers.origin, socket: socket.name },
            `Could not check origin for ${socket.name} transport: origin ${req.headers.origin} is not allowed`,
          );
          return false;
        },
        connectRequest(req, transport, pathParams, authToken) {
          const uri = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
          return { transport, params: { ...parseQuery(uri.search), ...pathParams }, info: connectInfo(req, transport, uri, authToken) };
        },
        connect: (request) => connectSocket(this, socket, request),
      };
      this.routes.add(route, factory.create(mount));
    }
    return this;
  }

  /** Sends an event to every subscriber of `topic` on every node. */
  broadcast(topic: string, event: string, payload: object = {}): Promise<void> {
    return this.pubsub.broadcast(topic, event, payload);
  }

  /** Sends an event to subscribers of `topic` on this node only. */
  localBroadcast(topic: string, event: string, payload: object = {}): void {
    this.pubsub.localBroadcast(topic, event, payload);
  }

  private readonly requestHandlers: Array<(req: IncomingMessage, res: ServerResponse) => boolean> = [];
  private readonly closeHooks: Array<() => void> = [];

  /**
   * Adds HTTP routes that Fenix serves itself, ahead of the app's handler — on `listen` and on
   * an `attach`ed server alike, so an add-on (the ops dashboard) mounts in one line in any app.
   * The handler answers the request and returns true, or returns false to pass it on.
   *
   * @example
   * endpoint.addRequestHandler((req, res) => req.url === "/version" && (res.end("1.0"), true));
   */
  addRequestHandler(handler: (req: IncomingMessage, res: ServerResponse) => boolean): void {
    this.requestHandlers.push(handler);
  }

  /** Runs `hook` when the endpoint closes (an add-on's timers and observers). */
  onClose(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  /** Handles a request if it belongs to Fenix; returns false when the app should handle it. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const pathname = (req.url ?? "/").split("?", 1)[0];
    if (this.lifecycle.handleProbe(pathname, req, res)) return true;
    for (const handler of this.requestHandlers) if (handler(req, res)) return true;
    if (this.publishApi && pathname === this.publishApi.path) {
      void this.publishApi.handle(req, res).catch((err) => this.fail(res, err));
      return true;
    }
    if (this.metricsRoute && pathname === this.metricsRoute.path && req.method === "GET") {
      void serveMetrics(req, res, this.metrics, this.metricsRoute.bearer).catch((err) => this.fail(res, err));
      return true;
    }
    const match = this.routes.match(req);
    if (!match?.transport.handleRequest) return false;
    void Promise.resolve(match.transport.handleRequest(req, res, match.params)).catch((err) => this.fail(res, err));
    return true;
  }

  /** Handles an HTTP upgrade if it is for a mounted socket; returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = this.routes.match(req);
    if (!match?.transport.handleUpgrade) return false;
    void Promise.resolve(match.transport.handleUpgrade(req, socket, head, match.params)).catch((err) => {
      this.logger.error({ err }, `websocket upgrade failed: ${(err as Error).message}`);
      socket.destroy();
    });
    return true;
  }

  private fail(res: ServerResponse, err: unknown): void {
    this.logger.error({ err }, `request failed: ${(err as Error)?.message}`);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  }

  private fallback(req: IncomingMessage, res: ServerResponse): void {
    if (this.options.handler) this.options.handler(req, res);
    else res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
  }

  private starting: Promise<void> | undefined;

  /**
   * Connects PubSub and starts Presence without serving HTTP — for a node that only
   * broadcasts or tracks (`listen` and `attach` call it). Idempotent.
   */
  start(): Promise<void> {
    this.starting ??= this.pubsub.start().then(async () => {
      await this.presenceInstance?.start();
    });
    return this.starting;
  }

  /**
   * Creates an HTTP server for this endpoint and listens on `port`. `backlog` (default 4096,
   * capped by the kernel's somaxconn) is the queue of connections not yet accepted: Node's 511
   * overflows when thousands of clients reconnect at once.
   */
  async listen(port: number, host?: string, options: { backlog?: number } = {}): Promise<Server> {
    await this.start();
    const server = createServer((req, res) => {
      if (!this.handleRequest(req, res)) this.fallback(req, res);
    });
    server.on("upgrade", (req, socket, head) => {
      if (!this.handleUpgrade(req, socket, head)) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      }
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host, backlog: options.backlog ?? 4096 }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return server;
  }

  /**
   * Serves sockets on an existing server (plain `node:http`, Fastify's `fastify.server`, the
   * server Express listens on): WebSocket upgrades, long-poll and SSE requests are Fenix's; every
   * other request goes to the server's own request listeners, which keep working as before.
   */
  async attach(server: Server): Promise<void> {
    await this.start();
    const previous = server.listeners("request") as RequestListener[];
    server.removeAllListeners("request");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (this.handleRequest(req, res)) return;
      if (previous.length > 0) for (const listener of previous) listener.call(server, req, res);
      else this.fallback(req, res);
    });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head) && server.listenerCount("upgrade") === 1) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      }
    });
  }

  /** Closes every connection (code 1001, so clients reconnect elsewhere), stops listening and PubSub. */
  async close(): Promise<void> {
    for (const connection of [...this.connections]) void connection.close(CloseCode.GOING_AWAY, "server shutting down", { shutdown: "shutdown" });
    for (const transport of this.routes.transports) transport.close();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    await this.presenceInstance?.stop();
    await this.pubsub.stop();
    this.metricsInstance?.close();
    this.statsdSink?.close();
    for (const hook of this.closeHooks.splice(0)) hook();
    this.detachLogs();
  }
}
