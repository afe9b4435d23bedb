// The fastlane: a broadcast is encoded once per serializer however many channels receive it,
// kept in the broadcast's scratch (the bus itself never encodes).
import { describe, expect, it, vi } from "vitest";
import type { BroadcastMessage } from "../pubsub/adapter.js";
import { PubSub } from "../pubsub/pubsub.js";
import type { Subscriber } from "../pubsub/pubsub.js";
import type { Serializer } from "../serializer/serializer.js";
import { V1Serializer } from "../serializer/v1.js";
import { V2Serializer } from "../serializer/v2.js";
import { FastlaneCache, fastlane } from "./dispatch.js";

/** A serializer whose fastlane is spied on (delegating to a real one). */
function spied(base: Serializer): Serializer & { fastlane: ReturnType<typeof vi.fn> } {
  return { ...base, name: `spied-${base.name}`, fastlane: vi.fn((b: BroadcastMessage) => base.fastlane(b)) };
}

/** A channel-like subscriber that frames the broadcast with its connection's serializer. */
function connection(serializer: Serializer, frames: unknown[]): Subscriber {
  return { deliver: (m, scratch) => frames.push(fastlane(m, scratch).frameFor(serializer)) };
}

describe("FastlaneCache", () => {
  it("encodes once for 1000 V2 subscribers, and every subscriber gets the same frame", async () => {
    const pubsub = new PubSub("a");
    const v2 = spied(V2Serializer);
    const frames: unknown[] = [];
    for (let i = 0; i < 1000; i++) pubsub.subscribe("t", connection(v2, frames));
    await pubsub.broadcast("t", "e", { m: 1 });
    expect(v2.fastlane).toHaveBeenCalledTimes(1);
    expect(v2.fastlane).toHaveBeenCalledWith({ topic: "t", event: "e", payload: { m: 1 } });
    expect(frames).toHaveLength(1000);
    expect(new Set(frames).size).toBe(1);
    expect(frames[0]).toEqual({ data: '[null,null,"t","e",{"m":1}]', binary: false });
  });

  it("encodes once per serializer for mixed V1 and V2 subscribers", async () => {
    const pubsub = new PubSub("a");
    const v1 = spied(V1Serializer);
    const v2 = spied(V2Serializer);
    const frames: unknown[] = [];
    for (let i = 0; i < 500; i++) {
      pubsub.subscribe("t", connection(v1, frames));
      pubsub.subscribe("t", connection(v2, frames));
    }
    await pubsub.broadcast("t", "e", { m: 1 });
    expect(v1.fastlane).toHaveBeenCalledTimes(1);
    expect(v2.fastlane).toHaveBeenCalledTimes(1);
    expect(new Set(frames).size).toBe(2);
  });

  it("encodes again for each new broadcast", async () => {
    const pubsub = new PubSub("a");
    const v2 = spied(V2Serializer);
    const frames: unknown[] = [];
    for (let i = 0; i < 10; i++) pubsub.subscribe("t", connection(v2, frames));
    await pubsub.broadcast("t", "e", { n: 1 });
    await pubsub.broadcast("t", "e", { n: 2 });
    expect(v2.fastlane).toHaveBeenCalledTimes(2);
  });

  it("never encodes when subscribers do not ask for a frame", () => {
    const v2 = spied(V2Serializer);
    const cache = new FastlaneCache({ topic: "t", event: "e", payload: {} });
    expect(cache.message).toEqual({ topic: "t", event: "e", payload: {} });
    expect(v2.fastlane).not.toHaveBeenCalled();
    expect(cache.frameFor(v2)).toBe(cache.frameFor(v2));
    expect(v2.fastlane).toHaveBeenCalledTimes(1);
  });

  it("answers the intercept question once per intercept set", () => {
    const cache = new FastlaneCache({ topic: "t", event: "e", payload: {} });
    const yes = new Set(["e"]);
    const no = new Set(["x"]);
    expect(cache.intercepted(yes)).toBe(true);
    expect(cache.intercepted(no)).toBe(false);
    expect(cache.intercepted(yes)).toBe(true);
  });
});
