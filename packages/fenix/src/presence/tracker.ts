import type { Logger } from "../util/log.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { Shard } from "./shard.js";
import type { ShardSettings } from "./shard.js";
import type { Diff, Meta } from "./types.js";

export interface TrackerOptions {
  /** Names the tracker's PubSub topics; trackers with the same name on different nodes replicate (default "presence"). */
  name?: string;
  /** How often deltas go out (default 1500 ms; env `TRACKER_BROADCAST_MS` in the apps). */
  broadcastPeriodMs?: number;
  /** Idle periods before a heartbeat is sent anyway (default 10, i.e. every 15 s). */
  maxSilentPeriods?: number;
  /** A node silent this long is down: its presences are hidden (default broadcast × silent periods × 2 = 30 000 ms). */
  downPeriodMs?: number;
  /** A node silent this long is gone: its presences are discarded (default 1 200 000 ms = 20 min). */
  permdownPeriodMs?: number;
  /** Shards, chosen by topic (default 1). */
  poolSize?: number;
}

export type ResolvedTrackerOptions = Required<TrackerOptions>;

/** Refuses settings under which nodes would be declared down while healthy, as Phoenix.Tracker does. */
export function resolveTrackerOptions(options: TrackerOptions = {}): ResolvedTrackerOptions {
  const broadcastPeriodMs = options.broadcastPeriodMs ?? 1500;
  // With a short down period and no explicit setting, idle heartbeats come often enough for it.
  const maxSilentPeriods =
    options.maxSilentPeriods ??
    (options.downPeriodMs === undefined ? 10 : Math.max(1, Math.min(10, Math.floor(options.downPeriodMs / (2 * broadcastPeriodMs)))));
  const downPeriodMs = options.downPeriodMs ?? broadcastPeriodMs * maxSilentPeriods * 2;
  const permdownPeriodMs = options.permdownPeriodMs ?? 1_200_000;
  const poolSize = options.poolSize ?? 1;
  for (const [name, value] of Object.entries({ broadcastPeriodMs, maxSilentPeriods, downPeriodMs, permdownPeriodMs, poolSize })) {
    if (!(Number.isFinite(value) && value > 0)) throw new Error(`presence tracker: ${name} must be a positive number, got ${value}`);
  }
  if (downPeriodMs < 2 * broadcastPeriodMs) {
    throw new Error(`presence tracker: downPeriodMs (${downPeriodMs}) must be at least twice broadcastPeriodMs (${broadcastPeriodMs})`);
  }
  if (downPeriodMs <= broadcastPeriodMs * maxSilentPeriods) {
    throw new Error(
      `presence tracker: downPeriodMs (${downPeriodMs}) must exceed the idle heartbeat interval broadcastPeriodMs × maxSilentPeriods (${broadcastPeriodMs * maxSilentPeriods}), or idle nodes would be declared down`,
    );
  }
  if (permdownPeriodMs <= downPeriodMs)
    throw new Error(`presence tracker: permdownPeriodMs (${permdownPeriodMs}) must be greater than downPeriodMs (${downPeriodMs})`);
  return { name: options.name ?? "presence", broadcastPeriodMs, maxSilentPeriods, downPeriodMs, permdownPeriodMs, poolSize: Math.floor(poolSize) };
}

/** FNV-1a: a stable topic → shard mapping, the same on every node. */
function shardIndex(topic: string, poolSize: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) {
    hash ^= topic.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % poolSize;
}

/**
 * A replicated presence store in the spirit of Phoenix.Tracker. Each node owns the entries it
 * tracks and replicates them over PubSub; every node ends up with the same `list` for a topic.
 * `onDiff` listeners hear every change — local ones at once, remote ones as they are merged.
 */
export class Tracker {
  readonly options: ResolvedTrackerOptions;
  private readonly shards: Shard[];
  private readonly listeners = new Set<(diff: Diff) => void>();
  private started = false;

  constructor(
    pubsub: PubSub,
    private readonly logger: Logger,
    options: TrackerOptions = {},
  ) {
    this.options = resolveTrackerOptions(options);
    const self = { name: pubsub.nodeName, vsn: Date.now() * 1000 + Math.floor(Math.random() * 1000) };
    const settings: ShardSettings = this.options;
    const emit = (diff: Diff) => {
      for (const listener of this.listeners) {
        try {
          listener(diff);
        } catch (err) {
          // One failing listener must not corrupt the tracker or starve the others.
          this.logger.error({ err }, `presence: a diff listener threw: ${(err as Error)?.message}`);
        }
      }
    };
    this.shards = Array.from({ length: this.options.poolSize }, (_, i) => new Shard({ pubsub, logger, self, settings, emit }, this.options.name, i));
  }

  onDiff(listener: (diff: Diff) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const shard of this.shards) shard.start();
  }

  /** Stops replicating; with `graceful` (default), peers drop this node's presences at once. */
  stop(graceful = true): void {
    if (!this.started) return;
    this.started = false;
    for (const shard of this.shards) shard.stop(graceful);
  }

  private shard(topic: string): Shard {
    return this.shards[this.shards.length === 1 ? 0 : shardIndex(topic, this.shards.length)];
  }

  track(owner: string, topic: string, key: string, meta: Record<string, unknown>): { ok: true; ref: string } | { ok: false; reason: "already_tracked" } {
    const result = this.shard(topic).track(owner, topic, key, meta);
    return result === "already_tracked" ? { ok: false, reason: result } : { ok: true, ref: result.phx_ref };
  }

  update(
    owner: string,
    topic: string,
    key: string,
    meta: Record<string, unknown> | ((old: Meta) => Record<string, unknown>),
  ): { ok: true; ref: string } | { ok: false; reason: "nopresence" } {
    const result = this.shard(topic).update(owner, topic, key, meta);
    return result === "nopresence" ? { ok: false, reason: result } : { ok: true, ref: result.phx_ref };
  }

  untrack(owner: string, topic: string, key: string): void {
    this.shard(topic).untrack(owner, topic, key);
  }

  /** Untracks everything `owner` tracked, on every topic. */
  untrackAll(owner: string): void {
    for (const shard of this.shards) shard.untrackOwner(owner);
  }

  /** `[key, meta]` for every presence on the topic, across the cluster. */
  list(topic: string): [string, Meta][] {
    return this.shard(topic).list(topic);
  }

  /** Other nodes' replicas as this node sees them. */
  peers(): { name: string; vsn: number; status: "up" | "down" }[] {
    return this.shards[0].peers();
  }
}
