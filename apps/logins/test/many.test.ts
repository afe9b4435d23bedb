// Scale and clustering: 500 concurrent subscribers each see every change exactly once; two nodes
// on a private Redis share the list and each node's streams carry every change once, even when
// both nodes race to log in the same name.
import { RedisAdapter, createLogger } from "fenix";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SseStream, closeAllStreams } from "../../../packages/fenix/test/support/sse_client.js";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import type { TestRedis } from "../../../packages/fenix/test/support/redis.js";
import { LOGINS_TOPIC } from "../src/app.js";
import { call, startApp } from "./support/app.js";
import type { Running } from "./support/app.js";

const running: Running[] = [];
afterEach(async () => {
  closeAllStreams();
  for (const r of running.splice(0)) await r.stop();
});

const changes = (stream: SseStream) => stream.events.filter((e) => e.event === "message").map((e) => e.json);

async function openStreams(base: string, n: number): Promise<SseStream[]> {
  const streams: SseStream[] = [];
  for (let i = 0; i < n; i += 50)
    streams.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => SseStream.open(`${base}/user-stream`)))));
  await expect.poll(() => streams.every((s) => s.events.some((e) => e.event === "users")), { timeout: 10_000 }).toBe(true);
  return streams;
}

describe("500 concurrent subscribers", () => {
  it("each sees every change exactly once", async () => {
    const r = await startApp();
    running.push(r);
    const streams = await openStreams(r.base, 500);
    expect(r.app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC)).toBe(500);
    await call(r.base, "GET", "login", "yay");
    await call(r.base, "POST", "login", "yay");
    await call(r.base, "POST", "login", "ann");
    await call(r.base, "GET", "logout", "yay");
    await call(r.base, "GET", "logout", "yay");
    await call(r.base, "POST", "login", "end");
    await expect.poll(() => streams.filter((s) => changes(s).some((c) => c.user === "end")).length, { timeout: 10_000 }).toBe(500);
    const expected = [
      { action: "add", user: "yay" },
      { action: "add", user: "ann" },
      { action: "del", user: "yay" },
      { action: "add", user: "end" },
    ];
    for (const stream of streams) expect(changes(stream)).toEqual(expected);
  });
});

describe("two nodes on one Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  async function node(name: string): Promise<Running> {
    const logger = createLogger({ level: "silent" });
    const r = await startApp({ nodeName: name, redisUrl: redis.url, pubsubAdapter: new RedisAdapter({ url: redis.url, logger }) });
    running.push(r);
    return r;
  }

  it("share the list and each node's streams carry every change once", async () => {
    const a = await node("a");
    const b = await node("b");
    const streams = [...(await openStreams(a.base, 3)), ...(await openStreams(b.base, 3))];
    await call(a.base, "GET", "login", "yay");
    await call(b.base, "POST", "login", "ann");
    // Both nodes race on one name, several times each: exactly one of them changes the list.
    await Promise.all([...Array(5)].flatMap(() => [call(a.base, "POST", "login", "race"), call(b.base, "POST", "login", "race")]));
    await call(b.base, "GET", "login", "yay");
    await call(b.base, "GET", "logout", "yay");
    await call(a.base, "POST", "logout", "yay");
    await call(a.base, "POST", "login", "end");
    await expect.poll(() => streams.filter((s) => changes(s).some((c) => c.user === "end")).length, { timeout: 10_000 }).toBe(6);
    for (const stream of streams) {
      expect(changes(stream)).toEqual([
        { action: "add", user: "yay" },
        { action: "add", user: "ann" },
        { action: "add", user: "race" },
        { action: "del", user: "yay" },
        { action: "add", user: "end" },
      ]);
    }
    for (const r of [a, b]) expect(await (await fetch(`${r.base}/api/users`)).json()).toEqual({ users: ["end", "race", "ann"] });
    // A stream opened later on either node starts from the shared list.
    const late = await SseStream.open(`${b.base}/user-stream`);
    const first = await late.waitFor((e) => e.event === "users");
    expect(first.json).toEqual({ users: ["end", "race", "ann"] });
  });
});
