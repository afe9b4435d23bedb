import { randomBytes } from "node:crypto";
import type { Logger } from "../util/log.js";
import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { PubSub, Subscriber } from "../pubsub/pubsub.js";
import { RemoteReplica } from "./replica.js";
import type { Diff, Entry, Meta, Op, ReplicaRef, ShardMessage } from "./types.js";
import { addToDiff, entryId } from "./types.js";

export interface ShardSettings {
  broadcastPeriodMs: number;
  maxSilentPeriods: number;
  downPeriodMs: number;
  permdownPeriodMs: number;
}

export interface ShardContext {
  pubsub: PubSub;
  logger: Logger;
  self: ReplicaRef;
  settings: ShardSettings;
  emit(diff: Diff): void;
}

/** Phoenix's random_ref: unique, URL-safe, 16 characters. */
function newRef(): string {
  return randomBytes(12).toString("base64url");
}

/**
 * One tracker shard on this node: owns the entries tracked here, replicates them to the same
 * shard on other nodes (deltas each period, heartbeats when idle, full transfers on gaps), and
 * keeps what the other nodes own, hiding a node that went silent and dropping it for good later.
 */
export class Shard implements Subscriber {
  readonly topic: string;
  private readonly local = new Map<string, Entry>();
  private seq = 0;
  private ops: Op[] = [];
  private silent = 0;
  private readonly replicas = new Map<string, RemoteReplica>();
  private readonly transferAsked = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ShardContext,
    trackerName: string,
    index: number,
  ) {
    this.topic = `phx_presence:${trackerName}_shard${index}`;
  }

  start(): void {
    this.ctx.pubsub.subscribe(this.topic, this);
    // Announce ourselves at once so peers ask for our state, then tick with a random first
    // delay (up to 25%) so shards of nodes started together do not tick in lockstep.
    this.send({ type: "heartbeat", from: this.ctx.self, seq: this.seq });
    const period = this.ctx.settings.broadcastPeriodMs;
    this.timer = setTimeout(
      () => {
        this.tick();
        this.timer = setInterval(() => this.tick(), period);
        this.timer.unref();
      },
      Math.random() * period * 0.25,
    );
    this.timer.unref();
  }

  /** Stops ticking; with `graceful`, tells peers to drop our entries now rather than after the down period. */
  stop(graceful: boolean): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.timer = undefined;
    if (graceful) this.send({ type: "graceful_permdown", from: this.ctx.self });
    this.ctx.pubsub.unsubscribe(this.topic, this);
  }

  // ---- local operations ---------------------------------------------------------------------

  track(owner: string, topic: string, key: string, meta: Record<string, unknown>): Meta | "already_tracked" {
    const id = entryId(topic, owner, key);
    if (this.local.has(id)) return "already_tracked";
    const entry: Entry = { topic, owner, key, meta: { ...meta, phx_ref: newRef() } };
    this.local.set(id, entry);
    this.record({ op: "join", entry });
    const diff: Diff = new Map();
    addToDiff(diff, topic, "joins", key, entry.meta);
    this.ctx.emit(diff);
    return entry.meta;
  }

  update(owner: string, topic: string, key: string, meta: Record<string, unknown> | ((old: Meta) => Record<string, unknown>)): Meta | "nopresence" {
    const id = entryId(topic, owner, key);
    const old = this.local.get(id);
    if (old === undefined) return "nopresence";
    const fields = typeof meta === "function" ? meta(old.meta) : meta;
    const { phx_ref: _ref, phx_ref_prev: _prev, ...rest } = fields as Meta;
    const entry: Entry = { topic, owner, key, meta: { ...rest, phx_ref: newRef(), phx_ref_prev: old.meta.phx_ref } };
    this.local.set(id, entry);
    this.record({ op: "leave", entry: old });
    this.record({ op: "join", entry });
    // One diff with the key in both joins and leaves, as Phoenix reports an update.
    const diff: Diff = new Map();
    addToDiff(diff, topic, "joins", key, entry.meta);
    addToDiff(diff, topic, "leaves", key, old.meta);
    this.ctx.emit(diff);
    return entry.meta;
  }

  untrack(owner: string, topic: string, key: string): void {
    const id = entryId(topic, owner, key);
    const entry = this.local.get(id);
    if (entry === undefined) return;
    this.local.delete(id);
    this.record({ op: "leave", entry });
    const diff: Diff = new Map();
    addToDiff(diff, topic, "leaves", key, entry.meta);
    this.ctx.emit(diff);
  }

  untrackOwner(owner: string): void {
    const diff: Diff = new Map();
    for (const [id, entry] of this.local) {
      if (entry.owner !== owner) continue;
      this.local.delete(id);
      this.record({ op: "leave", entry });
      addToDiff(diff, entry.topic, "leaves", entry.key, entry.meta);
    }
    if (diff.size > 0) this.ctx.emit(diff);
  }

  private record(op: Op): void {
    this.seq += 1;
    this.ops.push(op);
  }

  /** Every presence on `topic` from this node and from every node currently up. */
  list(topic: string): [string, Meta][] {
    const out: [string, Meta][] = [];
    for (const entry of this.local.values()) if (entry.topic === topic) out.push([entry.key, entry.meta]);
    for (const replica of this.replicas.values()) {
      if (replica.status !== "up") continue;
      for (const entry of replica.entries.values()) if (entry.topic === topic) out.push([entry.key, entry.meta]);
    }
    return out;
  }

  /** Replicas by name and state, for introspection and tests. */
  peers(): { name: string; vsn: number; status: "up" | "down" }[] {
    return [...this.replicas.values()].map((r) => ({ name: r.ref.name, vsn: r.ref.vsn, status: r.status }));
  }

  // ---- replication --------------------------------------------------------------------------

  private send(message: ShardMessage, node?: string): void {
    const done =
      node === undefined
        ? this.ctx.pubsub.broadcast(this.topic, "shard", message, { internal: true })
        : this.ctx.pubsub.directBroadcast(node, this.topic, "shard", message);
    done.catch((err) =>
      this.ctx.logger.warn({ err: { message: (err as Error).message } }, `presence: could not send ${message.type}: ${(err as Error).message}`),
    );
  }

  private tick(): void {
    const { maxSilentPeriods } = this.ctx.settings;
    if (this.ops.length > 0) {
      const ops = this.ops;
      this.ops = [];
      this.send({ type: "heartbeat", from: this.ctx.self, seq: this.seq, delta: { from: this.seq - ops.length + 1, ops } });
      this.silent = 0;
    } else if (++this.silent >= maxSilentPeriods) {
      this.send({ type: "heartbeat", from: this.ctx.self, seq: this.seq });
      this.silent = 0;
    }
    this.detectDowns(Date.now());
  }

  private detectDowns(now: number): void {
    const { downPeriodMs, permdownPeriodMs } = this.ctx.settings;
    const diff: Diff = new Map();
    for (const [name, replica] of this.replicas) {
      const silence = now - replica.lastHeartbeat;
      if (silence > permdownPeriodMs) {
        if (replica.status === "up") replica.reportAll("leaves", diff);
        this.replicas.delete(name);
        this.ctx.logger.info({ replica: name }, `presence: ${name} is permanently down; its presences are discarded`);
      } else if (silence > downPeriodMs && replica.status === "up") {
        replica.status = "down";
        replica.reportAll("leaves", diff);
        this.ctx.logger.warn({ replica: name, silence }, `presence: ${name} is down (silent for ${silence}ms); its presences are hidden`);
      }
    }
    if (diff.size > 0) this.ctx.emit(diff);
  }

  deliver(message: BroadcastMessage): void {
    if (message.event !== "shard") return;
    const msg = message.payload as ShardMessage;
    const from = msg?.from;
    if (!from || typeof from.name !== "string" || (from.name === this.ctx.self.name && from.vsn === this.ctx.self.vsn)) return;
    try {
      this.handle(msg);
    } catch (err) {
      this.ctx.logger.error({ err }, `presence: could not apply ${msg.type} from ${from.name}: ${(err as Error).message}`);
    }
  }

  private handle(msg: ShardMessage): void {
    const now = Date.now();
    const diff: Diff = new Map();
    if (msg.type === "transfer_req") {
      this.send({ type: "transfer_ack", from: this.ctx.self, seq: this.seq, entries: [...this.local.values()] }, msg.from.name);
      return;
    }
    if (msg.type === "graceful_permdown") {
      const replica = this.replicas.get(msg.from.name);
      if (replica && replica.ref.vsn === msg.from.vsn) {
        if (replica.status === "up") replica.reportAll("leaves", diff);
        this.replicas.delete(msg.from.name);
        this.ctx.logger.info({ replica: msg.from.name }, `presence: ${msg.from.name} left the cluster`);
      }
      if (diff.size > 0) this.ctx.emit(diff);
      return;
    }
    const replica = this.replicaFor(msg.from, now, diff);
    replica.lastHeartbeat = now;
    if (replica.status === "down") {
      replica.status = "up";
      const caughtUp = msg.type === "heartbeat" && (msg.delta ? msg.delta.from <= replica.seq + 1 : msg.seq <= replica.seq);
      if (caughtUp) {
        replica.reportAll("joins", diff);
      } else {
        // It changed while we could not hear it: what we hold is stale (and was already reported
        // as leaving). Start over from its full state rather than flash presences that are gone.
        replica.entries.clear();
        replica.seq = -1;
      }
      this.ctx.logger.info({ replica: msg.from.name }, `presence: ${msg.from.name} is back up`);
    }
    if (msg.type === "transfer_ack") {
      this.transferAsked.delete(msg.from.name);
      replica.transfer(msg.seq, msg.entries, diff);
    } else {
      const applied = msg.delta ? replica.applyDelta(msg.delta.from, msg.delta.ops, diff) : msg.seq <= replica.seq;
      if (!applied) this.askTransfer(replica, now);
    }
    if (diff.size > 0) this.ctx.emit(diff);
  }

  /** The replica for a sender; a known name with a new vsn is a restarted node: its old life is gone. */
  private replicaFor(ref: ReplicaRef, now: number, diff: Diff): RemoteReplica {
    let replica = this.replicas.get(ref.name);
    if (replica && replica.ref.vsn !== ref.vsn) {
      if (replica.status === "up") replica.reportAll("leaves", diff);
      this.replicas.delete(ref.name);
      replica = undefined;
    }
    if (replica === undefined) {
      replica = new RemoteReplica(ref, now);
      this.replicas.set(ref.name, replica);
      // Introduce ourselves on the next tick so the newcomer learns of us quickly.
      this.silent = this.ctx.settings.maxSilentPeriods;
      this.ctx.logger.info({ replica: ref.name }, `presence: replica ${ref.name} is up`);
    }
    return replica;
  }

  private askTransfer(replica: RemoteReplica, now: number): void {
    const asked = this.transferAsked.get(replica.ref.name);
    if (asked !== undefined && now - asked < this.ctx.settings.broadcastPeriodMs * 2) return;
    this.transferAsked.set(replica.ref.name, now);
    this.send({ type: "transfer_req", from: this.ctx.self }, replica.ref.name);
  }
}
