import type { Diff, Entry, Op, ReplicaRef } from "./types.js";
import { addToDiff, entryId } from "./types.js";

/**
 * What this node knows of one remote shard. Only the owning node ever adds or removes its entries,
 * so replication is a sequence of that node's operations: contiguous deltas apply, and a gap (or a
 * new replica) is repaired by a full transfer from the owner.
 */
export class RemoteReplica {
  /** Last operation sequence applied; -1 until the first transfer. */
  seq = -1;
  status: "up" | "down" = "up";
  lastHeartbeat: number;
  readonly entries = new Map<string, Entry>();

  constructor(
    readonly ref: ReplicaRef,
    now: number,
  ) {
    this.lastHeartbeat = now;
  }

  /** Applies a delta if it follows what we have; false means we missed something (transfer needed). */
  applyDelta(from: number, ops: Op[], diff: Diff): boolean {
    if (this.seq === -1 && from !== 1) return false;
    if (from > this.seq + 1) return false;
    // Ops up to `seq` were already applied (a transfer raced the delta): skip them.
    const skip = Math.max(0, this.seq + 1 - from);
    for (let i = skip; i < ops.length; i++) this.apply(ops[i], diff);
    this.seq = Math.max(this.seq, from + ops.length - 1);
    return true;
  }

  private apply(op: Op, diff: Diff): void {
    const id = entryId(op.entry.topic, op.entry.owner, op.entry.key);
    if (op.op === "join") {
      this.entries.set(id, op.entry);
      if (this.status === "up") addToDiff(diff, op.entry.topic, "joins", op.entry.key, op.entry.meta);
    } else {
      const existing = this.entries.get(id);
      if (existing === undefined || existing.meta.phx_ref !== op.entry.meta.phx_ref) return;
      this.entries.delete(id);
      if (this.status === "up") addToDiff(diff, op.entry.topic, "leaves", op.entry.key, existing.meta);
    }
  }

  /** Replaces the state with the owner's full state, reporting the difference. */
  transfer(seq: number, entries: Entry[], diff: Diff): void {
    if (seq < this.seq) return;
    const incoming = new Map(entries.map((e) => [entryId(e.topic, e.owner, e.key), e]));
    for (const [id, entry] of this.entries) {
      const next = incoming.get(id);
      if (next === undefined || next.meta.phx_ref !== entry.meta.phx_ref) {
        this.entries.delete(id);
        if (this.status === "up") addToDiff(diff, entry.topic, "leaves", entry.key, entry.meta);
      }
    }
    for (const [id, entry] of incoming) {
      if (this.entries.has(id)) continue;
      this.entries.set(id, entry);
      if (this.status === "up") addToDiff(diff, entry.topic, "joins", entry.key, entry.meta);
    }
    this.seq = seq;
  }

  /** Reports every entry as joining (replica back up) or leaving (down or gone). */
  reportAll(kind: "joins" | "leaves", diff: Diff): void {
    for (const entry of this.entries.values()) addToDiff(diff, entry.topic, kind, entry.key, entry.meta);
  }
}
