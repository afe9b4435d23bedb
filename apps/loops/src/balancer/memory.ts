import { randomUUID } from "node:crypto";
import { addUser, emptyJams, mostPopulatedJamWithCapacityOrNew, removeUser, stats } from "../jam_collection.js";
import type { Jams } from "../jam_collection.js";
import type { Admission, Balancer, JamStats } from "./balancer.js";

/**
 * The balancer of a single node (the original's Agent): the jams live in this process, and every
 * operation is one synchronous step over them, so two joins can never both take the last seat.
 *
 * @example
 * const balancer = new MemoryBalancer();
 * await balancer.admit(await balancer.pick(), "user-1", "ref-1"); // { ok: true, loop: "80s_Back_Beat" }
 */
export class MemoryBalancer implements Balancer {
  readonly description = "in memory";
  private jams: Jams = emptyJams();
  private readonly claimed = new Set<string>();
  /** The new jam offered while every jam is full: the same one until someone sits in it. */
  private pending: string | undefined;

  constructor(private readonly newJamId: () => string = randomUUID) {}

  private readonly fresh = (): string => {
    if (this.pending === undefined || this.jams.has(this.pending)) this.pending = this.newJamId();
    return this.pending;
  };

  async pick(): Promise<string> {
    return mostPopulatedJamWithCapacityOrNew(this.jams, this.fresh);
  }

  async admit(jamId: string, userId: string, ref: string): Promise<Admission> {
    const added = addUser(this.jams, jamId, userId, ref);
    if (!added.ok) return { ok: false, newJamId: mostPopulatedJamWithCapacityOrNew(this.jams, this.fresh) };
    this.jams = added.jams;
    return { ok: true, loop: added.loop };
  }

  async leave(jamId: string, userId: string, ref: string): Promise<void> {
    this.jams = removeUser(this.jams, jamId, userId, ref);
  }

  async stats(): Promise<JamStats> {
    return stats(this.jams);
  }

  async claim(slot: string): Promise<boolean> {
    if (this.claimed.has(slot)) return false;
    this.claimed.clear();
    this.claimed.add(slot);
    return true;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
