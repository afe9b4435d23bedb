// The book's data pipeline in HelloSockets (part C §4): items pushed into the pipeline reach
// `user:<id>` — timed ones as `push_timed` with `at` stripped and the delivery time recorded,
// untimed ones after a second of "work" as `push` — at most `maxDemand` at a time, never to
// another user; and `POST /api/pipeline` pushes them as the book's iex session does.
import type { AddressInfo } from "node:net";
import { createLogger } from "fenix";
import { type ChannelTest, channelTest } from "fenix/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type HelloApp, type HelloConfig, type HelloMetrics, authSocket, createHello } from "../src/app.js";

let t: ChannelTest | undefined;
let app: HelloApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  await app?.pipeline.stop();
  await app?.endpoint.close();
  t = app = undefined;
});

function recorder(): HelloMetrics & { seen: string[] } {
  const seen: string[] = [];
  return { seen, timing: (name, ms) => void seen.push(`${name}:${ms}|ms`), histogram: (name, v) => void seen.push(`${name}:${v}|h`) };
}

async function joinedAs(userId: number, config: Partial<HelloConfig> = {}) {
  const metrics = recorder();
  app = createHello({ secretKeyBase: "s".repeat(64), apiKey: "key", logger: createLogger({ name: "test", level: "silent" }), timings: metrics, ...config });
  t = channelTest({ endpoint: app.endpoint });
  const joined = await t.subscribeAndJoin(t.socket(authSocket(60_000, metrics), null, { user_id: userId }), `user:${userId}`);
  expect(joined.ok).toBe(true);
  return { app, t, metrics };
}

describe("the pipeline", () => {
  it("events are pushed from beginning to end correctly: data only, in order", async () => {
    const { app, t } = await joinedAs(1);
    for (let n = 1; n <= 10; n++) {
      app.pipeline.pushTimed({ user_id: 1, data: { n } });
      await t.assertPush("push_timed", { n }, 1_000);
    }
  });

  it("an event is not delivered to the wrong user", async () => {
    const { app, t } = await joinedAs(2);
    app.pipeline.pushTimed({ user_id: 1, data: { test: true } });
    await app.pipeline.idle();
    await t.refutePush("push_timed");
  });

  it("events are timed on delivery and in the worker", async () => {
    const { app, t, metrics } = await joinedAs(1);
    app.pipeline.pushTimed({ user_id: 1, data: { test: true } });
    await t.assertPush("push_timed", { test: true }, 1_000);
    expect(metrics.seen.some((m) => /^pipeline\.push_delivered:\d+\|h$/.test(m))).toBe(true);
    await app.pipeline.idle();
    expect(metrics.seen.some((m) => /^pipeline\.worker\.process_time:[\d.]+\|ms$/.test(m))).toBe(true);
  });

  it("untimed items do their work and arrive as `push`, maxDemand at a time", async () => {
    const { app, t } = await joinedAs(1, { pipelineMaxDemand: 10, pipelineSlowWorkMs: 300 });
    const started = performance.now();
    for (let n = 1; n <= 20; n++) app.pipeline.push({ user_id: 1, data: { n } });
    const arrivals: { n: number; ms: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const payload = (await t.assertPush("push", undefined, 2_000)) as { n: number };
      arrivals.push({ n: payload.n, ms: performance.now() - started });
    }
    expect(arrivals.map((a) => a.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Two waves of ten: the first after ~300 ms, the second after ~600 ms.
    const first = arrivals.filter((a) => a.n <= 10);
    const second = arrivals.filter((a) => a.n > 10);
    expect(Math.min(...second.map((a) => a.ms)) - Math.max(...first.map((a) => a.ms))).toBeGreaterThan(200);
    expect(Math.min(...first.map((a) => a.ms))).toBeGreaterThanOrEqual(290);
  });

  it("with maxDemand 1, one item at a time", async () => {
    const { app, t } = await joinedAs(1, { pipelineMaxDemand: 1, pipelineSlowWorkMs: 100 });
    const started = performance.now();
    for (let n = 1; n <= 3; n++) app.pipeline.push({ user_id: 1, data: { n } });
    for (let n = 1; n <= 3; n++) {
      await t.assertPush("push", { n }, 1_000);
      expect(performance.now() - started).toBeGreaterThanOrEqual(n * 100 - 10);
    }
  });
});

describe("POST /api/pipeline", () => {
  async function listening() {
    const { app, t } = await joinedAs(1);
    const server = await app.endpoint.listen(0, "127.0.0.1");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/pipeline`;
    const post = (body: unknown, key = "key") =>
      fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { t, post };
  }

  it("pushes n items with n merged into data and answers 202 before delivery", async () => {
    const { t, post } = await listening();
    const response = await post({ user_id: 1, data: { from: "api" }, n: 3, timed: true });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ ok: true, pushed: 3 });
    for (let n = 1; n <= 3; n++) await t.assertPush("push_timed", { from: "api", n }, 1_000);
  });

  it("needs the API key and a valid body", async () => {
    const { post } = await listening();
    expect((await post({ user_id: 1 }, "wrong")).status).toBe(401);
    const bad = await post({ user_id: "one", n: 0 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/user_id/);
  });
});
