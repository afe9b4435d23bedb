// The SSE transport's app-shaped streams: a fixed route with fixed topics, and an encoder that
// decides each event's name and data (unnamed events reach EventSource's `onmessage`).
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Endpoint } from "../endpoint/endpoint.js";
import { createLogger } from "../index.js";
import { defineChannel, defineSocket, ok } from "../index.js";
import { SseStream, closeAllStreams, until } from "../../test/support/sse_client.js";
import { formatSseEvent, sse } from "./sse.js";
import type { SseMessage } from "./sse.js";

const FeedChannel = defineChannel({
  name: "FeedChannel",
  join(topic, _payload, socket) {
    socket.push("snapshot", { items: [topic] });
    return ok({ ignored: true });
  },
});
const FeedSocket = defineSocket({ name: "FeedSocket", channels: [["feed:*", FeedChannel]] });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  closeAllStreams();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start() {
  const seen: SseMessage[] = [];
  const encode = (message: SseMessage) => {
    seen.push(message);
    if (message.kind === "reply") return null;
    if (message.event === "snapshot") return { event: "snapshot", data: JSON.stringify(message.payload) };
    return { data: JSON.stringify(message.payload) };
  };
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  endpoint.socket("/feed", FeedSocket, { transports: [sse({ path: "", topics: ["feed:news"], encode })] });
  endpoint.socket("/socket", FeedSocket, { transports: [sse()] });
  const server = await endpoint.listen(0, "127.0.0.1");
  cleanups.push(() => endpoint.close());
  return { endpoint, seen, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("sse({ path, topics, encode })", () => {
  it("serves the mount path itself, joins the fixed topics whatever ?topics says, and writes what encode returns", async () => {
    const { endpoint, base } = await start();
    const stream = await SseStream.open(`${base}/feed?topics=feed:other`);
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    await stream.waitFor((e) => e.event === "snapshot");
    await until(() => endpoint.pubsub.subscriberCount("feed:news") === 1, 3_000, "the subscription");
    expect(endpoint.pubsub.subscriberCount("feed:other")).toBe(0);
    await endpoint.broadcast("feed:news", "item", { title: "hi" });
    await stream.waitFor((e) => e.event === "message");
    // The join reply was encoded to nothing: no phx_reply, no id lines, exactly the app's events.
    expect(stream.raw).toBe('retry: 2000\n\nevent: snapshot\ndata: {"items":["feed:news"]}\n\ndata: {"title":"hi"}\n\n');
  });

  it("encodes a broadcast once for every stream of the transport", async () => {
    const { endpoint, seen, base } = await start();
    const streams = await Promise.all([1, 2, 3].map(() => SseStream.open(`${base}/feed`)));
    await until(() => endpoint.pubsub.subscriberCount("feed:news") === 3, 3_000, "three subscriptions");
    await endpoint.broadcast("feed:news", "item", { n: 1 });
    for (const stream of streams) await stream.waitFor((e) => e.event === "message" && e.json?.n === 1);
    expect(seen.filter((m) => m.event === "item")).toEqual([{ kind: "event", topic: "feed:news", event: "item", payload: { n: 1 } }]);
  });

  it("hands join replies to encode with their status", async () => {
    const { seen, base } = await start();
    const stream = await SseStream.open(`${base}/feed`);
    await stream.waitFor((e) => e.event === "snapshot");
    await until(() => seen.some((m) => m.kind === "reply"), 3_000, "the join reply");
    expect(seen.find((m) => m.kind === "reply")).toEqual({ kind: "reply", topic: "feed:news", event: "phx_reply", payload: { ignored: true }, status: "ok" });
  });

  it("leaves other SSE mounts on the Phoenix-style events", async () => {
    const { base } = await start();
    const stream = await SseStream.open(`${base}/socket/sse?topics=feed:a`);
    const reply = await stream.reply("feed:a");
    expect(reply.json).toEqual({ topic: "feed:a", status: "ok", response: { ignored: true } });
  });
});

describe("formatSseEvent", () => {
  it("writes id and event lines, and one data line per line of data", () => {
    expect(formatSseEvent({ data: "{}" })).toBe("data: {}\n\n");
    expect(formatSseEvent({ id: "7", event: "users", data: "a\nb" })).toBe("id: 7\nevent: users\ndata: a\ndata: b\n\n");
  });

  it("refuses line breaks in the event name or id, which would forge fields", () => {
    expect(() => formatSseEvent({ event: "x\ndata: y", data: "" })).toThrow(/line break/);
    expect(() => formatSseEvent({ id: "1\r", data: "" })).toThrow(/line break/);
  });
});

describe("sse() option checks", () => {
  it("refuses an empty topic list", () => {
    const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
    expect(() => endpoint.socket("/x", FeedSocket, { transports: [sse({ topics: [] })] })).toThrow(/at least one topic/);
  });
});
