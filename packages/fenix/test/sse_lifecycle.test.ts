// How SSE streams end: when every joined topic has closed (stop, crash, refused joins), on
// endpoint.close(), on a disconnect-by-id broadcast, when the client goes away (terminate runs),
// and when a slow consumer's unsent output passes maxBufferedBytes.
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { Endpoint, defineChannel, defineSocket, error, ok, stop, websocket, sse } from "fenix";
import type { SseOptions } from "../src/transports/sse.js";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { SseStream, closeAllStreams, sleep, until } from "./support/sse_client.js";

const terminated: { topic: string; reason: unknown }[] = [];
const logLines: { level: number; msg: string }[] = [];
const logger = pino({ level: "debug", base: undefined }, { write: (line: string) => void logLines.push(JSON.parse(line)) });

/** Stops on an intercepted `stop` broadcast, crashes on `crash`; records terminate. */
const RoomChannel = defineChannel({
  name: "RoomChannel",
  intercepts: ["stop", "crash"],
  join: () => ok(),
  handleOut: {
    stop: () => stop("normal"),
    crash: () => {
      throw new Error("boom");
    },
  },
  terminate(reason, socket) {
    terminated.push({ topic: socket.topic, reason });
  },
});

const UserSocket = defineSocket({
  name: "UserSocket",
  channels: [
    ["room:*", RoomChannel],
    [
      "locked:*",
      defineChannel({
        async join() {
          await sleep(10);
          return error({ reason: "locked" });
        },
      }),
    ],
  ],
  connect: () => true,
  id: () => "user_socket:7",
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  closeAllStreams();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  terminated.length = 0;
  logLines.length = 0;
});

async function start(options: SseOptions = {}) {
  const endpoint = new Endpoint({ logger });
  endpoint.socket("/socket", UserSocket, { transports: [websocket(), sse(options)] });
  const server = await endpoint.listen(0, "127.0.0.1");
  let closed = false;
  cleanups.push(() => (closed ? undefined : endpoint.close()));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    base,
    close: () => {
      closed = true;
      return endpoint.close();
    },
    open: async (topics: string) => {
      const stream = await SseStream.open(`${base}/socket/sse?topics=${topics}`);
      for (const topic of topics.split(",")) await stream.reply(topic);
      return stream;
    },
  };
}

describe("the stream ends", () => {
  it("when its only channel stops itself: phx_close, terminate, end", async () => {
    const { endpoint, open } = await start();
    const stream = await open("room:1");
    await endpoint.broadcast("room:1", "stop", {});
    const close = await stream.waitFor((e) => e.event === "phx_close");
    expect(close.json).toEqual({ topic: "room:1", payload: {} });
    await stream.waitEnd();
    expect(terminated).toEqual([{ topic: "room:1", reason: "normal" }]);
    expect(endpoint.connections.size).toBe(0);
  });

  it("only once every joined topic has closed (phx_error counts)", async () => {
    const { endpoint, open } = await start();
    const stream = await open("room:1,room:2");
    await endpoint.broadcast("room:1", "stop", {});
    await stream.waitFor((e) => e.event === "phx_close");
    await sleep(50);
    expect(stream.ended).toBe(false);
    await endpoint.broadcast("room:2", "ping", { n: 1 });
    await stream.waitFor((e) => e.event === "ping");
    await endpoint.broadcast("room:2", "crash", {});
    const crashed = await stream.waitFor((e) => e.event === "phx_error");
    expect(crashed.json).toEqual({ topic: "room:2", payload: { reason: "channel_crash" } });
    await stream.waitEnd();
    expect(terminated.map((t) => t.topic)).toEqual(["room:1", "room:2"]);
  });

  it("right after the replies when no topic could be joined (unmatched, refused after an await)", async () => {
    const { endpoint, open } = await start();
    const stream = await open("nowhere,locked:1");
    await stream.waitEnd();
    expect(stream.named("phx_reply").map((e) => e.json.status)).toEqual(["error", "error"]);
    expect(endpoint.connections.size).toBe(0);
  });

  it("on endpoint.close(): every channel terminates with shutdown", async () => {
    const { close, open } = await start();
    const stream = await open("room:1,room:2");
    await close();
    await stream.waitEnd();
    expect(terminated).toEqual([
      { topic: "room:1", reason: { shutdown: "shutdown" } },
      { topic: "room:2", reason: { shutdown: "shutdown" } },
    ]);
  });

  it("on endpoint.drain(); a draining endpoint answers new streams 503 with Retry-After", async () => {
    const { endpoint, base, open } = await start();
    const stream = await open("room:1");
    await endpoint.drain({ windowMs: 20, batches: 1 });
    await stream.waitEnd();
    expect(terminated).toEqual([{ topic: "room:1", reason: { shutdown: "restart" } }]);
    const refused = await SseStream.open(`${base}/socket/sse?topics=room:1`);
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.headers["content-type"]).not.toBe("text/event-stream");
  });

  it("on a disconnect broadcast to the socket id", async () => {
    const { endpoint, open } = await start();
    const stream = await open("room:1");
    await endpoint.broadcast("user_socket:7", "disconnect", {});
    await stream.waitEnd();
    expect(stream.named("phx_close")).toEqual([]);
    await until(() => terminated.length === 1, 2_000, "terminate");
    expect(terminated[0]).toEqual({ topic: "room:1", reason: { shutdown: "disconnected" } });
    expect(endpoint.connections.size).toBe(0);
  });
});

describe("the client", () => {
  it("going away runs every channel's terminate and releases the connection", async () => {
    const { endpoint, open } = await start();
    const stream = await open("room:1,room:2");
    expect(endpoint.connections.size).toBe(1);
    expect(endpoint.pubsub.subscriberCount("room:1")).toBe(1);
    stream.close();
    await until(() => terminated.length === 2, 2_000, "both terminates");
    expect(terminated.map((t) => t.reason)).toEqual([{ shutdown: "closed" }, { shutdown: "closed" }]);
    expect(endpoint.connections.size).toBe(0);
    expect(endpoint.pubsub.subscriberCount("room:1")).toBe(0);
  });

  it("that reads too slowly is cut off once maxBufferedBytes are unsent, with a warning", async () => {
    const { endpoint, port, open } = await start({ maxBufferedBytes: 64 * 1024 });
    const fast = await open("room:1");
    // A client that never reads: once the kernel buffers are full, output piles up in the server.
    const slow = connect(port, "127.0.0.1");
    cleanups.push(() => slow.destroy());
    slow.pause();
    slow.write("GET /socket/sse?topics=room:1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await until(() => endpoint.pubsub.subscriberCount("room:1") === 2, 2_000, "the slow client's join");
    const big = "x".repeat(32 * 1024);
    for (let i = 0; i < 1_000 && terminated.length === 0; i++) {
      await endpoint.broadcast("room:1", "big", { i, big });
      await sleep(1); // lets the fast reader (in this process) keep up
    }
    await until(() => terminated.length === 1, 3_000, "the slow consumer's terminate");
    expect(terminated[0]).toEqual({ topic: "room:1", reason: { shutdown: "slow_consumer" } });
    expect(logLines.some((l) => l.level === 40 && l.msg.includes("slow consumer"))).toBe(true);
    // The reader that keeps up is unaffected and still receives.
    await endpoint.broadcast("room:1", "after", {});
    await fast.waitFor((e) => e.event === "after", 3_000);
    expect(endpoint.connections.size).toBe(1);
  });
});
