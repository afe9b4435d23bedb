// History kept in Redis: a client recovers what it missed whichever node it rejoins.
import { Endpoint, RedisAdapter, RedisHistory, createLogger, defineChannel, defineSocket } from "fenix";
import { channelTest } from "fenix/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveHistoryOptions } from "../src/pubsub/history.js";
import { type TestRedis, startRedis } from "./support/redis.js";

let redis: TestRedis;
const endpoints: Endpoint[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

const Room = defineChannel({});
const Socket = defineSocket({ channels: [["room:*", Room, { history: { size: 5, ttlMs: 60_000 } }]] });

async function node(name: string): Promise<Endpoint> {
  const logger = createLogger({ level: "silent" });
  const namespace = `h${redis.port}`;
  const endpoint = new Endpoint({
    nodeName: name,
    logger,
    pubsubAdapter: new RedisAdapter({ url: redis.url, logger, namespace }),
    history: new RedisHistory({ url: redis.url, namespace }),
  });
  endpoint.socket("/socket", Socket);
  endpoints.push(endpoint);
  await endpoint.start();
  return endpoint;
}

describe("RedisHistory", () => {
  it("numbers messages from every node in one sequence per topic", async () => {
    const a = await node("a");
    const b = await node("b");
    const t = channelTest({ endpoint: b });
    const joined = await t.join(t.socket(Socket), "room:seq");
    if (!joined.ok) throw new Error("join failed");
    const { epoch } = joined.reply as { epoch: string };
    await a.broadcast("room:seq", "m", { from: "a" });
    await b.broadcast("room:seq", "m", { from: "b" });
    await expect
      .poll(() =>
        t.mailbox
          .all()
          .map((i) => (i.kind === "push" ? i.ref : null))
          .sort(),
      )
      .toEqual([`${epoch}:1`, `${epoch}:2`]);
    await t.cleanup();
  });

  it("replays what a client missed on another node, and says when the gap is too old", async () => {
    const a = await node("a");
    const b = await node("b");
    const ta = channelTest({ endpoint: a });
    const first = await ta.join(ta.socket(Socket), "room:r");
    if (!first.ok) throw new Error("join failed");
    const { epoch, offset } = first.reply as { epoch: string; offset: number };
    await ta.close(first.channel);
    for (const n of [1, 2, 3]) await a.broadcast("room:r", "m", { n });
    const tb = channelTest({ endpoint: b });
    const again = await tb.join(tb.socket(Socket), "room:r", { recover: { epoch, offset } });
    expect(again).toMatchObject({ ok: true, reply: { recovered: true, epoch, offset: offset + 3 } });
    expect(tb.mailbox.all().map((i) => (i.kind === "push" ? i.payload : i.kind))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    for (let n = 4; n <= 12; n++) await a.broadcast("room:r", "m", { n });
    const stale = await tb.join(tb.socket(Socket), "room:r", { recover: { epoch, offset } });
    expect(stale).toMatchObject({ ok: true, reply: { recovered: false } });
    await ta.cleanup();
    await tb.cleanup();
  });

  it("expires an idle topic with its epoch, so a later message starts a new one", async () => {
    const history = new RedisHistory({ url: redis.url, namespace: `x${redis.port}` });
    const options = resolveHistoryOptions({ size: 10, ttlMs: 150 });
    const first = await history.append("t", "e", {}, options);
    await new Promise((r) => setTimeout(r, 300));
    const second = await history.append("t", "e", {}, options);
    expect(second.epoch).not.toBe(first.epoch);
    expect(second.offset).toBe(1);
    expect((await history.since("t", first, options)).recovered).toBe(false);
    await history.stop();
  });
});
