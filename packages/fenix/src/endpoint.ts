import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { hostname } from "node:os";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Lifecycle } from "./lifecycle.js";
import { Presence } from "./presence/presence.js";
import type { PresenceOptions } from "./presence/presence.js";
import { resolveTrackerOptions } from "./presence/tracker.js";
import type { ConnectRateOptions, DrainOptions, HealthOptions, Refusal } from "./lifecycle.js";
import { defaultLogger } from "./log.js";
import type { Logger } from "./log.js";
import { PublishApi } from "./http/publish.js";
import type { PublishApiOptions } from "./http/publish.js";
import type { PubSubAdapter } from "./pubsub/adapter.js";
import type { HistoryStore } from "./pubsub/history.js";
import { PubSub } from "./pubsub/pubsub.js";
import type { Connection } from "./socket/connection.js";
import type { SocketHandler } from "./socket/handler.js";
import { Tokens } from "./token/token.js";
import { mountContext } from "./transports/admission.js";
import type { CheckOrigin } from "./transports/origin.js";
import { CloseCode } from "./transports/transport.js";
import { WebSocketTransport } from "./transports/websocket.js";
import type { WebSocketOptions } from "./transports/websocket.js";
import type { HttpTransport } from "./transports/transport.js";
import { LongPollTransport } from "./transports/longpoll.js";
import type { LongPollOptions } from "./transports/longpoll.js";
import { SseTransport } from "./transports/sse.js";
import type { SseOptions } from "./transports/sse.js";

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
  /** Caps new connections per second on this node (503 + Retry-After past it); `false` for no cap. */
  connectRate?: ConnectRateOptions | false;
  /** Settings of `endpoint.presence` (tracker periods, `fetch`). */
  presence?: PresenceOptions;
}

export interface MountOptions {
  /** WebSocket transport at `<path>/websocket` (default true). */
  websocket?: boolean | WebSocketOptions;
  /** Long-poll transport at `<path>/longpoll`, for phoenix.js's LongPoll and its fallback (default false). */
  longpoll?: boolean | LongPollOptions;
  /** Server-Sent Events at `<path>/sse?topics=a,b` (default false). */
  sse?: boolean | SseOptions;
  /** Overrides the endpoint's `checkOrigin` for this socket. */
  checkOrigin?: CheckOrigin;
}

interface Route {
  segments: string[];
  transport: HttpTransport;
}

function splitPath(path: string): string[] {
  return path.split("/").filter(Boolean);
}

function matchRoute(segments: string[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.startsWith(":")) params[seg.slice(1)] = decodeURIComponent(parts[i]);
    else if (seg !== parts[i]) return null;
  }
  return params;
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
export class Endpoint {
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly nodeName: string;
  /** Open connections on this node. */
  readonly connections = new Set<Connection>();
  private readonly secretKeyBase: string | undefined;
  private tokenSigner: Tokens | undefined;
  private readonly routes: Route[] = [];
  private readonly publishApi: PublishApi | undefined;
  private readonly servers: Server[] = [];
  private readonly lifecycle: Lifecycle;

  constructor(readonly options: EndpointOptions = {}) {
    this.logger = options.logger ?? defaultLogger();
    // Like an Elixir node started without --name, a lone node is "nonode@nohost"; nodes that
    // share a bus need distinct names, so with an adapter the default is generated.
    this.nodeName =
      options.nodeName ??
      process.env.NODE_NAME ??
      (options.pubsubAdapter ? `fenix-${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}` : "nonode@nohost");
    this.pubsub = new PubSub(this.nodeName, options.pubsubAdapter, options.history);
    // During an outage every broadcast fails the same way: one line a second, with a count.
    let lastAdapterLog = 0;
    let unlogged = 0;
    this.pubsub.onAdapterError = (err, operation, message) => {
      const now = Date.now();
      if (now - lastAdapterLog < 1000) {
        unlogged += 1;
        return;
      }
      lastAdapterLog = now;
      const more = unlogged > 0 ? ` (and ${unlogged} more since the last report)` : "";
      unlogged = 0;
      this.logger.error(
        { err, topic: message.topic, event: message.event, operation },
        operation === "publish"
          ? `broadcast of ${message.event} on ${message.topic} reached this node only${more}: ${(err as Error)?.message}`
          : `could not record ${message.event} on ${message.topic} in its history${more}: ${(err as Error)?.message}`,
      );
    };
    this.pubsub.onDeliveryError = (err, topic, event) =>
      this.logger.warn({ err, topic, event }, `could not deliver ${event} on ${topic} to one subscriber: ${(err as Error)?.message}`);
    this.secretKeyBase = options.secretKeyBase;
    this.publishApi = options.publishApi ? new PublishApi(options.publishApi, this.pubsub, this.logger) : undefined;
    this.lifecycle = new Lifecycle(this.logger, options.connectRate, options.health);
    // Inconsistent tracker periods must stop the node at startup, not at the first presence.
    if (options.presence) resolveTrackerOptions(options.presence);
  }

