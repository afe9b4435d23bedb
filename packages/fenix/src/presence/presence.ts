import type { PubSub } from "../pubsub/pubsub.js";
import { telemetry } from "../util/telemetry.js";
import type { Logger } from "../util/log.js";
import { DiffCoalescer } from "./coalesce.js";
import { Tracker } from "./tracker.js";
import type { TrackerOptions } from "./tracker.js";
import type { Diff, Meta } from "./types.js";

/** Presences grouped by key, the shape phoenix.js `Presence` consumes: `{key: {metas: [...]}}`. */
export type Presences = Record<string, { metas: Meta[]; [extra: string]: unknown }>;

export interface PresenceOptions extends TrackerOptions {
  /**
   * Enriches presences before they go to clients (Phoenix's `fetch/2`): called once per list and
   * once per side of a diff with every key at once, so a database can be asked in one batch.
   */
  fetch?: (topic: string, presences: Presences) => Presences | Promise<Presences>;
  /**
   * Merges each topic's changes over this many milliseconds into one `presence_diff` (0, the
   * default: one diff per change). When thousands join one topic, every join otherwise sends a
   * diff to everyone already there; 50–100 ms turns N² frames into a few per client per window.
   * Clients end with the same list either way.
   */
  coalesceMs?: number;
}

/**
 * What Presence needs of a channel: its topic, and a hook that runs once when it ends. A
 * channel's socket (`ChannelSocket`) is one.
 */
export interface PresenceSubject {
  readonly topic: string;
  onEnd(callback: () => void): void;
}

/**
 * A subject that can take a message encoded once for many (a channel: the same frame bytes for
 * every channel of one serializer). With coalescing on, `pushState` uses it so the joiners of one
 * window share one encoded `presence_state`.
 */
export interface SharedDeliverySubject extends PresenceSubject {
  deliverShared(message: { topic: string; event: string; payload: unknown }, scratch: Record<symbol, unknown>): void;
}

function group(entries: readonly [string, Meta][]): Presences {
  const out: Presences = {};
  for (const [key, meta] of entries) {
    const k = String(key);
    (out[k] ??= { metas: [] }).metas.push(meta);
  }
  return out;
}

/**
 * Presence for channels, on a replicated Tracker. `track` ties an entry to the channel: it is
 * untracked whenever the channel ends, however it ends. Every change reaches the topic's
 * subscribers on every node as a `presence_diff`; push `presence_state` after join.
 *
 * The endpoint creates it (`new Endpoint({ presence: {} })`); channels reach it as `socket.presence`.
 *
 * @example
 * const RoomChannel = defineChannel({
 *   join(_topic, _payload, socket) { socket.send("after_join"); },
 *   async handleInfo(_msg, socket) {
 *     await socket.presence.pushState(socket);
 *     socket.presence.track(socket, socket.assigns.user, { online_at: Date.now() });
 *   },
 * });
 */
