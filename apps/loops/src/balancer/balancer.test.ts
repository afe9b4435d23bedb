// The same contract for both balancers; the Redis one on the shared Redis under a random prefix.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { LOOP_NAMES } from "../loop_cycler.js";
import type { Balancer } from "./balancer.js";
import { MemoryBalancer } from "./memory.js";
import { RedisBalancer } from "./redis.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const open: Balancer[] = [];
const prefixes: string[] = [];
function newPrefix(): string {
  const prefix = `loops-test-${randomUUID()}`;
  prefixes.push(prefix);
  return prefix;
}
afterEach(async () => {
  for (const balancer of open.splice(0)) await balancer.close();
});
// Leave the shared Redis as we found it: every key under this file's prefixes goes.
afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

async function started<B extends Balancer>(balancer: B): Promise<B> {
  open.push(balancer);
  await balancer.start();
  return balancer;
}

const makers: [string, (prefix: string, node?: string) => Promise<Balancer>][] = [
  ["MemoryBalancer", async () => started(new MemoryBalancer())],
  ["RedisBalancer", async (prefix, node = "node-a") => started(new RedisBalancer({ url: REDIS_URL, nodeName: node, prefix, downPeriodMs: 5_000 }))],
];

describe.each(makers)("%s", (_name, make) => {
  const prefix = newPrefix;

  test("pick: a new jam when there is none, then the most populated jam with room", async () => {
    const balancer = await make(prefix());
    const first = await balancer.pick();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    // Everyone is offered the same new jam until someone sits in it.
    expect(await balancer.pick()).toBe(first);
    await balancer.admit("small", "u1", "r1");
    for (let i = 0; i < 3; i++) await balancer.admit("big", `b${i}`, "r");
    expect(await balancer.pick()).toBe("big");
    for (let i = 3; i < 7; i++) await balancer.admit("big", `b${i}`, "r");
    expect(await balancer.pick()).toBe("small");
  });

  test("admits seven players with seven distinct loops, then refuses with another jam", async () => {
    const balancer = await make(prefix());
    const loops = [];
    for (let i = 0; i < 7; i++) {
      const seat = await balancer.admit("jam", `u${i}`, `r${i}`);
      if (!seat.ok) throw new Error(`player ${i} refused`);
      loops.push(seat.loop);
    }
    expect(loops).toEqual([...LOOP_NAMES]);
    const refused = await balancer.admit("jam", "u8", "r8");
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.newJamId).not.toBe("jam");
    expect(await balancer.stats()).toEqual({ jam_count: 1, user_count: 7, jams: { jam: { user_count: 7 } } });
  });

  test("concurrent admissions into a jam of six: exactly one gets in", async () => {
    const balancer = await make(prefix());
    for (let i = 0; i < 6; i++) await balancer.admit("jam", `u${i}`, "r");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => balancer.admit("jam", `new${i}`, "r")));
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, loop: "African_Rain_Caxixi" }]);
    // The refused all meet in one new jam.
    const offered = new Set(results.flatMap((r) => (r.ok ? [] : [r.newJamId])));
    expect(offered.size).toBe(1);
    expect(offered.has("jam")).toBe(false);
    expect((await balancer.stats()).jams.jam.user_count).toBe(7);
  });

  test("the new jam offered to the refused is a different one once it fills", async () => {
    const balancer = await make(prefix());
    for (let i = 0; i < 7; i++) await balancer.admit("jam", `u${i}`, "r");
    const refused = await balancer.admit("jam", "x", "r");
    if (refused.ok) throw new Error("admitted into a full jam");
    for (let i = 0; i < 7; i++) expect((await balancer.admit(refused.newJamId, `n${i}`, "r")).ok).toBe(true);
    const again = await balancer.pick();
    expect([refused.newJamId, "jam"]).not.toContain(again);
  });

  test("leaving frees the seat and the loop; an empty jam disappears", async () => {
    const balancer = await make(prefix());
    for (let i = 0; i < 7; i++) await balancer.admit("jam", `u${i}`, `r${i}`);
    await balancer.leave("jam", "u2", "r2");
    expect(await balancer.pick()).toBe("jam");
    expect(await balancer.admit("jam", "late", "rl")).toEqual({ ok: true, loop: "Synthetic_String_Bass" });
    for (let i = 0; i < 7; i++) if (i !== 2) await balancer.leave("jam", `u${i}`, `r${i}`);
    await balancer.leave("jam", "late", "rl");
    expect(await balancer.stats()).toEqual({ jam_count: 0, user_count: 0, jams: {} });
  });

  test("a rejoin keeps the loop; the old channel's leave frees nothing", async () => {
    const balancer = await make(prefix());
    await balancer.admit("jam", "u1", "old");
    expect(await balancer.admit("jam", "u1", "new")).toEqual({ ok: true, loop: "80s_Back_Beat" });
    await balancer.leave("jam", "u1", "old");
    expect((await balancer.stats()).user_count).toBe(1);
    await balancer.leave("jam", "u1", "new");
    expect((await balancer.stats()).user_count).toBe(0);
  });

  test("claim: one caller per slot", async () => {
    const balancer = await make(prefix());
    expect(await balancer.claim("s1", 60_000)).toBe(true);
    expect(await balancer.claim("s1", 60_000)).toBe(false);
    expect(await balancer.claim("s2", 60_000)).toBe(true);
  });
});

describe("RedisBalancer across nodes", () => {
  test("three nodes admitting at once into a jam of six make seven, not more", async () => {
    const prefix = newPrefix();
    const nodes = await Promise.all(["a", "b", "c"].map((n) => started(new RedisBalancer({ url: REDIS_URL, nodeName: n, prefix }))));
    for (let i = 0; i < 6; i++) await nodes[i % 3].admit("jam", `u${i}`, "r");
    const results = await Promise.all(Array.from({ length: 21 }, (_, i) => nodes[i % 3].admit("jam", `new${i}`, "r")));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await nodes[2].stats()).toEqual({ jam_count: 1, user_count: 7, jams: { jam: { user_count: 7 } } });
  });

  test("a node that goes silent loses its seats once its lease runs out", async () => {
    const prefix = newPrefix();
    const live = await started(new RedisBalancer({ url: REDIS_URL, nodeName: "live", prefix, downPeriodMs: 5_000 }));
    // Admitting leases the node for 300 ms; never started, it never renews: it died right after.
    const silent = new RedisBalancer({ url: REDIS_URL, nodeName: "silent", prefix, downPeriodMs: 300 });
    await (silent as unknown as { redis: { connect(): Promise<void> } }).redis.connect();
    open.push(silent);
    await live.admit("jam", "mine", "r");
    await silent.admit("jam", "theirs", "r");
    expect((await live.stats()).user_count).toBe(2);
    const started_ = Date.now();
    while ((await live.stats()).user_count !== 1) {
      if (Date.now() - started_ > 5_000) throw new Error("the silent node's seat was never freed");
      await new Promise((r) => setTimeout(r, 50));
    }
    // Its loop is free again.
    expect(await live.admit("jam", "next", "r")).toEqual({ ok: true, loop: "Amsterdam_Layers" });
  });

  test("a node restarting under the same name drops what its previous process held", async () => {
    const prefix = newPrefix();
    const before = await started(new RedisBalancer({ url: REDIS_URL, nodeName: "n1", prefix }));
    await before.admit("jam", "u1", "r");
    const after = await started(new RedisBalancer({ url: REDIS_URL, nodeName: "n1", prefix }));
    expect(await after.stats()).toEqual({ jam_count: 0, user_count: 0, jams: {} });
  });
});
