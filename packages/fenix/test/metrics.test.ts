// Prometheus metrics on a real endpoint: the gauges equal live counts as clients connect, join and
// leave; counters and histograms move with traffic; the route honours its bearer token.
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Endpoint, defineChannel, defineSocket, error, longPoll, ok, websocket } from "../src/index.js";
import { WebSocket } from "ws";

const RoomChannel = defineChannel({
  join: (topic) => (topic === "room:closed" ? error({ reason: "closed" }) : ok()),
  handleIn: {
    ping: () => ok({ pong: true }),
    boom: () => {
      throw new Error("boom");
    },
  },
});
const UserSocket = defineSocket({
  name: "UserSocket",
  channels: [
    ["room:*", RoomChannel],
    ["lobby", RoomChannel],
  ],
});

let endpoint: Endpoint | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await endpoint?.close();
  endpoint = undefined;
});

async function start(metrics: ConstructorParameters<typeof Endpoint>[0]["metrics"] = true) {
  endpoint = new Endpoint({ metrics, presence: true, checkOrigin: false });
  endpoint.socket("/socket", UserSocket, { transports: [websocket(), longPoll()] });
  const server = await endpoint.listen(0, "127.0.0.1");
  return { endpoint, port: (server.address() as AddressInfo).port };
}

function client(port: number): Promise<{ ws: WebSocket; send(frame: unknown[]): void; reply(ref: string): Promise<unknown[]> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
  clients.push(ws);
  const frames: unknown[][] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (data) => {
    frames.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.once("open", () =>
      resolve({
        ws,
        send: (frame) => ws.send(JSON.stringify(frame)),
        async reply(ref) {
          for (;;) {
            const found = frames.find((f) => f[1] === ref && f[3] === "phx_reply");
            if (found) return found;
            await new Promise<void>((r) => waiters.push(r));
          }
        },
      }),
    );
  });
}

