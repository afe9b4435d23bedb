import type { IncomingMessage, ServerResponse } from "node:http";
import { SseSerializer, isPosition, isSseFrame } from "../serializer/sse.js";
import type { Frame, SharedFrame } from "../serializer/types.js";
import type { Connection } from "../socket/connection.js";
import { acceptConnection } from "./admission.js";
import type { MountContext } from "./admission.js";
import { CloseCode } from "./transport.js";
import type { HttpTransport, TransportSession } from "./transport.js";
import type { ErrorResponse } from "./websocket.js";

export interface SseOptions {
  /** Path under the socket mount (default "/sse"). */
  path?: string;
  /** A `: keep-alive` comment goes to every open stream this often (default 15 000 ms). */
  keepAliveMs?: number;
  /** The reconnect delay sent to clients at stream start as `retry:` (default 2 000 ms). */
  retryMs?: number;
  /** A stream whose unsent output exceeds this is cut off as a slow consumer (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Turns a `connect` refusal reason (from `error(reason)`) into a response; default 403. */
  errorHandler?: (reason: unknown, req: IncomingMessage) => ErrorResponse;
}

/** Something the keep-alive clock writes to. */
interface KeepAliveTarget {
  keepAlive(): void;
}

/**
 * One interval per keep-alive period serves every SSE stream in the process (not a timer per
 * connection); it runs only while a stream is open.
 */
class KeepAliveClock {
  private readonly targets = new Set<KeepAliveTarget>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {}

  add(target: KeepAliveTarget): void {
    this.targets.add(target);
    if (this.timer === undefined) {
      this.timer = setInterval(() => {
        for (const t of this.targets) t.keepAlive();
      }, this.ms);
      this.timer.unref();
    }
  }

