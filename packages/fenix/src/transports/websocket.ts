import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import { CloseCode } from "../protocol/close.js";
import type { Frame, SharedFrame } from "../protocol/message.js";
import type { ConnectOutcome } from "../socket/connect.js";
import type { Connection } from "../socket/connection.js";
import type { TransportSession } from "../socket/session.js";
import { rejectUpgrade } from "./http.js";
import { IdleWheel } from "./idle.js";
import type { IdleTarget } from "./idle.js";
import { closeSlowConsumer } from "./slow.js";
import { refusal } from "./transport.js";
import type { ErrorHandler, ErrorResponse, Mount, Transport, TransportFactory } from "./transport.js";
import { buildWireFrame, rawSender, readyForRaw } from "./ws_frame.js";
import type { RawSender } from "./ws_frame.js";

export interface WebSocketOptions {
  /** Path under the socket mount (default "/websocket"); may contain `:name` segments. */
  path?: string;
  /** Close after this long without any inbound frame (default 60 000 ms). */
  timeout?: number;
  /** Largest inbound frame in bytes; bigger ones close the socket with 1009 (default 10 000 000). */
  maxFrameSize?: number;
  /** permessage-deflate (default false). */
  compress?: boolean;
  /** Bytes queued for a client that is not reading before it is closed with 4008 (default 1 MiB). */
  maxBufferedBytes?: number;
  /** If set, a client that requests subprotocols must request one of these; the first match is echoed. */
  subprotocols?: readonly string[];
  /** Accept phoenix.js's `authToken` option (a `base64url.bearer.phx.` subprotocol) into `connectInfo.authToken`. */
  authToken?: boolean;
  /** Turns a `connect` refusal reason (from `error(reason)`) into a response; default 403. */
  errorHandler?: ErrorHandler;
}

/**
 * The WebSocket transport, at `<mount>/websocket` unless `path` says otherwise.
 *
 * @example
 * endpoint.socket("/socket", UserSocket, { transports: [websocket({ timeout: 45_000 }), longPoll()] });
 */
export function websocket(options: WebSocketOptions = {}): TransportFactory {
  return { name: "websocket", path: options.path ?? "/websocket", create: (mount) => new WebSocketTransport(mount, options) };
}

type Admission = (ConnectOutcome & { ok: true; protocol?: string }) | { ok: false; response: ErrorResponse };

const AUTH_PREFIX = "base64url.bearer.phx.";

class WebSocketSession implements TransportSession, IdleTarget {
  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  readonly name = "websocket";
  seen = true;
  idleTicks = 0;
  /** Set right after admission; the session and its connection live and die together. */
  connection!: Connection;
  private slow = false;
  private readonly raw: RawSender | null;

  constructor(
    readonly ws: WebSocket,
    readonly transport: WebSocketTransport,
  ) {
    this.raw = rawSender(ws);
  }

  send(frame: Frame): void {
    if (this.ws.readyState !== 1) return;
    this.ws.send(frame.data as string | Buffer, { binary: frame.binary });
    this.checkBuffer();
  }

  /** The fastlane: the broadcast's frame was built once; this socket only writes the same bytes. */
  sendShared(frame: SharedFrame): void {
    const raw = this.raw;
    if (raw !== null && readyForRaw(this.ws, raw)) {
      // The frame's `wire` slot is ours: its bytes, framed once for every subscriber.
      frame.wire ??= [buildWireFrame(frame)];
      if (!this.corked) cork(this);
      raw.sendFrame(frame.wire as Buffer[]);
      this.checkBuffer();
    } else {
      this.send(frame);
    }
  }

  /** @internal Set while this socket's writes wait for the end of the event-loop turn. */
  corked = false;

  /** @internal */
  get tcp(): { cork(): void; uncork(): void } | undefined {
    return (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  }

  /**
   * @internal Memory must not grow without bound because one client stopped reading. Also run
   * once the turn's corked writes have been handed to the kernel.
   */
  checkBuffer(): void {
    // While corked, everything written this turn counts as buffered though none was offered to
    // the kernel yet: judge the client after the uncork, not during the burst.
    if (this.slow || this.corked || this.ws.bufferedAmount <= this.transport.maxBufferedBytes) return;
    this.slow = true;
    this.ws.close(CloseCode.SLOW_CONSUMER, "slow consumer");
    // The close frame waits behind the unread data; don't wait 30 s for a client that isn't reading.
    setTimeout(() => this.ws.terminate(), 1_000).unref();
    void closeSlowConsumer(this.transport.mount.runtime, this.connection, this.ws.bufferedAmount, this.transport.maxBufferedBytes, "bytes");
  }

  close(code: number, reason = ""): void {
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reason);
  }

  onIdle(): void {
    this.close(CloseCode.GOING_AWAY, "idle timeout");
  }
}

/** Serves `<mount>/websocket`: admission (origin, vsn, connect) before the upgrade, then frames. */
export class WebSocketTransport implements Transport {
  private readonly wss: WebSocketServer;
  private readonly idle: IdleWheel;
  /** @internal */
  readonly maxBufferedBytes: number;