async function scrape(port: number, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  return { status: response.status, text: await response.text() };
}

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("gauges equal live counts after clients connect, join and leave", async () => {
    const { port } = await start();
    const a = await client(port);
    const b = await client(port);
    a.send(["1", "1", "room:1", "phx_join", {}]);
    a.send(["2", "2", "room:2", "phx_join", {}]);
    b.send(["1", "1", "lobby", "phx_join", {}]);
    await Promise.all([a.reply("1"), a.reply("2"), b.reply("1")]);
    let { text } = await scrape(port);
    expect(value(text, 'fenix_connections{transport="websocket"}')).toBe(2);
    expect(value(text, 'fenix_channels{pattern="room:*"}')).toBe(2);
    expect(value(text, 'fenix_channels{pattern="lobby"}')).toBe(1);

    a.send(["1", "3", "room:1", "phx_leave", {}]);
    await a.reply("3");
    b.ws.close();
    await expect.poll(async () => value((await scrape(port)).text, 'fenix_connections{transport="websocket"}')).toBe(1);
    ({ text } = await scrape(port));
    expect(value(text, 'fenix_channels{pattern="room:*"}')).toBe(1);
    expect(value(text, 'fenix_channels{pattern="lobby"}')).toBeUndefined();
  });

  it("counts messages, broadcasts and crashes, and times joins and handlers", async () => {
    const { endpoint, port } = await start();
    const a = await client(port);
    a.send(["1", "1", "room:1", "phx_join", {}]);
    a.send(["2", "2", "room:closed", "phx_join", {}]);
    await Promise.all([a.reply("1"), a.reply("2")]);
    a.send(["1", "3", "room:1", "ping", {}]);
    await a.reply("3");
    await endpoint.broadcast("room:1", "news", {});
    a.send(["1", "4", "room:1", "boom", {}]);
    await expect.poll(async () => value((await scrape(port)).text, "fenix_channel_crashes_total")).toBe(1);
    const { text } = await scrape(port);
    expect(value(text, "fenix_messages_in_total")).toBe(4);
    // Three replies, the broadcast and the crash's phx_error.
    expect(value(text, "fenix_messages_out_total")).toBe(5);
    expect(value(text, "fenix_broadcasts_total")).toBe(1);
    expect(value(text, 'fenix_join_duration_seconds_count{pattern="room:*",status="ok"}')).toBe(1);
    expect(value(text, 'fenix_join_duration_seconds_count{pattern="room:*",status="error"}')).toBe(1);
    expect(value(text, 'fenix_handle_in_duration_seconds_count{pattern="room:*",event="ping"}')).toBe(1);
    expect(value(text, 'fenix_connect_duration_seconds_count{transport="websocket",status="ok"}')).toBe(1);
    expect(value(text, 'fenix_drops_total{reason="rate_limited"}')).toBe(0);
    // The default Node metrics are there too.
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });

  it("counts presences by pattern", async () => {
    const { endpoint, port } = await start();
    const subject = { topic: "room:1", onEnd() {} };
    endpoint.presence.track(subject, "alice", {});
    endpoint.presence.track(subject, "bob", {});
    await expect.poll(async () => value((await scrape(port)).text, 'fenix_presences{pattern="room:*"}')).toBe(2);
    endpoint.presence.untrack(subject, "bob");
    await expect.poll(async () => value((await scrape(port)).text, 'fenix_presences{pattern="room:*"}')).toBe(1);
  });

  it("counts drops by reason", async () => {
    endpoint = new Endpoint({ metrics: true, checkOrigin: false });
    endpoint.socket("/socket", defineSocket({ channels: [["room:*", RoomChannel]], limits: { messagesPerSecond: 1, messageBurst: 2, maxPayloadBytes: 200 } }));
    const port = ((await endpoint.listen(0, "127.0.0.1")).address() as AddressInfo).port;
    const a = await client(port);
    a.send(["1", "1", "room:1", "phx_join", {}]);
    await a.reply("1");
    a.send(["1", "2", "room:1", "ping", { pad: "x".repeat(300) }]);
    a.send(["1", "3", "room:1", "ping", {}]);
    a.send(["1", "4", "room:1", "ping", {}]);
    await Promise.all([a.reply("2"), a.reply("3"), a.reply("4")]);
    const { text } = await scrape(port);
    expect(value(text, 'fenix_drops_total{reason="payload_too_large"}')).toBe(1);
    expect(value(text, 'fenix_drops_total{reason="rate_limited"}')).toBeGreaterThanOrEqual(1);
  });

  it("answers 401 without the bearer token, 200 with it", async () => {
    const { port } = await start({ bearer: "s3cret" });
    expect((await scrape(port)).status).toBe(401);
    expect((await scrape(port, { authorization: "Bearer nope" })).status).toBe(401);
    const ok = await scrape(port, { authorization: "Bearer s3cret" });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("# TYPE fenix_connections gauge");
  });

  it("is not served without the option", async () => {
    const { endpoint, port } = await start(false);
    expect((await scrape(port)).status).toBe(404);
    expect(() => endpoint.metrics).toThrow(/metrics are not enabled/);
  });
});

describe("StatsD", () => {
  it("sends the same facts: events as counters and timers, gauges and counter deltas on flush", async () => {
    const { createSocket } = await import("node:dgram");
    const { default: StatsD } = await import("hot-shots");
    const { StatsdSink } = await import("../src/index.js");
    const udp = createSocket("udp4");
    const lines: string[] = [];
    udp.on("message", (m) => lines.push(...m.toString().split("\n").filter(Boolean)));
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    const statsd = new StatsD({ host: "127.0.0.1", port: udp.address().port });
    try {
      const { endpoint, port } = await start(false);
      const sink = new StatsdSink(endpoint, statsd, { patternOf: (t) => endpoint.patternOf(t), intervalMs: 60_000 });
      const a = await client(port);
      a.send(["1", "1", "room:1", "phx_join", {}]);
      await a.reply("1");
      a.send(["1", "2", "room:1", "ping", {}]);
      await a.reply("2");
      sink.flush();
      await expect.poll(() => lines.some((l) => l === "fenix.connections:1|g|#transport:websocket")).toBe(true);
      await expect.poll(() => lines.some((l) => l === "fenix.channels:1|g|#pattern:room:*")).toBe(true);
      expect(lines).toContain("fenix.socket.connect:1|c|#socket:UserSocket,transport:websocket,status:ok");
      expect(lines).toContain("fenix.channel.join:1|c|#channel:Channel,pattern:room:*,status:ok");
      expect(lines.some((l) => /^fenix\.channel\.handle_in:[\d.]+\|ms\|#channel:Channel,pattern:room:\*,event:ping,status:ok$/.test(l))).toBe(true);
      await expect.poll(() => lines.includes("fenix.messages_in:2|c")).toBe(true);
      sink.close();
    } finally {
      statsd.close();
      udp.close();
    }
  });
});
