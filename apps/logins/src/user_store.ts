// Where the list lives: this process's memory, or Redis (shared by every node). Each change gets
// the next version number in the same atomic step that detects it, so one change is announced by
// exactly one node, and a stream can tell which changes its first snapshot already contains.
import { Redis } from "ioredis";
import { addUser, delUser } from "./user_list.js";

export type Action = "add" | "del";

/** One announced change, as broadcast on the logins topic. */
export interface Change {
  action: Action;
  user: string;
  /** The list's version after this change. */
  version: number;
}

export interface Snapshot {
  /** Newest first. */
  users: string[];
  version: number;
}

export interface UserStore {
  /** The change, or null when `user` was already logged in. */
  add(user: string): Promise<Change | null>;
  /** The change, or null when `user` was not logged in. */
  del(user: string): Promise<Change | null>;
  /** The list and its version, read together. */
  snapshot(): Promise<Snapshot>;
  close(): Promise<void>;
  readonly description: string;
}

/**
 * One node's list, in memory.
 *
 * @example
 * const store = new MemoryUserStore();
 * await store.add("yay"); // { action: "add", user: "yay", version: 1 }
 */
export class MemoryUserStore implements UserStore {
  readonly description = "in memory";
  private users: string[] = [];
  private version = 0;

  async add(user: string): Promise<Change | null> {
    return this.apply("add", user);
  }

  async del(user: string): Promise<Change | null> {
    return this.apply("del", user);
  }

  async snapshot(): Promise<Snapshot> {
    return { users: [...this.users], version: this.version };
  }

  async close(): Promise<void> {}

  private apply(action: Action, user: string): Change | null {
    const outcome = action === "add" ? addUser(this.users, user) : delUser(this.users, user);
    if (!outcome.changed) return null;
    this.users = outcome.users;
    return { action, user, version: ++this.version };
  }
}

// A sorted set scored by version keeps the newest login first; the check and the write run in one
// script, so two nodes racing on one name cannot both see a change.
const ADD = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local v = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], v, ARGV[1])
return v`;

const DEL = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
return redis.call('INCR', KEYS[2])`;

/**
 * The list in Redis, shared by every node using the same `url` and `key`.
 *
 * @example
 * const store = new RedisUserStore({ url: "redis://localhost:6379" });
 * await store.del("yay"); // null: yay was not logged in
 */
export class RedisUserStore implements UserStore {
  readonly description: string;
  private readonly redis: Redis;
  private readonly usersKey: string;
  private readonly versionKey: string;

  constructor(options: { url: string; key?: string }) {
    const key = options.key ?? "logins";
    this.usersKey = `${key}:users`;
    this.versionKey = `${key}:version`;
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 2 });
    this.redis.on("error", () => undefined); // failed commands reject; reconnecting is ioredis's job
    this.description = `redis ${options.url.replace(/\/\/[^@]*@/, "//")} (${this.usersKey})`;
  }

  async add(user: string): Promise<Change | null> {
    const version = Number(await this.redis.eval(ADD, 2, this.usersKey, this.versionKey, user));
    return version === 0 ? null : { action: "add", user, version };
  }

  async del(user: string): Promise<Change | null> {
    const version = Number(await this.redis.eval(DEL, 2, this.usersKey, this.versionKey, user));
    return version === 0 ? null : { action: "del", user, version };
  }

  async snapshot(): Promise<Snapshot> {
    const results = await this.redis.multi().zrevrange(this.usersKey, 0, -1).get(this.versionKey).exec();
    if (results === null) throw new Error("redis: the snapshot transaction was discarded");
    for (const [err] of results) if (err) throw err;
    return { users: results[0][1] as string[], version: Number(results[1][1] ?? 0) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