export class Presence {
  readonly tracker: Tracker;
  private readonly owners = new WeakMap<PresenceSubject, string>();
  private nextOwner = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly sizes = new Map<string, number>();
  private readonly coalescer: DiffCoalescer | undefined;
  /** Joiners waiting for the state at the end of the current window, by topic. */
  private awaitingState = new Map<string, Set<SharedDeliverySubject>>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
    private readonly options: PresenceOptions = {},
  ) {
    this.tracker = new Tracker(pubsub, logger, options);
    this.tracker.onDiff((diff) => this.broadcastDiff(diff));
    const windowMs = options.coalesceMs ?? 0;
    if (!Number.isFinite(windowMs) || windowMs < 0) throw new Error(`presence coalesceMs must be a number of milliseconds ≥ 0, got ${options.coalesceMs}`);
    if (windowMs > 0) {
      this.coalescer = new DiffCoalescer(
        windowMs,
        (topic, joins, leaves) => this.sendDiff(topic, joins, leaves),
        () => this.sendAwaitedStates(),
      );
    }
  }

  /** Starts replicating (the endpoint calls it once PubSub is connected). */
  start(): unknown {
    return this.tracker.start();
  }

  /** Leaves the cluster gracefully: other nodes drop this node's presences at once. */
  stop(): unknown {
    this.coalescer?.flushAll();
    return this.tracker.stop(true);
  }

  private owner(socket: PresenceSubject): string {
    let owner = this.owners.get(socket);
    if (owner === undefined) {
      owner = `${socket.topic}#${++this.nextOwner}`;
      this.owners.set(socket, owner);
      const id = owner;
      // No ghosts: whatever ends the channel (leave, close, crash, timeout) untracks it.
      socket.onEnd(() => this.tracker.untrackAll(id));
    }
    return owner;
  }

  /** Tracks the channel's client under `key` on the channel's topic. */
  track(
    socket: PresenceSubject,
    key: string | number,
    meta: Record<string, unknown> = {},
  ): { ok: true; ref: string } | { ok: false; reason: "already_tracked" } {
    return this.tracker.track(this.owner(socket), socket.topic, String(key), meta);
  }

  /** Replaces the meta (or derives it from the old one): one diff with the key in joins and leaves. */
  update(
    socket: PresenceSubject,
    key: string | number,
    meta: Record<string, unknown> | ((old: Meta) => Record<string, unknown>),
  ): { ok: true; ref: string } | { ok: false; reason: "nopresence" } {
    return this.tracker.update(this.owner(socket), socket.topic, String(key), meta);
  }

  untrack(socket: PresenceSubject, key: string | number): void {
    this.tracker.untrack(this.owner(socket), socket.topic, String(key));
  }

  /** Everyone on the topic (or the socket's topic), grouped by key and passed through `fetch`. */
  async list(topic: string | PresenceSubject): Promise<Presences> {
    const name = typeof topic === "string" ? topic : topic.topic;
    const grouped = group(this.tracker.list(name));
    return this.options.fetch ? await this.options.fetch(name, grouped) : grouped;
  }

  /** One key's presences, or undefined. */
  async getByKey(topic: string | PresenceSubject, key: string | number): Promise<Presences[string] | undefined> {
    const name = typeof topic === "string" ? topic : topic.topic;
    const k = String(key);
    const grouped = group(this.tracker.list(name).filter(([entryKey]) => entryKey === k));
    const fetched = this.options.fetch && grouped[k] ? await this.options.fetch(name, grouped) : grouped;
    return fetched[k];
  }

  /** Tracked presences (metas, every node's) per topic, kept from the diffs; for metrics and dashboards. */
  topicSizes(): ReadonlyMap<string, number> {
    return this.sizes;
  }

  /**
   * Pushes `presence_state` to the channel's client, as Phoenix apps do after join. With
   * `coalesceMs` the state goes out when the current window closes, right after its diff, encoded
   * once for every channel that joined the topic in that window: a crowd joining one topic costs
   * one state encoding per window instead of one per joiner, each of them as big as the crowd.
   */
  async pushState(socket: PresenceSubject & { push(event: string, payload: unknown): void }): Promise<void> {
    if (this.coalescer && typeof (socket as Partial<SharedDeliverySubject>).deliverShared === "function") {
      const subject = socket as unknown as SharedDeliverySubject;
      let waiting = this.awaitingState.get(subject.topic);
      if (waiting === undefined) {
        waiting = new Set();
        this.awaitingState.set(subject.topic, waiting);
      }
      const set = waiting;
      set.add(subject);
      subject.onEnd(() => set.delete(subject));
      this.coalescer.wake();
      return;
    }
    socket.push("presence_state", await this.list(socket.topic));
  }

  private sendAwaitedStates(): void {
    const awaiting = this.awaitingState;
    this.awaitingState = new Map();
    for (const [topic, subjects] of awaiting) {
      if (subjects.size === 0) continue;
      const send = (payload: Presences) => {
        // One scratch for all: each serializer encodes the frame once (the broadcast fastlane).
        const message = { topic, event: "presence_state", payload };
        const scratch: Record<symbol, unknown> = {};
        for (const subject of subjects) subject.deliverShared(message, scratch);
      };
      const grouped = group(this.tracker.list(topic));
      if (!this.options.fetch) {
        send(grouped);
        continue;
      }
      const fetch = this.options.fetch;
      this.queue = this.queue.then(async () => {
        try {
          send(await fetch(topic, grouped));
        } catch (err) {
          this.logger.error({ err, topic }, `presence: fetch failed for ${topic}; presence_state not sent: ${(err as Error)?.message}`);
        }
      });
    }
  }

  /**
   * Each node broadcasts the diffs its own tracker sees to its own subscribers only: every node's
   * tracker gets every change, so publishing further would deliver duplicates.
   */
  private broadcastDiff(diff: Diff): void {
    for (const [topic, { joins, leaves }] of diff) {
      const size = (this.sizes.get(topic) ?? 0) + joins.length - leaves.length;
      if (size > 0) this.sizes.set(topic, size);
      else this.sizes.delete(topic);
      if (telemetry.presenceDiff.hasSubscribers) {
        telemetry.presenceDiff.publish({ runtime: this.pubsub.owner ?? this.pubsub, topic, joins: joins.length, leaves: leaves.length });
      }
      if (this.coalescer) this.coalescer.add(topic, joins, leaves);
      else this.sendDiff(topic, joins, leaves);
    }
  }

  private sendDiff(topic: string, joins: readonly [string, Meta][], leaves: readonly [string, Meta][]): void {
    const payload = { joins: group(joins), leaves: group(leaves) };
    if (!this.options.fetch) {
      this.pubsub.localBroadcast(topic, "presence_diff", payload);
      return;
    }
    const fetch = this.options.fetch;
    // Diffs go out in the order they happened, even when fetch takes a while.
    this.queue = this.queue.then(async () => {
      try {
        const [j, l] = await Promise.all([fetch(topic, payload.joins), fetch(topic, payload.leaves)]);
        this.pubsub.localBroadcast(topic, "presence_diff", { joins: j, leaves: l });
      } catch (err) {
        this.logger.error({ err, topic }, `presence: fetch failed for ${topic}; diff not sent: ${(err as Error)?.message}`);
      }
    });
  }
}
