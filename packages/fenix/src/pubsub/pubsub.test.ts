import { describe, expect, it, vi } from "vitest";
import type { Serializer } from "../serializer/serializer.js";
import { V2Serializer } from "../serializer/v2.js";
import type { BroadcastMessage, PubSubAdapter } from "./adapter.js";
import { PubSub } from "./pubsub.js";
import type { Scratch, Subscriber } from "./pubsub.js";

function recorder(): Subscriber & { got: BroadcastMessage[] } {
  const got: BroadcastMessage[] = [];
  return { got, deliver: (m) => got.push({ ...m }) };
}

/** A serializer whose fastlane is spied on (delegating to a real one). */
function spied(base: Serializer): Serializer & { fastlane: ReturnType<typeof vi.fn> } {
  return { ...base, name: `spied-${base.name}`, fastlane: vi.fn((b: BroadcastMessage) => base.fastlane(b)) };
}

const FRAME = Symbol("frame");

/** A channel-like subscriber that frames the broadcast once per broadcast, in the scratch. */
function connection(serializer: Serializer, frames: unknown[]): Subscriber {
  return { deliver: (m, scratch) => frames.push((scratch[FRAME] ??= serializer.fastlane(m))) };
}

function fakeAdapter() {
  let deliver: ((m: BroadcastMessage) => void) | undefined;
  const adapter = {
    published: [] as BroadcastMessage[],
    direct: [] as [string, BroadcastMessage][],
    startedAs: undefined as string | undefined,
    stopped: false,
    start: vi.fn((node: string, d: (m: BroadcastMessage) => void) => {
      adapter.startedAs = node;
      deliver = d;
    }),
    async publish(m: BroadcastMessage) {
      adapter.published.push(m);
    },
    async directPublish(node: string, m: BroadcastMessage) {
      adapter.direct.push([node, m]);
    },
    stop() {
      adapter.stopped = true;
    },
    remote(m: BroadcastMessage) {
      deliver?.(m);
    },
  };
  return adapter satisfies PubSubAdapter;
}

describe("PubSub (local)", () => {
  it("delivers broadcasts to the topic's subscribers only", async () => {
    const pubsub = new PubSub("a@host");
    const a = recorder();
    const b = recorder();
    const other = recorder();
    pubsub.subscribe("room:1", a);
    pubsub.subscribe("room:1", b);
    pubsub.subscribe("room:2", other);
    await pubsub.broadcast("room:1", "new_msg", { body: "hi" });
    expect(a.got).toEqual([{ topic: "room:1", event: "new_msg", payload: { body: "hi" } }]);
    expect(b.got).toEqual(a.got);
    expect(other.got).toEqual([]);
    expect(pubsub.subscriberCount("room:1")).toBe(2);
  });

  it("subscribing twice delivers once; unsubscribe stops delivery and forgets empty topics", async () => {
    const pubsub = new PubSub("a");
    const a = recorder();
    pubsub.subscribe("t", a);
    pubsub.subscribe("t", a);
    expect(pubsub.subscriberCount("t")).toBe(1);
    await pubsub.broadcast("t", "e", {});
    expect(a.got).toHaveLength(1);
    pubsub.unsubscribe("t", a);
    pubsub.unsubscribe("t", a);
    pubsub.unsubscribe("never", a);
    expect(pubsub.subscriberCount("t")).toBe(0);
    await pubsub.broadcast("t", "e", {});
    expect(a.got).toHaveLength(1);
  });

  it("broadcastFrom skips the sender", async () => {
    const pubsub = new PubSub("a");
    const from = recorder();
    const rest = recorder();
    pubsub.subscribe("t", from);
    pubsub.subscribe("t", rest);
    await pubsub.broadcastFrom(from, "t", "e", { x: 1 });
    expect(from.got).toEqual([]);
    expect(rest.got).toEqual([{ topic: "t", event: "e", payload: { x: 1 } }]);
  });

  it("localBroadcast delivers synchronously, and to nobody on an unknown topic", () => {
    const pubsub = new PubSub("a");
    const a = recorder();
    pubsub.subscribe("t", a);
    pubsub.localBroadcast("t", "e", 1);
    expect(a.got).toEqual([{ topic: "t", event: "e", payload: 1 }]);
    expect(() => pubsub.localBroadcast("nobody", "e", 1)).not.toThrow();
  });

  it("directBroadcast to its own node delivers locally", async () => {
    const pubsub = new PubSub("me@host");
    const a = recorder();
    pubsub.subscribe("t", a);
    await pubsub.directBroadcast("me@host", "t", "e", {});
    expect(a.got).toHaveLength(1);
  });

  it("directBroadcast to another node without an adapter rejects", async () => {
    const pubsub = new PubSub("me@host");
    const a = recorder();
    pubsub.subscribe("t", a);
    await expect(pubsub.directBroadcast("other@host", "t", "e", {})).rejects.toThrow(/no PubSub adapter/);
    expect(a.got).toEqual([]);
  });

  it("start and stop work without an adapter", async () => {
    const pubsub = new PubSub("a");
    await expect(pubsub.start()).resolves.toBeUndefined();
    await expect(pubsub.stop()).resolves.toBeUndefined();
  });
});

