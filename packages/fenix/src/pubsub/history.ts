import { randomBytes } from "node:crypto";

/** How much a topic keeps for clients that reconnect: the last `size` messages, none older than `ttlMs`. */
export interface HistoryOptions {
  /** Messages kept per topic (default 100). */
  size?: number;
  /** Oldest message kept, in ms (default 300 000 = 5 minutes). */
  ttlMs?: number;
}

export type ResolvedHistoryOptions = Required<HistoryOptions>;

export function resolveHistoryOptions(options: HistoryOptions): ResolvedHistoryOptions {
  const size = options.size ?? 100;
  const ttlMs = options.ttlMs ?? 300_000;
  if (!Number.isInteger(size) || size < 1) throw new Error(`history.size must be a positive integer, got ${size}`);
  if (!(ttlMs > 0)) throw new Error(`history.ttlMs must be positive, got ${ttlMs}`);
  return { size, ttlMs };
}

/** Where a topic's stream is: `epoch` changes when the history is lost (e.g. a restart), `offset` counts messages. */
export interface Position {
  epoch: string;
  offset: number;
}

export interface HistoryEntry {
  offset: number;
  event: string;
  payload: unknown;
  at: number;
}

export type Recovery = { recovered: true; messages: HistoryEntry[] } | { recovered: false; messages: HistoryEntry[] };

/** `epoch:offset`, the id a history message carries in the ref slot of its frame (and in SSE `id:`). */
export function formatId(position: Position): string {
  return `${position.epoch}:${position.offset}`;
}

/** Accepts `{epoch, offset}` (offset as number or digits) or an `"epoch:offset"` id; anything else → undefined. */
export function parsePosition(value: unknown): Position | undefined {
  if (typeof value === "string") {
    const at = value.lastIndexOf(":");
    if (at <= 0) return undefined;
    return parsePosition({ epoch: value.slice(0, at), offset: value.slice(at + 1) });
  }
  if (value === null || typeof value !== "object") return undefined;
  const { epoch, offset } = value as Record<string, unknown>;
  const n = typeof offset === "string" && /^\d+$/.test(offset) ? Number(offset) : offset;
  if (typeof epoch !== "string" || epoch === "" || typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) return undefined;
  return { epoch, offset: n };
}

/**
 * Keeps recent broadcasts of history-enabled topics. Memory on one node; a cluster keeps it
 * where every node can read it (the Redis adapter provides one). Methods may be async.
 */
export interface HistoryStore {
  /** Records a broadcast and returns its position. */
  append(topic: string, event: string, payload: unknown, options: ResolvedHistoryOptions): Position | Promise<Position>;
  /** The position of the newest message (offset 0 when there is none yet). */
  position(topic: string, options: ResolvedHistoryOptions): Position | Promise<Position>;
  /** Messages after `from`, oldest first; `recovered: false` when the gap is no longer fully kept. */
  since(topic: string, from: Position, options: ResolvedHistoryOptions): Recovery | Promise<Recovery>;
  stop?(): void | Promise<void>;
}

interface Stream {
  epoch: string;
  offset: number;
  entries: HistoryEntry[];
  touched: number;
}

/**
 * In-memory history: a bounded list per topic. A topic idle for longer than its TTL is
 * forgotten entirely (a later message starts a new epoch), so memory follows live topics only.
 */
export class MemoryHistory implements HistoryStore {
  private streams = new Map<string, Stream>();
  private sweeper: NodeJS.Timeout | undefined;
  private longestTtl = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private stream(topic: string, options: ResolvedHistoryOptions): Stream {
    let stream = this.streams.get(topic);
    if (stream === undefined) {
      stream = { epoch: randomBytes(6).toString("base64url"), offset: 0, entries: [], touched: this.now() };
      this.streams.set(topic, stream);
      this.schedule(options.ttlMs);
    }
    return stream;
  }

  private trim(stream: Stream, options: ResolvedHistoryOptions): void {
    const oldest = this.now() - options.ttlMs;
    let drop = Math.max(0, stream.entries.length - options.size);
    while (drop < stream.entries.length && stream.entries[drop].at < oldest) drop++;
    if (drop > 0) stream.entries.splice(0, drop);
  }

  append(topic: string, event: string, payload: unknown, options: ResolvedHistoryOptions): Position {
    const stream = this.stream(topic, options);
    const at = this.now();
    stream.offset += 1;
    stream.touched = at;
    stream.entries.push({ offset: stream.offset, event, payload, at });
    this.trim(stream, options);
    return { epoch: stream.epoch, offset: stream.offset };
  }

  position(topic: string, options: ResolvedHistoryOptions): Position {
    const stream = this.stream(topic, options);
    return { epoch: stream.epoch, offset: stream.offset };
  }

  since(topic: string, from: Position, options: ResolvedHistoryOptions): Recovery {
    const stream = this.stream(topic, options);
    this.trim(stream, options);
    if (from.epoch !== stream.epoch || from.offset > stream.offset) return { recovered: false, messages: [] };
    if (from.offset === stream.offset) return { recovered: true, messages: [] };
    const first = stream.entries[0];
    // Everything after `from` must still be kept, or the client would get a silent gap.
    if (first === undefined || first.offset > from.offset + 1) return { recovered: false, messages: [] };
    return { recovered: true, messages: stream.entries.slice(from.offset + 1 - first.offset) };
  }

  /** Topics currently kept (for tests and metrics). */
  get size(): number {
    return this.streams.size;
  }

  private schedule(ttlMs: number): void {
    if (ttlMs <= this.longestTtl && this.sweeper) return;
    this.longestTtl = Math.max(this.longestTtl, ttlMs);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = setInterval(() => this.sweep(), this.longestTtl);
    this.sweeper.unref();
  }

  private sweep(): void {
    const cutoff = this.now() - this.longestTtl;
    for (const [topic, stream] of this.streams) if (stream.touched < cutoff) this.streams.delete(topic);
    if (this.streams.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
      this.longestTtl = 0;
    }
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
