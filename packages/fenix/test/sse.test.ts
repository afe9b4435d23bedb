// The SSE transport over raw HTTP: headers, the retry line, join replies as events (ok, refused
// by the channel, unmatched, over the channel limit), pushes and broadcasts, keep-alive comments
// from one shared timer, and the HTTP answers given before any stream starts.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, error, ok, websocket, sse } from "fenix";
import type { MountOptions, SseOptions } from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { sseKeepAliveTimers } from "../src/transports/sse.js";
import { SseStream, closeAllStreams, sleep, until } from "./support/sse_client.js";

const RoomChannel = defineChannel({
  name: "RoomChannel",
  join(topic, _payload, socket) {
    if (topic === "room:secret") return error({ reason: "unauthorized" });
    socket.push("welcome", { topic, user: socket.assigns.user ?? null });
    return ok({ joined: topic });
  },
});

const UserSocket = defineSocket<{ user?: string }>({
  name: "UserSocket",
  channels: [["room:*", RoomChannel]],
  maxChannels: 2,
  connect(params, socket) {
    if (params.token === "bad") return false;
    if (params.token === "busy") return error({ retry: 7 });
    if (params.user) socket.assign("user", params.user);
  },
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  closeAllStreams();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: SseOptions = {}, mount: Omit<MountOptions, "transports"> = {}) {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  endpoint.socket("/socket", UserSocket, { ...mount, transports: [websocket(), sse(options)] });
  const server = await endpoint.listen(0, "127.0.0.1");
  cleanups.push(() => endpoint.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, base, url: (query: string) => `${base}/socket/sse?${query}` };
}

describe("opening a stream", () => {
  it("answers 200 text/event-stream with the streaming headers, then the retry line", async () => {
    const { url } = await start();
    const stream = await SseStream.open(url("topics=room:1"));
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    expect(stream.headers["cache-control"]).toBe("no-cache, no-transform");
    expect(stream.headers["x-accel-buffering"]).toBe("no");
    expect(stream.headers.connection).toBe("keep-alive");
    await stream.reply("room:1");
    expect(stream.raw.startsWith("retry: 2000\n\n")).toBe(true);
    expect(stream.retry).toBe(2000);
  });

  it("sends the configured retry delay", async () => {
    const { url } = await start({ retryMs: 750 });
    const stream = await SseStream.open(url("topics=room:1"));
    await stream.reply("room:1");
    expect(stream.raw.startsWith("retry: 750\n\n")).toBe(true);
  });

  it("joins every topic through the channel's join: ok and refused replies are events", async () => {
    const { url } = await start();
    const stream = await SseStream.open(url("topics=room:1,room:secret&user=ann"));
    const okReply = await stream.reply("room:1");
    expect(okReply.json).toEqual({ topic: "room:1", status: "ok", response: { joined: "room:1" } });
    const refused = await stream.reply("room:secret");
    expect(refused.json).toEqual({ topic: "room:secret", status: "error", response: { reason: "unauthorized" } });
    const welcome = await stream.waitFor((e) => e.event === "welcome");
    expect(welcome.json).toEqual({ topic: "room:1", payload: { topic: "room:1", user: "ann" } });
    // The push made during join follows the join reply, as on every transport.
    expect(stream.events.indexOf(welcome)).toBeGreaterThan(stream.events.indexOf(okReply));
    expect(stream.ended).toBe(false);
  });

  it("answers an unmatched topic with an error reply event", async () => {
    const { url } = await start();
    const stream = await SseStream.open(url("topics=room:1,nowhere"));
    expect((await stream.reply("nowhere")).json).toEqual({ topic: "nowhere", status: "error", response: { reason: "unmatched topic" } });
    expect((await stream.reply("room:1")).json.status).toBe("ok");
  });

  it("refuses the topics over the handler's channel limit like any join", async () => {
    const { url } = await start();
    const stream = await SseStream.open(url("topics=room:1,room:2,room:3"));
    expect((await stream.reply("room:1")).json.status).toBe("ok");
    expect((await stream.reply("room:2")).json.status).toBe("ok");
    expect((await stream.reply("room:3")).json).toEqual({ topic: "room:3", status: "error", response: { reason: "too many channels joined" } });
  });

  it("ignores empty and repeated topics and accepts repeated `topics` parameters", async () => {
    const { url } = await start();
    const stream = await SseStream.open(url("topics=room:1,,room:1&topics=room:2"));
    await stream.reply("room:1");
    await stream.reply("room:2");
    await sleep(50);
    expect(stream.named("phx_reply")).toHaveLength(2);
  });
});

describe("events", () => {
  it("delivers a broadcast as an event named after it, with topic and payload on one data line", async () => {
    const { endpoint, url } = await start();
    const stream = await SseStream.open(url("topics=room:1,room:2"));
    await stream.reply("room:2");
    await endpoint.broadcast("room:2", "new_msg", { body: "hi\nthere" });
    const event = await stream.waitFor((e) => e.event === "new_msg");
    expect(event.json).toEqual({ topic: "room:2", payload: { body: "hi\nthere" } });
    expect(event.id).toBeUndefined();
    expect(stream.raw).toContain('event: new_msg\ndata: {"topic":"room:2","payload":{"body":"hi\\nthere"}}\n\n');
  });

  it("sends binary payloads as base64 with encoding: base64", async () => {
    const { endpoint, url } = await start();
    const stream = await SseStream.open(url("topics=room:1"));
    await stream.reply("room:1");
    endpoint.pubsub.localBroadcast("room:1", "blob", new Uint8Array([0, 1, 254, 255]));
    const event = await stream.waitFor((e) => e.event === "blob");
    expect(event.json).toEqual({ topic: "room:1", payload: "AAH+/w==", encoding: "base64" });
  });

  it("writes `: keep-alive` comments every keepAliveMs", async () => {
    const { url } = await start({ keepAliveMs: 40 });
    const stream = await SseStream.open(url("topics=room:1"));
    await until(() => stream.comments.length >= 3, 2_000, "three keep-alive comments");
    expect(new Set(stream.comments)).toEqual(new Set(["keep-alive"]));
    expect(stream.raw).toContain("\n: keep-alive\n\n");
  });

  it("keeps every stream alive from one shared timer, stopped when the last stream ends", async () => {
    const { url } = await start({ keepAliveMs: 30 });
    expect(sseKeepAliveTimers()).toBe(0);
    const streams: SseStream[] = [];
    for (const n of [1, 2, 3, 4]) {
      streams.push(await SseStream.open(url(`topics=room:${n}`)));
      await streams[streams.length - 1].reply(`room:${n}`);
    }
    expect(sseKeepAliveTimers()).toBe(1);
    await until(() => streams.every((s) => s.comments.length >= 2), 2_000, "keep-alives on every stream");
    for (const stream of streams) stream.close();
    await until(() => sseKeepAliveTimers() === 0, 2_000, "the keep-alive timer to stop");
  });
});

describe("answers before any stream starts", () => {
  it("403 with a short text body when connect refuses", async () => {
    const { url } = await start();
    const response = await SseStream.open(url("topics=room:1&token=bad"));
    expect(response.status).toBe(403);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("Forbidden");
  });

  it("passes a refusal reason through the errorHandler's status, headers and body", async () => {
    const { url } = await start({
      errorHandler: (reason) => ({ status: 503, headers: { "retry-after": String((reason as { retry: number }).retry) }, body: "busy" }),
    });
    const response = await SseStream.open(url("topics=room:1&token=busy"));
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("7");
    expect(await response.text()).toBe("busy");
  });

  it("400 without topics", async () => {
    const { url } = await start();
    for (const query of ["", "topics=", "topics=,%20,"]) {
      const response = await SseStream.open(url(query));
      expect(response.status, query).toBe(400);
      expect(await response.text()).toContain("topics");
    }
  });

  it("405 for anything but GET", async () => {
    const { url } = await start();
    const response = await fetch(url("topics=room:1"), { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain("GET");
  });

  it("checks the origin and lets an allowed one read the stream (CORS)", async () => {
    const { url } = await start({}, { checkOrigin: ["//app.example.com"] });
    const refused = await SseStream.open(url("topics=room:1"), { origin: "https://evil.example.com" });
    expect(refused.status).toBe(403);
    const allowed = await SseStream.open(url("topics=room:1"), { origin: "https://app.example.com" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(allowed.headers["access-control-allow-credentials"]).toBe("true");
    const preflight = await fetch(url("topics=room:1"), {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-headers": "last-event-id" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("last-event-id");
  });
});
