// The book's chapter 6 on HelloSockets' /stats_socket, against a real UDP StatsD listener (part C
// §2.4, §3, §4.7–4.8, §10 scenarios 1–6 and 9): connects and joins are counted with status tags,
// `ping` is timed, `slow_ping` replies one at a time, `parallel_slow_ping` all together, one slow
// channel never holds up another socket, and the pipeline's delivery is measured.
import { createLogger, sign } from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { type Stats, TOKEN_SALT, createStats } from "../src/app.js";
import { API_KEY, SECRET, helloPerTest } from "./support/hello.js";
import { type StatsdListener, startStatsdListener } from "./support/statsd.js";
import { joinFrame, reply } from "./support/wire.js";

const start = helloPerTest();
let listener: StatsdListener | undefined;
let stats: Stats | undefined;
afterEach(async () => {
  await stats?.close();
  await listener?.close();
  stats = listener = undefined;
});

const SLOW_MS = 300;

async function hello() {
  listener = await startStatsdListener();
  stats = createStats(listener.url, createLogger({ name: "test", level: "silent" }));
  const h = await start({ stats, statsChannel: { slowPingMs: SLOW_MS } });
  return { h, listener };
}

describe("/stats_socket", () => {
  it("counts each connect: socket_connect:1|c|#status:success,socket:StatsSocket", async () => {
    const { h, listener } = await hello();
    await h.connect("vsn=2.0.0", "/stats_socket");
    await listener.waitFor(/^socket_connect:1\|c\|#status:success,socket:StatsSocket$/);
    // Fenix's own StatsD metrics go to the same listener.
    await listener.waitFor(/^fenix\.socket\.connect:1\|c\|#socket:StatsSocket,transport:websocket,status:ok$/);
  });

  it("refuses invalid with {reason: always fails} and counts both outcomes", async () => {
    const { h, listener } = await hello();
    const ws = await h.connect("vsn=2.0.0", "/stats_socket");
    expect(await ws.request(joinFrame("1", "invalid"))).toEqual(reply("1", "1", "invalid", "error", { reason: "always fails" }));
    await listener.waitFor(/^channel_join:1\|c\|#status:fail,channel:StatsChannel$/);
    expect(await ws.request(joinFrame("2", "valid"))).toEqual(reply("2", "2", "valid", "ok", {}));
    await listener.waitFor(/^channel_join:1\|c\|#status:success,channel:StatsChannel$/);
  });

  it("times ping as stats_channel.ping and answers {ping: pong}", async () => {
    const { h, listener } = await hello();
    const ws = await h.connect("vsn=2.0.0", "/stats_socket");
    await ws.request(joinFrame("1", "valid"));
    const started = performance.now();
    expect(await ws.request(["1", "2", "valid", "ping", {}], 2_000)).toEqual(reply("1", "2", "valid", "ok", { ping: "pong" }));
    expect(performance.now() - started).toBeLessThan(1_100);
    const line = await listener.waitFor(/^stats_channel\.ping:\d+\|ms$/);
    const ms = Number(line.split(":")[1].split("|")[0]);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThanOrEqual(1_100);
  });

  it("five slow_pings on one channel are answered one after another", async () => {
    const { h } = await hello();
    const ws = await h.connect("vsn=2.0.0", "/stats_socket");
    await ws.request(joinFrame("1", "valid"));
    const started = performance.now();
    for (let i = 0; i < 5; i++) ws.send(["1", `s${i}`, "valid", "slow_ping", {}]);
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(await ws.next(SLOW_MS * 3)).toEqual(reply("1", `s${i}`, "valid", "ok", { ping: "pong" }));
      at.push(performance.now() - started);
    }
    expect(at[0]).toBeGreaterThanOrEqual(SLOW_MS - 10);
    expect(at[4]).toBeGreaterThanOrEqual(5 * SLOW_MS - 50);
  });

  it("five parallel_slow_pings are all answered together, after one slow period", async () => {
    const { h } = await hello();
    const ws = await h.connect("vsn=2.0.0", "/stats_socket");
    await ws.request(joinFrame("1", "valid"));
    const started = performance.now();
    for (let i = 0; i < 5; i++) ws.send(["1", `p${i}`, "valid", "parallel_slow_ping", {}]);
    const replies = await ws.take(5, SLOW_MS * 3);
    const elapsed = performance.now() - started;
    expect(replies.map((r) => (r as unknown[])[1]).sort()).toEqual(["p0", "p1", "p2", "p3", "p4"]);
    for (const r of replies) expect((r as unknown[])[4]).toEqual({ status: "ok", response: { ping: "pong" } });
    expect(elapsed).toBeGreaterThanOrEqual(SLOW_MS - 10);
    expect(elapsed).toBeLessThan(2 * SLOW_MS);
  });

  it("a slow channel on one socket does not hold up a ping on another", async () => {
    const { h } = await hello();
    const a = await h.connect("vsn=2.0.0", "/stats_socket");
    const b = await h.connect("vsn=2.0.0", "/stats_socket");
    await a.request(joinFrame("1", "valid"));
    await b.request(joinFrame("1", "valid"));
    a.send(["1", "slow", "valid", "slow_ping", {}]);
    const started = performance.now();
    b.send(["1", "fast", "valid", "parallel_slow_ping", {}]);
    await b.next(SLOW_MS * 3);
    expect(performance.now() - started).toBeLessThan(2 * SLOW_MS);
  });
});

describe("CPU-heavy work in the worker pool", () => {
  it("hash {ms} replies {done: true} when done, while heartbeats and pings keep being answered", async () => {
    listener = await startStatsdListener();
    stats = createStats(listener.url, createLogger({ name: "test", level: "silent" }));
    const h = await start({ stats, statsChannel: { slowPingMs: SLOW_MS, pingMaxMs: 5 } });
    const ws = await h.connect("vsn=2.0.0", "/stats_socket");
    await ws.request(joinFrame("1", "valid"));
    const started = performance.now();
    ws.send(["1", "hash", "valid", "hash", { ms: 1_500 }]);
    const latencies: number[] = [];
    // While the pool hashes, the loop stays free: each heartbeat and ping is answered at once.
    for (let i = 0; i < 10; i++) {
      const sent = performance.now();
      const answer = (await ws.request(i % 2 ? [null, `hb${i}`, "phoenix", "heartbeat", {}] : ["1", `ping${i}`, "valid", "ping", {}], 1_000)) as unknown[];
      latencies.push(performance.now() - sent);
      expect(answer[4]).toMatchObject({ status: "ok" });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(Math.max(...latencies)).toBeLessThan(250);
    expect(await ws.next(5_000)).toEqual(reply("1", "hash", "valid", "ok", { done: true }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_450);
  });

  it("refuses a hash without a sensible ms", async () => {
    const { h } = await hello();
    const ws = await h.connect("vsn=2.0.0", "/stats_socket");
    await ws.request(joinFrame("1", "valid"));
    const answer = (await ws.request(["1", "2", "valid", "hash", { ms: "lots" }])) as unknown[];
    expect(answer[4]).toMatchObject({ status: "error" });
  });
});

describe("the pipeline's measurements", () => {
  it("sends pipeline.push_delivered (|h) and pipeline.worker.process_time (|ms) to StatsD", async () => {
    const { h, listener } = await hello();
    const ws = await h.connect(`vsn=2.0.0&token=${encodeURIComponent(sign(SECRET, TOKEN_SALT, 1))}`, "/auth_socket");
    await ws.request(joinFrame("1", "user:1"));
    const response = await fetch(`${h.base}/api/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: 1, data: { test: true }, timed: true }),
    });
    expect(response.status, await response.clone().text()).toBe(202);
    expect(await ws.next()).toEqual(["1", null, "user:1", "push_timed", { test: true, n: 1 }]);
    await listener.waitFor(/^pipeline\.push_delivered:\d+\|h$/);
    await listener.waitFor(/^pipeline\.worker\.process_time:\d+\|ms$/);
  });
});
