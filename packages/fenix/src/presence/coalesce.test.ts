// Coalesced diffs against the official client's own merge: applying one merged diff with
// phoenix.js `Presence.syncDiff` must give the state that applying every original diff gives.
import { Presence as ClientPresence } from "phoenix";
import { describe, expect, it } from "vitest";
import { DiffCoalescer } from "./coalesce.js";
import type { Meta } from "./types.js";

type Change = [string, Meta];
type State = Record<string, { metas: Meta[] }>;

function group(changes: readonly Change[]): State {
  const out: State = {};
  for (const [key, meta] of changes) (out[key] ??= { metas: [] }).metas.push({ ...meta });
  return out;
}

const apply = (state: State, joins: readonly Change[], leaves: readonly Change[]): State =>
  ClientPresence.syncDiff(state, { joins: group(joins), leaves: group(leaves) }) as State;

/** Order-free view: the client keeps metas in an order that depends on how diffs arrived. */
const normal = (state: State) =>
  Object.fromEntries(
    Object.entries(state)
      .map(([k, v]) => [k, [...v.metas].sort((a, b) => a.phx_ref.localeCompare(b.phx_ref))] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** A seeded generator, so a failure names a reproducible sequence. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** A random run of tracks, updates and untracks, as a tracker reports them (one diff each). */
function randomDiffs(seed: number, before: Map<string, Change>): { joins: Change[]; leaves: Change[] }[] {
  const random = rng(seed);
  const live = new Map(before);
  let next = 0;
  const diffs: { joins: Change[]; leaves: Change[] }[] = [];
  for (let i = 0; i < 40; i++) {
    const roll = random();
    const key = `user${Math.floor(random() * 6)}`;
    const mine = [...live.values()].filter(([k]) => k === key);
    if (roll < 0.45 || mine.length === 0) {
      const meta: Meta = { phx_ref: `r${seed}-${next++}`, n: i };
      live.set(meta.phx_ref, [key, meta]);
      diffs.push({ joins: [[key, meta]], leaves: [] });
    } else if (roll < 0.75) {
      const old = mine[Math.floor(random() * mine.length)];
      live.delete(old[1].phx_ref);
      diffs.push({ joins: [], leaves: [old] });
    } else {
      const old = mine[Math.floor(random() * mine.length)];
      const meta: Meta = { phx_ref: `r${seed}-${next++}`, phx_ref_prev: old[1].phx_ref, n: i, status: "away" };
      live.delete(old[1].phx_ref);
      live.set(meta.phx_ref, [key, meta]);
      diffs.push({ joins: [[key, meta]], leaves: [old] });
    }
  }
  return diffs;
}

describe("DiffCoalescer", () => {
  it("ends every client where the diffs one by one would (phoenix.js syncDiff), in one diff", () => {
    for (let seed = 1; seed <= 200; seed++) {
      // Some presences were already known to the client before the window opened.
      const before = new Map<string, Change>([
        ["p1", ["user0", { phx_ref: "p1" }]],
        ["p2", ["user1", { phx_ref: "p2" }]],
      ]);
      const initial = group([...before.values()]);
      const diffs = randomDiffs(seed, before);
      let oneByOne = structuredClone(initial);
      for (const d of diffs) oneByOne = apply(oneByOne, d.joins, d.leaves);

      const sent: [string, Change[], Change[]][] = [];
      const coalescer = new DiffCoalescer(60_000, (topic, joins, leaves) => sent.push([topic, joins, leaves]));
      for (const d of diffs) coalescer.add("room:1", d.joins, d.leaves);
      coalescer.flushAll();
      expect(sent.length, `seed ${seed}`).toBeLessThanOrEqual(1);
      const merged = sent.reduce((state, [, joins, leaves]) => apply(state, joins, leaves), structuredClone(initial));
      expect(normal(merged), `seed ${seed}`).toEqual(normal(oneByOne));
    }
  });

  it("cancels a track and untrack inside one window, and keeps topics apart", () => {
    const sent: [string, Change[], Change[]][] = [];
    const coalescer = new DiffCoalescer(60_000, (topic, joins, leaves) => sent.push([topic, joins, leaves]));
    const a: Change = ["alice", { phx_ref: "a1" }];
    const b: Change = ["bob", { phx_ref: "b1" }];
    coalescer.add("room:1", [a], []);
    coalescer.add("room:2", [b], []);
    coalescer.add("room:1", [], [a]);
    coalescer.flushAll();
    expect(sent).toEqual([["room:2", [b], []]]);
  });

  it("sends on its one timer after the window, and nothing after clear", async () => {
    const sent: string[] = [];
    const coalescer = new DiffCoalescer(20, (topic) => sent.push(topic));
    coalescer.add("room:1", [["alice", { phx_ref: "a1" }]], []);
    coalescer.add("room:2", [["bob", { phx_ref: "b1" }]], []);
    await expect.poll(() => sent).toEqual(["room:1", "room:2"]);
    coalescer.add("room:3", [["carol", { phx_ref: "c1" }]], []);
    coalescer.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual(["room:1", "room:2"]);
  });
});
