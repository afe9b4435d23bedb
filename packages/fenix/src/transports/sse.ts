import type { IncomingMessage, ServerResponse } from "node:http";
import { CloseCode } from "../protocol/close.js";
import { EncodeError, isReply } from "../protocol/message.js";
import type { Broadcast, Frame, Outbound, SharedFrame } from "../protocol/message.js";
import { SseSerializer, isPosition, isSseFrame } from "../serializer/sse.js";
import type { SseFrame } from "../serializer/sse.js";
import type { Serializer } from "../serializer/serializer.js";
import type { Connection } from "../socket/connection.js";
import type { TransportSession } from "../socket/session.js";
import { plain } from "./http.js";
import { closeSlowConsumer } from "./slow.js";
import { TickGroup } from "./ticker.js";
import { refusal } from "./transport.js";
import type { ErrorHandler, Mount, Transport, TransportFactory } from "./transport.js";

/** What a stream is about to send, as handed to `SseOptions.encode`. */
export interface SseMessage {
  /** Channel pushes and broadcasts are "event"; join replies "reply"; `phx_close`/`phx_error` "close"/"error". */
  kind: "event" | "reply" | "close" | "error";
  topic: string;
  /** The channel event (`"phx_reply"` for replies). */
  event: string;
  /** The event's payload, or a reply's response. */
  payload: unknown;
  /** For replies: the status ("ok", "error"). */
  status?: string;
}

/** One Server-Sent Event: without `event` it is unnamed, so `EventSource.onmessage` gets it. */
export interface SseEvent {
  event?: string;
  /** Sent as one `data:` line per line of text. */
  data: string;
  id?: string;
}

export interface SseOptions {
  /** Path under the socket mount (default "/sse"); "" serves the mount path itself. */
  path?: string;
  /**
   * Every stream joins exactly these topics; `?topics=` is ignored. For a fixed route such as
   * `GET /user-stream` whose clients pass nothing.
   */
  topics?: readonly string[];
  /**
   * Writes each message as the app chooses instead of the Phoenix-style named events: return an
   * event, or null to send nothing (e.g. for join replies). Broadcasts are still encoded once for
   * all streams of the transport. Streams carry an `id:` only where the encoder sets one.
   */
  encode?: (message: SseMessage) => SseEvent | null;
  /** A `: keep-alive` comment goes to every open stream this often (default 15 000 ms). */
  keepAliveMs?: number;
  /** The reconnect delay sent to clients at stream start as `retry:` (default 2 000 ms). */
  retryMs?: number;
  /** A stream whose unsent output exceeds this is cut off as a slow consumer (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Turns a `connect` refusal reason (from `error(reason)`) into a response; default 403. */
  errorHandler?: ErrorHandler;
}

/**
 * Server-Sent Events at `<mount>/sse?topics=a,b`: a listen-only stream for `EventSource` and curl.
 *
 * @example
 * endpoint.socket("/socket", UserSocket, { transports: [websocket(), sse({ keepAliveMs: 20_000 })] });
 * // GET /feed: always the "news" topic, each broadcast as an unnamed event carrying its payload
 * endpoint.socket("/feed", FeedSocket, {
 *   transports: [sse({ path: "", topics: ["news"], encode: (m) => (m.kind === "event" ? { data: JSON.stringify(m.payload) } : null) })],
 * });
 */
export function sse(options: SseOptions = {}): TransportFactory {
  return { name: "sse", path: options.path ?? "/sse", create: (mount) => new SseTransport(mount, options) };
}

interface KeepAliveTarget {
  keepAlive(): void;
}

// One group per keep-alive period, shared by every SSE transport in the process.
const keepAlives = new Map<number, TickGroup<KeepAliveTarget>>();

function keepAliveGroup(ms: number): TickGroup<KeepAliveTarget> {
  let group = keepAlives.get(ms);
  if (group === undefined) {
    group = new TickGroup(ms, (targets) => {
      for (const t of targets) t.keepAlive();
    });
    keepAlives.set(ms, group);
  }
  return group;
}