describe("per-broadcast scratch", () => {
  it("is one object for every subscriber of a broadcast, and a new one for the next", async () => {
    const pubsub = new PubSub("a");
    const seen: Scratch[] = [];
    for (let i = 0; i < 3; i++) pubsub.subscribe("t", { deliver: (_m, scratch) => seen.push(scratch) });
    await pubsub.broadcast("t", "e", {});
    await pubsub.broadcast("t", "e", {});
    expect(seen).toHaveLength(6);
    expect(new Set(seen.slice(0, 3)).size).toBe(1);
    expect(new Set(seen.slice(3)).size).toBe(1);
    expect(seen[0]).not.toBe(seen[3]);
  });

  it("lets subscribers share work: 1000 subscribers, one encode per broadcast", async () => {
    const pubsub = new PubSub("a");
    const v2 = spied(V2Serializer);
    const frames: unknown[] = [];
    for (let i = 0; i < 1000; i++) pubsub.subscribe("t", connection(v2, frames));
    await pubsub.broadcast("t", "e", { m: 1 });
    await pubsub.broadcast("t", "e", { m: 2 });
    expect(v2.fastlane).toHaveBeenCalledTimes(2);
    expect(frames).toHaveLength(2000);
    expect(new Set(frames).size).toBe(2);
  });
});

describe("PubSub with an adapter", () => {
  it("starts the adapter once with its node name", async () => {
    const adapter = fakeAdapter();
    const pubsub = new PubSub("a@host", adapter);
    await Promise.all([pubsub.start(), pubsub.start()]);
    await pubsub.start();
    expect(adapter.start).toHaveBeenCalledTimes(1);
    expect(adapter.startedAs).toBe("a@host");
    await pubsub.stop();
    expect(adapter.stopped).toBe(true);
  });

  it("publishes broadcast and broadcastFrom to other nodes, and delivers locally too", async () => {
    const adapter = fakeAdapter();
    const pubsub = new PubSub("a", adapter);
    await pubsub.start();
    const local = recorder();
    const from = recorder();
    pubsub.subscribe("t", local);
    pubsub.subscribe("t", from);
    await pubsub.broadcast("t", "e1", { a: 1 });
    await pubsub.broadcastFrom(from, "t", "e2", { b: 2 });
    expect(adapter.published).toEqual([
      { topic: "t", event: "e1", payload: { a: 1 } },
      { topic: "t", event: "e2", payload: { b: 2 } },
    ]);
    expect(local.got.map((m) => m.event)).toEqual(["e1", "e2"]);
    expect(from.got.map((m) => m.event)).toEqual(["e1"]);
  });

  it("does not publish local-only broadcasts", async () => {
    const adapter = fakeAdapter();
    const pubsub = new PubSub("a", adapter);
    await pubsub.start();
    pubsub.localBroadcast("t", "e", {});
    await pubsub.directBroadcast("a", "t", "e", {});
    expect(adapter.published).toEqual([]);
    expect(adapter.direct).toEqual([]);
  });

  it("sends directBroadcast to another node through the adapter only", async () => {
    const adapter = fakeAdapter();
    const pubsub = new PubSub("a", adapter);
    await pubsub.start();
    const local = recorder();
    pubsub.subscribe("t", local);
    await pubsub.directBroadcast("b", "t", "e", { x: 1 });
    expect(adapter.direct).toEqual([["b", { topic: "t", event: "e", payload: { x: 1 } }]]);
    expect(local.got).toEqual([]);
  });

  it("delivers messages from other nodes to local subscribers without republishing them", async () => {
    const adapter = fakeAdapter();
    const pubsub = new PubSub("a", adapter);
    await pubsub.start();
    const local = recorder();
    const v2 = spied(V2Serializer);
    const frames: unknown[] = [];
    pubsub.subscribe("t", local);
    pubsub.subscribe("t", connection(v2, frames));
    pubsub.subscribe("t", connection(v2, frames));
    adapter.remote({ topic: "t", event: "remote", payload: { from: "b" } });
    expect(local.got).toEqual([{ topic: "t", event: "remote", payload: { from: "b" } }]);
    expect(v2.fastlane).toHaveBeenCalledTimes(1);
    expect(frames).toHaveLength(2);
    expect(adapter.published).toEqual([]);
  });

  it("reports adapter publish failures without rejecting, unless strict, and still delivers locally", async () => {
    const adapter = { ...fakeAdapter(), publish: () => Promise.reject(new Error("redis down")) };
    const pubsub = new PubSub("a", adapter);
    const reported: string[] = [];
    pubsub.onAdapterError = (err, operation) => reported.push(`${operation}: ${(err as Error).message}`);
    await pubsub.start();
    const local = recorder();
    pubsub.subscribe("t", local);
    await expect(pubsub.broadcast("t", "e", {})).resolves.toBeUndefined();
    await expect(pubsub.broadcast("t", "e", {}, { strict: true })).rejects.toThrow("redis down");
    expect(local.got).toHaveLength(2);
    expect(reported).toEqual(["publish: redis down", "publish: redis down"]);
  });
});
