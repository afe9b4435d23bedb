import type { Meta } from "./types.js";

type Change = [key: string, meta: Meta];

interface Pending {
  /** Joins not yet sent, by `phx_ref`, in arrival order. */
  joins: Map<string, Change>;
  leaves: Change[];
}

/**
 * Gathers a topic's presence changes for `windowMs` and hands them on as one diff, so N people
 * joining one topic cost each client a diff per window instead of one per join (N² frames).
 *
 * The merged diff is what phoenix.js `Presence.syncDiff` would reach applying the originals one
 * by one: it applies every join before every leave, and refs are unique per track, so a leave of a
 * ref joined within the same window cancels that join (the client never saw it), and any other
 * leave is kept. One timer serves every topic.
 */
export class DiffCoalescer {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly flush: (topic: string, joins: Change[], leaves: Change[]) => void,
    /** Runs after every window's diffs went out (Presence sends the states joiners wait for). */
    private readonly afterFlush?: () => void,
  ) {}

  /** Makes sure a window closes soon even with no change pending (a joiner waits for its state). */
  wake(): void {
    this.timer ??= setTimeout(() => this.flushAll(), this.windowMs);
  }

  add(topic: string, joins: readonly Change[], leaves: readonly Change[]): void {
    let p = this.pending.get(topic);
    if (p === undefined) {
      p = { joins: new Map(), leaves: [] };
      this.pending.set(topic, p);
    }
    for (const change of joins) p.joins.set(change[1].phx_ref, change);
    for (const change of leaves) {
      if (!p.joins.delete(change[1].phx_ref)) p.leaves.push(change);
    }
    this.timer ??= setTimeout(() => this.flushAll(), this.windowMs);
  }

  /** Sends everything pending now (also what a stopping node does). */
  flushAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = new Map();
    for (const [topic, { joins, leaves }] of pending) {
      if (joins.size === 0 && leaves.length === 0) continue;
      this.flush(topic, [...joins.values()], leaves);
    }
    this.afterFlush?.();
  }

  /** Drops what is pending and the timer. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