  delete(target: KeepAliveTarget): void {
    this.targets.delete(target);
    if (this.targets.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}

const clocks = new Map<number, KeepAliveClock>();

function clockFor(ms: number): KeepAliveClock {
  let clock = clocks.get(ms);
  if (clock === undefined) {
    clock = new KeepAliveClock(ms);
    clocks.set(ms, clock);
  }
  return clock;
}

/** Keep-alive intervals running now, one per distinct `keepAliveMs` in use (for tests and metrics). */
export function sseKeepAliveTimers(): number {
  let running = 0;
  for (const clock of clocks.values()) if (clock.running) running++;
  return running;
}

/** The SSE `id` of a stream over several topics: base64url JSON of `{topic: "epoch:offset"}`. */
export function encodeStreamId(positions: ReadonlyMap<string, string>): string {
  return Buffer.from(JSON.stringify(Object.fromEntries(positions)), "utf8").toString("base64url");
}

/**
 * Turns a `Last-Event-ID` back into each topic's position: a plain `epoch:offset` (single-topic
 * streams) or the combined id of `encodeStreamId`. Unknown topics and malformed ids are ignored.
 */
export function decodeStreamId(id: string | null | undefined, topics: readonly string[]): Map<string, string> {
  const positions = new Map<string, string>();
  if (!id || id.length > 16_384) return positions;
  if (isPosition(id)) {
    if (topics.length === 1) positions.set(topics[0], id);
    return positions;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(id, "base64url").toString("utf8"));
  } catch {
    return positions;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return positions;
  for (const topic of topics) {
    const value = Object.hasOwn(parsed, topic) ? (parsed as Record<string, unknown>)[topic] : undefined;
    if (isPosition(value)) positions.set(topic, value);
  }
  return positions;
}

/** `topics=a,b` (repeatable), trimmed, without empties or duplicates. */
export function parseTopics(params: URLSearchParams): string[] {
  const topics = new Set<string>();
  for (const value of params.getAll("topics")) {
    for (const topic of value.split(",")) if (topic.trim() !== "") topics.add(topic.trim());
  }
  return [...topics];
}

function joinPayload(position: string | undefined): object {
  if (position === undefined) return {};
  const at = position.lastIndexOf(":");
  return { recover: { epoch: position.slice(0, at), offset: Number(position.slice(at + 1)) } };
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  405: "Method Not Allowed",
  429: "Too Many Requests",
  503: "Service Unavailable",
};

function plain(res: ServerResponse, status: number, body?: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(body ?? STATUS_TEXT[status] ?? "");
}

/** One open event stream: writes frames, keeps the stream alive, ends it with the connection. */
class SseSession implements TransportSession, KeepAliveTarget {
  readonly name = "sse";
  connection: Connection | undefined;
  /** Joins are still being fed: an empty channel map does not mean "every topic closed" yet. */
  joining = true;
  private ended = false;
  private checkScheduled = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly transport: SseTransport,
    /** One topic: history ids go out as they are; several: one combined id per event. */
    private readonly single: boolean,
    /** Each topic's last known `epoch:offset`, from Last-Event-ID and then from the stream. */
    private readonly positions: Map<string, string>,
  ) {}

  send(frame: Frame): void {
    this.deliver(frame);
  }

  sendShared(frame: SharedFrame): void {
    this.deliver(frame);
  }

  private deliver(frame: Frame): void {
    if (this.ended) return;
    if (!isSseFrame(frame)) {
      this.write(String(frame.data));
      return;
    }
    let text = frame.data;
    if (frame.position !== null) {
      this.positions.set(frame.topic, frame.position);
      if (!this.single) text = `id: ${encodeStreamId(this.positions)}\n${frame.body}`;
      else if (frame.kind !== "event") text = `id: ${frame.position}\n${frame.body}`;
    }
    this.write(text);
    if (frame.kind !== "event") this.scheduleEmptyCheck();
  }

  /** After a reply, phx_close or phx_error: once no channel is left, the stream ends. */
  scheduleEmptyCheck(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    // A refused join removes its channel just after writing the reply: look once that is done.
    queueMicrotask(() => {
      this.checkScheduled = false;
      const connection = this.connection;
      if (this.ended || this.joining || connection === undefined || connection.channels.size > 0) return;
      this.transport.logger.debug({ socket: connection.handlerName }, "SSE stream ends: every topic has closed");
      connection.close(1000, "every topic closed");
    });
  }

  write(text: string): void {
    if (this.ended || this.res.destroyed || this.res.writableEnded) return;
    this.res.write(text);
    if (this.res.writableLength > this.transport.maxBufferedBytes) this.overflow();
  }

  keepAlive(): void {
    this.write(": keep-alive\n\n");
  }

  private overflow(): void {
    const buffered = this.res.writableLength;
    this.transport.logger.warn(
      { socket: this.connection?.handlerName, buffered, max: this.transport.maxBufferedBytes },
      `closing SSE stream of a slow consumer: ${buffered} bytes unsent (max ${this.transport.maxBufferedBytes})`,
    );
    this.finish();
    // Ending would keep the backlog in memory until the client reads it: drop the socket instead.
    this.res.destroy();
    this.connection?.close(CloseCode.GOING_AWAY, "slow consumer", { shutdown: "slow_consumer" });
  }

  /** Stops writing; the stream and keep-alives end here. Idempotent. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.transport.forget(this);
  }

  close(_code: number, _reason = ""): void {
    if (this.ended) return;
    this.finish();
    if (!this.res.destroyed && !this.res.writableEnded) this.res.end();
  }
}

/**
 * Serves `<mount>/sse?topics=a,b`: a read-only Server-Sent Events stream for browsers'
 * `EventSource` and `curl`. Admission runs as for every transport (origin, `connect`, `id`),
 * then each topic is joined through its channel's own `join`; pushes and broadcasts arrive as
 * events named after the channel's event. See docs/sse.md.
 */
export class SseTransport implements HttpTransport {
  readonly name = "sse";
  readonly keepAliveMs: number;
  readonly retryMs: number;
  readonly maxBufferedBytes: number;
  private readonly sessions = new Set<SseSession>();
  private readonly clock: KeepAliveClock;
  private closed = false;

  constructor(
    readonly mount: MountContext,
    readonly options: SseOptions,
  ) {
    this.keepAliveMs = positive(options.keepAliveMs ?? 15_000, "keepAliveMs");
    this.retryMs = positive(options.retryMs ?? 2_000, "retryMs");
    this.maxBufferedBytes = positive(options.maxBufferedBytes ?? 1024 * 1024, "maxBufferedBytes");
    this.clock = clockFor(this.keepAliveMs);
  }

  get logger() {
    return this.mount.endpoint.logger;
  }

  /** Open streams (for tests and metrics). */
  get size(): number {
    return this.sessions.size;
  }

  async handleRequest(req: IncomingMessage, res: ServerResponse, pathParams: Record<string, string>): Promise<void> {
    if (req.method === "OPTIONS") {
      this.preflight(req, res);
      return;
    }
    if (req.method !== "GET") {
      plain(res, 405, "Server-Sent Events streams are opened with GET", { allow: "GET, OPTIONS" });
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const topics = parseTopics(url.searchParams);
    if (topics.length === 0) {
      plain(res, 400, "missing topics: open the stream with ?topics=topic1,topic2");
      return;
    }
    let gone = false;
    res.once("close", () => {
      gone = true;
    });
    const admission = await acceptConnection(this.mount, req, {
      transport: "sse",
      pathParams,
      serializer: SseSerializer,
      errorHandler: this.options.errorHandler,
    });
    if (gone || res.destroyed) return;
    if (!admission.ok) {
      plain(res, admission.status, admission.body, admission.headers);
      return;
    }
    if (this.closed) {
      plain(res, 503, "server shutting down", { "retry-after": "1" });
      return;
    }
    this.open(req, res, url, topics, admission.start);
  }

  private open(req: IncomingMessage, res: ServerResponse, url: URL, topics: string[], start: (session: SseSession) => Connection): void {
    const header = req.headers["last-event-id"];
    const lastEventId = typeof header === "string" && header !== "" ? header : url.searchParams.get("lastEventId");
    const positions = decodeStreamId(lastEventId, topics);
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
      ...this.corsHeaders(req),
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const session = new SseSession(res, this, topics.length === 1, positions);
    session.write(`retry: ${this.retryMs}\n\n`);
    const connection = start(session);
    session.connection = connection;
    this.sessions.add(session);
    this.clock.add(session);
    res.on("close", () => {
      session.finish();
      connection.transportClosed();
    });
    try {
      topics.forEach((topic, i) => {
        const ref = String(i + 1);
        connection.handleMessage({ joinRef: ref, ref, topic, event: "phx_join", payload: joinPayload(positions.get(topic)) });
      });
    } catch (err) {
      this.logger.error({ err, socket: connection.handlerName }, `closing SSE stream after an internal error: ${(err as Error)?.message}`);
      connection.close(CloseCode.INTERNAL_ERROR, "internal error");
      return;
    }
    session.joining = false;
    session.scheduleEmptyCheck();
  }

  /** An allowed origin may read the stream (EventSource is CORS-mode); the origin check already ran. */
  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    return { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "origin" };
  }

  private preflight(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.origin === undefined || !this.mount.originCheck(req.headers.origin, req)) {
      plain(res, 403);
      return;
    }
    res
      .writeHead(204, {
        ...this.corsHeaders(req),
        "access-control-allow-methods": "GET",
        "access-control-allow-headers": "last-event-id, cache-control, accept",
        "access-control-max-age": "600",
      })
      .end();
  }

  /** @internal a session stopped writing. */
  forget(session: SseSession): void {
    this.sessions.delete(session);
    this.clock.delete(session);
  }

  close(): void {
    this.closed = true;
    for (const session of [...this.sessions]) {
      if (session.connection) session.connection.close(CloseCode.GOING_AWAY, "server shutting down", { shutdown: "shutdown" });
      else session.close(CloseCode.GOING_AWAY);
    }
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`sse.${name} must be a positive number, got ${value}`);
  return value;
}
