import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import type { HistoryEntry, HistoryStore, Position, Recovery, ResolvedHistoryOptions } from "./history.js";

export interface RedisHistoryOptions {
  url: string;
  /** Key prefix (default "fenix"). */
  namespace?: string;
  redis?: RedisOptions;
}

// Appends atomically: the epoch is created with the stream, and the whole stream (epoch, counter,
// entries) expires together once the topic has been idle for the TTL — so a later message starts
// a new epoch, exactly as the in-memory history does.
const APPEND = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[4]
  redis.call('SET', KEYS[3], epoch)
  redis.call('DEL', KEYS[1], KEYS[2])
end
local offset = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], offset .. '|' .. ARGV[5] .. '|' .. ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return {epoch, offset}
`;

const POSITION = `
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[3], epoch, 'PX', ARGV[2])
  redis.call('DEL', KEYS[1], KEYS[2])
end
local offset = redis.call('GET', KEYS[2]) or '0'
return {epoch, offset, redis.call('LRANGE', KEYS[1], 0, -1)}
`;

function encodeEntry(event: string, payload: unknown): string {
  if (payload instanceof Uint8Array) return JSON.stringify({ e: event, p: Buffer.from(payload).toString("base64"), b: 1 });
  return JSON.stringify({ e: event, p: payload });
}

function decodeEntry(raw: string): HistoryEntry | null {
  const first = raw.indexOf("|");
  const second = raw.indexOf("|", first + 1);
  if (first < 0 || second < 0) return null;
  try {
    const body = JSON.parse(raw.slice(second + 1)) as { e: string; p: unknown; b?: 1 };
    const payload = body.b === 1 && typeof body.p === "string" ? new Uint8Array(Buffer.from(body.p, "base64")) : body.p;
    return { offset: Number(raw.slice(0, first)), at: Number(raw.slice(first + 1, second)), event: body.e, payload };
  } catch {
    return null;
  }
}

/**
 * Message history kept in Redis, so a client recovers what it missed whichever node it
 * reconnects to. Offsets come from one Redis counter per topic, so every node agrees on them.
 *
 * @example
 * new Endpoint({ pubsubAdapter: new RedisAdapter({ url }), history: new RedisHistory({ url }) });
 */
export class RedisHistory implements HistoryStore {
  private readonly client: Redis;
  private readonly namespace: string;
  private readonly connected: Promise<void>;

  constructor(options: RedisHistoryOptions) {
    this.namespace = options.namespace ?? "fenix";
    // No offline queue: while Redis is away calls fail fast (the broadcast still goes out, without an id).
    this.client = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, ...options.redis });
    this.client.on("error", () => {
      // Failures surface on each call (and are logged by the PubSub); the client reconnects itself.
    });
    this.connected = this.client.connect().catch(() => {});
  }

  private async eval(script: string, topic: string, ...args: (string | number)[]): Promise<unknown> {
    await this.connected;
    return this.client.eval(script, 3, ...this.keys(topic), ...args);
  }

  private keys(topic: string): [string, string, string] {
    const base = `${this.namespace}:history:{${topic}}`;
    return [`${base}:entries`, `${base}:offset`, `${base}:epoch`];
  }

  async append(topic: string, event: string, payload: unknown, options: ResolvedHistoryOptions): Promise<Position> {
    const [epoch, offset] = (await this.eval(
      APPEND,
      topic,
      encodeEntry(event, payload),
      options.size,
      options.ttlMs,
      randomBytes(6).toString("base64url"),
      Date.now(),
    )) as [string, number];
    return { epoch, offset: Number(offset) };
  }

  private async read(topic: string, options: ResolvedHistoryOptions): Promise<{ position: Position; entries: HistoryEntry[] }> {
    const [epoch, offset, raw] = (await this.eval(POSITION, topic, randomBytes(6).toString("base64url"), options.ttlMs)) as [string, string, string[]];
    const oldest = Date.now() - options.ttlMs;
    const entries = raw.map(decodeEntry).filter((e): e is HistoryEntry => e !== null && e.at >= oldest);
    return { position: { epoch, offset: Number(offset) }, entries };
  }

  async position(topic: string, options: ResolvedHistoryOptions): Promise<Position> {
    return (await this.read(topic, options)).position;
  }

  async since(topic: string, from: Position, options: ResolvedHistoryOptions): Promise<Recovery> {
    const { position, entries } = await this.read(topic, options);
    if (from.epoch !== position.epoch || from.offset > position.offset) return { recovered: false, messages: [] };
    if (from.offset === position.offset) return { recovered: true, messages: [] };
    const first = entries[0];
    if (first === undefined || first.offset > from.offset + 1) return { recovered: false, messages: [] };
    return { recovered: true, messages: entries.filter((e) => e.offset > from.offset) };
  }

  async stop(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