  private presenceInstance: Presence | undefined;

  /** The app's Presence (created on first use), replicated to every node through PubSub. */
  get presence(): Presence {
    this.presenceInstance ??= new Presence(this, this.options.presence);
    return this.presenceInstance;
  }

  /** True once `drain` or `shutdown` has begun: readiness fails and new connections are refused. */
  get draining(): boolean {
    return this.lifecycle.draining;
  }

  /** @internal Transports ask before admitting a connection: null, or the 503 to answer. */
  admissionRefusal(drainingOnly = false): Refusal | null {
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

  /** Mounts a socket handler at `path` (its WebSocket is served at `path + "/websocket"`). */
  socket(path: string, handler: SocketHandler<any>, options: MountOptions = {}): this {
    for (const warning of handler.interceptWarnings()) this.logger.warn({ socket: handler.name }, warning);
    for (const route of handler.router.routes) if (route.options?.history) this.pubsub.enableHistory(route.pattern, route.options.history);
    const mount = mountContext(this, handler, path, options.checkOrigin ?? this.options.checkOrigin ?? true, this.options.host);
    const add = (transport: HttpTransport, subpath: string) => this.routes.push({ segments: [...splitPath(path), ...splitPath(subpath)], transport });
    const ws = options.websocket ?? true;
    if (ws !== false) {
      const wsOptions = ws === true ? {} : ws;
      add(new WebSocketTransport(mount, wsOptions), wsOptions.path ?? "/websocket");
    }
    const lp = options.longpoll ?? false;
    if (lp !== false) {
      const lpOptions = lp === true ? {} : lp;
      add(new LongPollTransport(mount, lpOptions), lpOptions.path ?? "/longpoll");
    }
    const sse = options.sse ?? false;
    if (sse !== false) {
      const sseOptions = sse === true ? {} : sse;
      add(new SseTransport(mount, sseOptions), sseOptions.path ?? "/sse");
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

  private route(req: IncomingMessage): { transport: HttpTransport; params: Record<string, string> } | null {
    const pathname = (req.url ?? "/").split("?", 1)[0];
    const parts = splitPath(pathname);
    for (const route of this.routes) {
      const params = matchRoute(route.segments, parts);
      if (params) return { transport: route.transport, params };
    }
    return null;
  }

  /** Handles a request if it belongs to Fenix; returns false when the app should handle it. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const pathname = (req.url ?? "/").split("?", 1)[0];
    if (this.lifecycle.handleProbe(pathname, req, res)) return true;
    if (this.publishApi && pathname === this.publishApi.path) {
      void this.publishApi.handle(req, res).catch((err) => this.fail(res, err));
      return true;
    }
    const match = this.route(req);
    if (!match) return false;
    void match.transport.handleRequest(req, res, match.params).catch((err) => this.fail(res, err));
    return true;
  }

  /** Handles an HTTP upgrade if it is for a mounted socket; returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = this.route(req);
    if (!match?.transport.handleUpgrade) return false;
    void match.transport.handleUpgrade(req, socket, head, match.params).catch((err) => {
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

  private readonly services: { start?(): unknown; stop?(): unknown }[] = [];
  private starting: Promise<void> | undefined;

  /** @internal Something that starts with the endpoint and stops when it closes (e.g. Presence). */
  addService(service: { start?(): unknown; stop?(): unknown }): void {
    this.services.push(service);
    if (this.starting) void this.starting.then(() => service.start?.());
  }

  /**
   * Connects PubSub and starts services (Presence) without serving HTTP — for a node that only
   * broadcasts or tracks (`listen` and `attach` call it). Idempotent.
   */
  start(): Promise<void> {
    this.starting ??= this.pubsub.start().then(async () => {
      for (const service of this.services) await service.start?.();
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
   * Serves sockets on an existing server: its current request listeners become the
   * fallthrough handler for everything Fenix does not handle.
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
    for (const connection of [...this.connections]) connection.close(CloseCode.GOING_AWAY, "server shutting down", { shutdown: "shutdown" });
    for (const route of this.routes) route.transport.close();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    for (const service of this.services) await service.stop?.();
    await this.pubsub.stop();
  }
}