/** Keep-alive intervals running now, one per distinct `keepAliveMs` in use (for tests and metrics). */
export function sseKeepAliveTimers(): number {
  let running = 0;
  for (const group of keepAlives.values()) if (group.running) running++;
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

function field(value: string, what: string): string {
  if (/[\r\n\0]/.test(value)) throw new EncodeError(`cannot send ${what} ${JSON.stringify(value)} over SSE: it contains a line break or NUL`);
  return value;
}

/** The wire text of one event; `data` with line breaks becomes several `data:` lines. */
export function formatSseEvent(event: SseEvent): string {
  let text = event.id === undefined ? "" : `id: ${field(event.id, "id")}\n`;
  if (event.event !== undefined) text += `event: ${field(event.event, "event name")}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** A serializer that asks the app's `encode` for every frame (one per transport: the fastlane caches by serializer). */
function appSerializer(encode: (message: SseMessage) => SseEvent | null): Serializer {
  const frame = (message: SseMessage): SseFrame => {
    const out = encode(message);
    const text = out === null ? "" : formatSseEvent(out);
    const result: SseFrame = { data: text, binary: false, kind: message.kind, topic: message.topic, body: text, position: null };
    if (message.status !== undefined) result.status = message.status;
    return result;
  };
  return {
    name: "sse",
    decode: (data, binary) => SseSerializer.decode(data, binary),
    encode(message: Outbound): Frame {
      if (isReply(message)) return frame({ kind: "reply", topic: message.topic, event: "phx_reply", payload: message.response, status: message.status });
      const kind = message.event === "phx_close" ? "close" : message.event === "phx_error" ? "error" : "event";
      return frame({ kind, topic: message.topic, event: message.event, payload: message.payload });
    },
    fastlane: (broadcast: Broadcast): SharedFrame => frame({ kind: "event", topic: broadcast.topic, event: broadcast.event, payload: broadcast.payload }),
  };
}

function joinPayload(position: string | undefined): object {
  if (position === undefined) return {};
  const at = position.lastIndexOf(":");
  return { recover: { epoch: position.slice(0, at), offset: Number(position.slice(at + 1)) } };
}

/** One open event stream: writes frames, keeps the stream alive, ends it with the connection. */
class SseSession implements TransportSession, KeepAliveTarget {
  readonly name = "sse";
  connection: Connection | undefined;
  private ended = false;

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
    if (text === "") return;
    if (frame.position !== null) {
      this.positions.set(frame.topic, frame.position);
      if (!this.single) text = `id: ${encodeStreamId(this.positions)}\n${frame.body}`;
      else if (frame.kind !== "event") text = `id: ${frame.position}\n${frame.body}`;
    }
    this.write(text);
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
    this.finish();
    // Ending would keep the backlog in memory until the client reads it: drop the socket instead.
    this.res.destroy();
    if (this.connection) void closeSlowConsumer(this.transport.mount.runtime, this.connection, buffered, this.transport.maxBufferedBytes, "bytes");
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
export class SseTransport implements Transport {
  readonly keepAliveMs: number;
  readonly retryMs: number;
  readonly maxBufferedBytes: number;
  private readonly serializer: Serializer;
  private readonly sessions = new Set<SseSession>();
  private readonly clock: TickGroup<KeepAliveTarget>;
  private closed = false;

  constructor(
    readonly mount: Mount,
    readonly options: SseOptions,
  ) {
    this.keepAliveMs = positive(options.keepAliveMs ?? 15_000, "keepAliveMs");
    this.retryMs = positive(options.retryMs ?? 2_000, "retryMs");
    this.maxBufferedBytes = positive(options.maxBufferedBytes ?? 1024 * 1024, "maxBufferedBytes");
    this.clock = keepAliveGroup(this.keepAliveMs);
    this.serializer = options.encode ? appSerializer(options.encode) : SseSerializer;
    if (options.topics !== undefined && options.topics.length === 0) throw new Error("sse.topics must list at least one topic");
  }

  get logger() {
    return this.mount.runtime.logger;
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
    const topics = this.options.topics ? [...new Set(this.options.topics)] : parseTopics(url.searchParams);
    if (topics.length === 0) {
      plain(res, 400, "missing topics: open the stream with ?topics=topic1,topic2");
      return;
    }
    let gone = false;
    res.once("close", () => {
      gone = true;
    });
    if (!this.mount.checkOrigin(req)) {
      plain(res, 403);
      return;
    }
    const admission = await this.mount.connect({ ...this.mount.connectRequest(req, "sse", pathParams), serializer: this.serializer });
    if (gone || res.destroyed) return;
    if (!admission.ok) {
      const response = refusal(admission, req, this.options.errorHandler);
      plain(res, response.status, response.body, response.headers);
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
    // The socket joins each topic through its channel and ends the stream once none is left.
    connection.joinTopics(topics.map((topic) => [topic, joinPayload(positions.get(topic))] as const));
  }

  /** An allowed origin may read the stream (EventSource is CORS-mode); the origin check already ran. */
  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    return { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "origin" };
  }

  private preflight(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.origin === undefined || !this.mount.checkOrigin(req)) {
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
