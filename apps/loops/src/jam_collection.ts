// The jams as plain data, and the balancing decisions over it: which jam a newcomer is sent to,
// whether a seat is free, which loop the seat gets. No I/O; the balancers wrap it.
import { nextLoop } from "./loop_cycler.js";
import type { LoopName } from "./loop_cycler.js";

/** At most this many players share a jam (one per loop). */
export const MAX_USERS = 7;

/** A reserved seat: the player, their loop, and which channel holds it (`ref`). */
export interface Seat {
  userId: string;
  loop: LoopName;
  /** The channel that reserved the seat; only it may free it (a rejoin replaces the ref). */
  ref: string;
}

/** jam id → seats in arrival order. Treated as immutable: every change returns a new map. */
export type Jams = ReadonlyMap<string, readonly Seat[]>;

export type AddResult = { ok: true; jams: Jams; loop: LoopName } | { ok: false };

/** The original's stats shape, as `GET /stats` answers it. */
export interface JamStats {
  jam_count: number;
  user_count: number;
  jams: Record<string, { user_count: number }>;
}

export function emptyJams(): Jams {
  return new Map();
}

/**
 * The jam with the most players that still has room, or `newJamId()` when every jam is full (or
 * there is none). Ties go to the jam created first.
 *
 * @example
 * mostPopulatedJamWithCapacityOrNew(jams, () => randomUUID());
 */
export function mostPopulatedJamWithCapacityOrNew(jams: Jams, newJamId: () => string): string {
  let best: string | undefined;
  let bestSize = 0;
  for (const [id, seats] of jams) {
    if (seats.length < MAX_USERS && seats.length > bestSize) {
      best = id;
      bestSize = seats.length;
    }
  }
  return best ?? newJamId();
}

/**
 * Reserves a seat and its loop, or refuses when the jam already has seven players. A player who
 * already has a seat in the jam keeps it and its loop (a rejoin); the new `ref` owns it.
 *
 * @example
 * const added = addUser(emptyJams(), "jam-1", "user-1", "ref-1");
 * // { ok: true, loop: "80s_Back_Beat", jams: Map { "jam-1" => [{ userId: "user-1", loop: "80s_Back_Beat", ref: "ref-1" }] } }
 */
export function addUser(jams: Jams, jamId: string, userId: string, ref: string): AddResult {
  const seats = jams.get(jamId) ?? [];
  const mine = seats.find((seat) => seat.userId === userId);
  if (mine) {
    return {
      ok: true,
      loop: mine.loop,
      jams: withJam(
        jams,
        jamId,
        seats.map((seat) => (seat === mine ? { ...seat, ref } : seat)),
      ),
    };
  }
  if (seats.length >= MAX_USERS) return { ok: false };
  const loop = nextLoop(seats.map((seat) => seat.loop));
  if (loop === null) return { ok: false };
  return { ok: true, loop, jams: withJam(jams, jamId, [...seats, { userId, loop, ref }]) };
}

/**
 * Frees the player's seat (and so their loop); an empty jam disappears. With `ref`, only the
 * channel that holds the seat frees it, so an old channel ending after a rejoin frees nothing.
 */
export function removeUser(jams: Jams, jamId: string, userId: string, ref?: string): Jams {
  const seats = jams.get(jamId);
  if (!seats) return jams;
  const rest = seats.filter((seat) => seat.userId !== userId || (ref !== undefined && seat.ref !== ref));
  if (rest.length === seats.length) return jams;
  return withJam(jams, jamId, rest);
}

/**
 * Counts per jam and in total.
 *
 * @example
 * stats(jams); // { jam_count: 1, user_count: 2, jams: { "jam-1": { user_count: 2 } } }
 */
export function stats(jams: Jams): JamStats {
  const out: JamStats = { jam_count: 0, user_count: 0, jams: {} };
  for (const [id, seats] of jams) {
    out.jam_count += 1;
    out.user_count += seats.length;
    out.jams[id] = { user_count: seats.length };
  }
  return out;
}

function withJam(jams: Jams, jamId: string, seats: readonly Seat[]): Jams {
  const next = new Map(jams);
  if (seats.length === 0) next.delete(jamId);
  else next.set(jamId, seats);
  return next;
}
