import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { MAX_USERS } from "../jam_collection.js";
import { LOOP_NAMES } from "../loop_cycler.js";
import type { LoopName } from "../loop_cycler.js";
import type { Admission, Balancer, JamStats } from "./balancer.js";
import { ADMIT, LEAVE, PICK, RELEASE, RENEW, STATS } from "./redis_scripts.js";

export interface RedisBalancerOptions {
  url: string;
  /** This node's name: its seats are tagged with it and freed when its lease runs out. Unique per process. */
  nodeName: string;
  /** How long a silent node keeps its seats (the tracker's down period; default 30 000 ms). */
  downPeriodMs?: number;
  /** Prefix of every key (default "loops"); tests use a random one. */
  prefix?: string;
  newJamId?: () => string;
}

type Scripted = Redis & {
  loopsPick(...argv: (string | number)[]): Promise<string>;
  loopsAdmit(...argv: (string | number)[]): Promise<[string, string]>;
  loopsLeave(...argv: (string | number)[]): Promise<number>;
  loopsStats(...argv: (string | number)[]): Promise<string[]>;
  loopsRenew(...argv: (string | number)[]): Promise<number>;
  loopsRelease(...argv: (string | number)[]): Promise<number>;
};

/**
 * The cluster-wide balancer: the jams live in Redis and every operation is one Lua script, so two
 * players admitted at the same instant on two nodes still never make eight. Each node renews a
 * lease every third of the down period; a node that stops renewing (killed, cut off) loses its
 * seats at the next admission, pick, stats or heartbeat of any live node once the lease expires.
 *
 * @example
 * const balancer = new RedisBalancer({ url: "redis://127.0.0.1:6379", nodeName: "a@host" });
 * await balancer.start();
 * await balancer.admit("jam-1", "user-1", "ref-1"); // { ok: true, loop: "80s_Back_Beat" }
 */
export class RedisBalancer implements Balancer {
  readonly description: string;
  private readonly redis: Scripted;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly newJamId: () => string;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RedisBalancerOptions) {
    this.prefix = options.prefix ?? "loops";
    this.leaseMs = Math.max(1, Math.round(options.downPeriodMs ?? 30_000));
    this.newJamId = options.newJamId ?? randomUUID;
    this.description = `Redis at ${redact(options.url)} (prefix ${this.prefix})`;
    const redis = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: true });
    redis.on("error", () => {});
    for (const [name, lua] of Object.entries({
      loopsPick: PICK,
      loopsAdmit: ADMIT,
      loopsLeave: LEAVE,
      loopsStats: STATS,
      loopsRenew: RENEW,
      loopsRelease: RELEASE,
    })) {
      redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
    this.redis = redis as Scripted;
  }

  /** Connects, frees the seats a previous process of the same name left behind, and starts the lease. */
  async start(): Promise<void> {
    await this.redis.connect();
    await this.redis.loopsRelease(this.prefix, this.options.nodeName);
    await this.renew();
    this.timer = setInterval(() => void this.renew().catch(() => undefined), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    await this.redis.loopsRenew(this.prefix, this.options.nodeName, this.leaseMs);
  }

  async pick(): Promise<string> {
    return this.redis.loopsPick(this.prefix, MAX_USERS, this.newJamId());
  }

  async admit(jamId: string, userId: string, ref: string): Promise<Admission> {
    const [status, value] = await this.redis.loopsAdmit(
      this.prefix,
      this.options.nodeName,
      this.leaseMs,
      MAX_USERS,
      jamId,
      userId,
      ref,
      this.newJamId(),
      ...LOOP_NAMES,
    );
    if (status === "ok") return { ok: true, loop: value as LoopName };
    return { ok: false, newJamId: value };
  }

  async leave(jamId: string, userId: string, ref: string): Promise<void> {
    await this.redis.loopsLeave(this.prefix, jamId, userId, ref);
  }

  async stats(): Promise<JamStats> {
    const flat = await this.redis.loopsStats(this.prefix);
    const out: JamStats = { jam_count: 0, user_count: 0, jams: {} };
    for (let i = 0; i < flat.length; i += 2) {
      const count = Number(flat[i + 1]);
      out.jam_count += 1;
      out.user_count += count;
      out.jams[flat[i]] = { user_count: count };
    }
    return out;
  }

  async claim(slot: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:claim:${slot}`, this.options.nodeName, "PX", Math.max(1, Math.round(ttlMs)), "NX")) === "OK";
  }

  /** Stops the lease and frees this node's seats (its channels have ended), then disconnects. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      if (this.redis.status === "ready") await this.redis.loopsRelease(this.prefix, this.options.nodeName);
    } finally {
      this.redis.disconnect();
    }
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "redis://…";
  }
}
