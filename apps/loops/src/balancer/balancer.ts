// The one interface both balancers implement: the single source of truth for who sits in which
// jam with which loop. Admission is atomic: the capacity check, the seat and the loop are one step.
import type { JamStats } from "../jam_collection.js";
import type { LoopName } from "../loop_cycler.js";

export type { JamStats } from "../jam_collection.js";

/** Admitted with a loop, or refused because the jam is full, with the jam to try instead. */
export type Admission = { ok: true; loop: LoopName } | { ok: false; newJamId: string };

/**
 * @example
 * const jamId = await balancer.pick();                       // the page's jam
 * const seat = await balancer.admit(jamId, userId, ref);     // the channel's join
 * if (seat.ok) play(seat.loop); else join(`jams:${seat.newJamId}`);
 * await balancer.leave(jamId, userId, ref);                  // the channel's terminate
 */
export interface Balancer {
  /** For logs: "in memory" or "Redis at …". */
  readonly description: string;
  /** The jam a newcomer should join: the most populated one with room, else a new id. */
  pick(): Promise<string>;
  /** Reserves a seat and a loop in `jamId` for the channel `ref`, or refuses a full jam. */
  admit(jamId: string, userId: string, ref: string): Promise<Admission>;
  /** Frees the seat (and its loop) if the channel `ref` still holds it; an empty jam disappears. */
  leave(jamId: string, userId: string, ref: string): Promise<void>;
  /** Counts over every jam (every node's, for a shared balancer). */
  stats(): Promise<JamStats>;
  /** True for exactly one caller per `slot` (one stats row per period across nodes). */
  claim(slot: string, ttlMs: number): Promise<boolean>;
  start(): Promise<void>;
  close(): Promise<void>;
}
