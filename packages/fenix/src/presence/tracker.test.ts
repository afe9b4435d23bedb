// Tracker replication between nodes joined by an in-process bus (no Redis needed here; the Redis
// path is covered by the multi-node tests), with short periods and fake-free real timers.
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../util/log.js";
import type { BroadcastMessage, PubSubAdapter } from "../pubsub/adapter.js";
import { PubSub } from "../pubsub/pubsub.js";
import { Tracker, resolveTrackerOptions } from "./tracker.js";
import type { Diff } from "./types.js";

/** A bus joining PubSubs in one process; `cut` drops every message to and from a node. */
class Bus {
  nodes = new Map<string, (m: BroadcastMessage) => void>();
  cut = new Set<string>();
  adapter(): PubSubAdapter {
    let me = "";
    return {
      start: (name, deliver) => {
        me = name;
        this.nodes.set(name, deliver);
      },
      publish: async (m) => {
        if (this.cut.has(me)) throw new Error("cut off");
        for (const [name, deliver] of this.nodes) if (name !== me && !this.cut.has(name)) queueMicrotask(() => deliver(structuredClone(m)));
      },
      directPublish: async (node, m) => {
        if (this.cut.has(me) || this.cut.has(node)) throw new Error("cut off");
        const deliver = this.nodes.get(node);
        if (deliver) queueMicrotask(() => deliver(structuredClone(m)));
      },
      stop: () => {
        this.nodes.delete(me);
      },
    };
  }
}

const logger = createLogger({ level: "silent" });
const trackers: Tracker[] = [];
afterEach(() => {
  for (const t of trackers.splice(0)) t.stop(false);
});

async function node(bus: Bus, name: string, options = {}) {
  const pubsub = new PubSub(name, bus.adapter());
  await pubsub.start();
  const tracker = new Tracker(pubsub, logger, { broadcastPeriodMs: 50, downPeriodMs: 400, permdownPeriodMs: 1_000, ...options });
  const diffs: Diff[] = [];
  tracker.onDiff((d) => diffs.push(d));
  tracker.start();
  trackers.push(tracker);
  return { tracker, diffs, pubsub };
}

const keys = (t: Tracker, topic: string) =>
  t
    .list(topic)
    .map(([k]) => k)
    .sort();

describe("Tracker", () => {
  it("replicates tracks, updates and untracks to every node", async () => {
    const bus = new Bus();
    const a = await node(bus, "a");
    const b = await node(bus, "b");
    const c = await node(bus, "c");
    expect(a.tracker.track("o1", "room", "alice", { n: 1 })).toMatchObject({ ok: true });
    b.tracker.track("o2", "room", "bob", {});
    await expect
      .poll(() => [keys(a.tracker, "room"), keys(b.tracker, "room"), keys(c.tracker, "room")])
      .toEqual([
        ["alice", "bob"],
        ["alice", "bob"],
        ["alice", "bob"],
      ]);
    a.tracker.update("o1", "room", "alice", (old) => ({ ...old, n: 2 }));
    await expect.poll(() => c.tracker.list("room").find(([k]) => k === "alice")?.[1]).toMatchObject({ n: 2, phx_ref_prev: expect.any(String) });
    a.tracker.untrack("o1", "room", "alice");
    await expect.poll(() => keys(c.tracker, "room")).toEqual(["bob"]);
  });

  it("reports local changes at once, with an update as one diff carrying the key in joins and leaves", () => {
    const bus = new Bus();
    return node(bus, "solo").then(({ tracker, diffs }) => {
      tracker.track("o", "t", "k", { v: 1 });
      expect(tracker.track("o", "t", "k", {})).toEqual({ ok: false, reason: "already_tracked" });
      tracker.update("o", "t", "k", { v: 2 });
      expect(diffs).toHaveLength(2);
      const update = diffs[1].get("t");
      expect(update?.joins.map(([k, m]) => [k, m.v])).toEqual([["k", 2]]);
      expect(update?.leaves.map(([k, m]) => [k, m.v])).toEqual([["k", 1]]);
      expect(update?.joins[0][1].phx_ref_prev).toBe(update?.leaves[0][1].phx_ref);
      expect(tracker.update("other", "t", "k", {})).toEqual({ ok: false, reason: "nopresence" });
    });
  });

  it("hides a silent node's presences after the down period and restores them when it returns", async () => {
    const bus = new Bus();
    const a = await node(bus, "a");
    const b = await node(bus, "b");
    b.tracker.track("o", "room", "bob", {});
    await expect.poll(() => keys(a.tracker, "room")).toEqual(["bob"]);
    bus.cut.add("b");
    await expect.poll(() => keys(a.tracker, "room"), { timeout: 2_000 }).toEqual([]);
    expect(a.tracker.peers()).toEqual([expect.objectContaining({ name: "b", status: "down" })]);
    b.tracker.track("o", "room", "bob2", {});
    bus.cut.delete("b");
    await expect.poll(() => keys(a.tracker, "room"), { timeout: 2_000 }).toEqual(["bob", "bob2"]);
  });

  it("drops a gracefully stopped node at once, and a silent one for good after permdown", async () => {
    const bus = new Bus();
    const a = await node(bus, "a");
    const b = await node(bus, "b");
    const c = await node(bus, "c");
    b.tracker.track("o", "room", "bob", {});
    c.tracker.track("o", "room", "carol", {});
    await expect.poll(() => keys(a.tracker, "room")).toEqual(["bob", "carol"]);
    b.tracker.stop(true);
    await expect.poll(() => keys(a.tracker, "room"), { timeout: 300 }).toEqual(["carol"]);
    bus.cut.add("c");
    await expect.poll(() => a.tracker.peers().map((p) => p.name), { timeout: 3_000 }).toEqual([]);
  });

  it("treats a restarted node (same name, new vsn) as new: its old presences leave", async () => {
    const bus = new Bus();
    const a = await node(bus, "a");
    const b1 = await node(bus, "b");
    b1.tracker.track("o", "room", "old", {});
    await expect.poll(() => keys(a.tracker, "room")).toEqual(["old"]);
    b1.tracker.stop(false);
    await new Promise((r) => setTimeout(r, 5));
    const b2 = await node(bus, "b");
    b2.tracker.track("o", "room", "new", {});
    await expect.poll(() => keys(a.tracker, "room")).toEqual(["new"]);
  });

  it("refuses inconsistent periods", () => {
    expect(() => resolveTrackerOptions({ broadcastPeriodMs: 1000, downPeriodMs: 1500 })).toThrow(/at least twice/);
    expect(() => resolveTrackerOptions({ downPeriodMs: 30_000, permdownPeriodMs: 30_000 })).toThrow(/permdownPeriodMs/);
    expect(() => resolveTrackerOptions({ broadcastPeriodMs: 100, maxSilentPeriods: 10, downPeriodMs: 900 })).toThrow(/idle heartbeat/);
    expect(resolveTrackerOptions({})).toMatchObject({ broadcastPeriodMs: 1500, downPeriodMs: 30_000, permdownPeriodMs: 1_200_000 });
  });
});