  constructor(
    readonly mount: Mount,
    readonly options: WebSocketOptions,
  ) {
    this.idle = new IdleWheel(options.timeout ?? 60_000);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameSize ?? 10_000_000,
      perMessageDeflate: options.compress ?? false,
      clientTracking: false,
      handleProtocols: (_protocols, req) => (req as RequestWithProtocol)[kProtocol] ?? false,
    });
  }

  /** A plain HTTP request at the WebSocket path: 400, after the same admission checks Phoenix runs. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, pathParams: Record<string, string>): Promise<void> {
    if (req.method !== "GET") {
      res.writeHead(400).end();
      return;
    }
    const admission = await this.admit(req, pathParams);
    if (!admission.ok) {
      res.writeHead(admission.response.status, admission.response.headers).end(admission.response.body ?? "");
      return;
    }
    res.writeHead(400, { "content-type": "text/plain" }).end("'connection' header must contain 'upgrade'");
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pathParams: Record<string, string>): Promise<void> {
    socket.on("error", destroyOnError);
    const admission = await this.admit(req, pathParams);
    if (socket.destroyed) return;
    if (!admission.ok) {
      rejectUpgrade(socket, admission.response.status, admission.response.body ?? "", admission.response.headers);
      return;
    }
    (req as RequestWithProtocol)[kProtocol] = admission.protocol;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // ws has its own error listener on the socket by now. Ours would keep this call's scope
      // (the admission, its start closure and the connect params) alive as long as the socket:
      // ~0.5 KB per idle connection.
      socket.off("error", destroyOnError);
      this.open(ws, admission);
    });
  }

  private async admit(req: IncomingMessage, pathParams: Record<string, string>): Promise<Admission> {
    if (!this.mount.checkOrigin(req)) return { ok: false, response: { status: 403 } };
    let authToken: string | undefined;
    let protocols = parseProtocols(req.headers["sec-websocket-protocol"]);
    let protocol: string | undefined;
    if (this.options.authToken) {
      const entry = protocols.find((p) => p.startsWith(AUTH_PREFIX));
      if (entry) {
        authToken = Buffer.from(entry.slice(AUTH_PREFIX.length), "base64").toString("utf8");
        protocols = protocols.filter((p) => p !== entry);
        protocol = "phoenix";
      }
    }
    const configured = this.options.subprotocols;
    if (configured && protocols.length > 0 && !protocol) {
      protocol = configured.find((p) => protocols.includes(p));
      if (!protocol) return { ok: false, response: { status: 403 } };
    }
    const outcome = await this.mount.connect(this.mount.connectRequest(req, "websocket", pathParams, authToken));
    if (!outcome.ok) return { ok: false, response: refusal(outcome, req, this.options.errorHandler) };
    return { ...outcome, protocol };
  }

  private open(ws: WebSocket, admission: ConnectOutcome & { ok: true }): void {
    preshapeEvents(ws);
    const session = new WebSocketSession(ws, this);
    session.connection = admission.start(session);
    this.idle.add(session);
    (ws as BoundSocket)[kSession] = session;
    // Shared listeners (not closures per connection): idle connections are where memory goes.
    ws.on("message", onMessage);
    ws.on("ping", onControl);
    ws.on("pong", onControl);
    ws.on("error", onError);
    ws.on("close", onClose);
  }

  /** @internal */
  closed(session: WebSocketSession, code: number): void {
    this.idle.delete(session);
    void session.connection.transportClosed();
    this.mount.runtime.logger.debug({ code, socket: this.mount.socket.name }, `websocket closed (${code})`);
  }

  /** @internal */
  logError(err: Error): void {
    this.mount.runtime.logger.debug({ err: { message: err.message } }, `websocket error: ${err.message}`);
  }

  close(): void {
    this.wss.close();
  }
}

// Broadcasts that reach one socket within the same event-loop turn leave in one write (writev)
// instead of one syscall each: under load that is most of a fan-out's cost. Everything a socket
// is sent goes through the same corked stream, so order is kept; the turn ends in setImmediate.
let corkedSessions: WebSocketSession[] = [];
let flushScheduled = false;

function cork(session: WebSocketSession): void {
  const tcp = session.tcp;
  if (tcp === undefined) return;
  tcp.cork();
  session.corked = true;
  corkedSessions.push(session);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(uncorkAll);
  }
}

function uncorkAll(): void {
  const sessions = corkedSessions;
  corkedSessions = [];
  flushScheduled = false;
  for (const session of sessions) {
    session.corked = false;
    session.tcp?.uncork();
    session.checkBuffer();
  }
}

const kSession = Symbol("fenix.session");
type BoundSocket = WebSocket & { [kSession]: WebSocketSession };

function sessionOf(ws: WebSocket): WebSocketSession {
  return (ws as BoundSocket)[kSession];
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * ws's WebSocket starts with `_events = { __proto__: null }`, which V8 keeps as a hash table:
 * ~256 B per idle connection. Node's own streams pre-shape their `_events`; so do we, with slots
 * for the events we listen to. The slots' prototype is empty and null-rooted, so EventEmitter
 * finds nothing it did not put there.
 */
class EventSlots {
  message = undefined;
  ping = undefined;
  pong = undefined;
  error = undefined;
  close = undefined;
}
Object.setPrototypeOf(EventSlots.prototype, null);
Reflect.deleteProperty(EventSlots.prototype, "constructor");

function preshapeEvents(ws: WebSocket): void {
  const emitter = ws as unknown as { _events?: object; _eventsCount?: number };
  if (emitter._eventsCount === 0 && emitter._events !== undefined) emitter._events = new EventSlots();
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const session = sessionOf(this);
  session.seen = true;
  session.connection.handleFrame(data, isBinary);
}

function onControl(this: WebSocket): void {
  sessionOf(this).seen = true;
}

function onError(this: WebSocket, err: Error): void {
  sessionOf(this).transport.logError(err);
}

function onClose(this: WebSocket, code: number): void {
  const session = sessionOf(this);
  session.transport.closed(session, code);
}

const kProtocol = Symbol("fenix.protocol");
type RequestWithProtocol = IncomingMessage & { [kProtocol]?: string };

function parseProtocols(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}
