// The telemetry seam (node:diagnostics_channel) seen from outside: a subscriber of the documented
// channel names, a real Endpoint on a real port, a real WebSocket client speaking V2 — and the
// fields of every event, including the endpoint (`runtime`) it happened on.
import { hasSubscribers, subscribe, unsubscribe } from "node:diagnostics_channel";
import type { AddressInfo } from "node:net";
import type { Socket as NetSocket } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, error, ok, telemetry, websocket } from "fenix";
import type {
  AdapterErrorEvent,
  BroadcastEvent,
  DropEvent,
  PresenceDiffEvent,
  PushEvent,
  ChannelCrashEvent,
  ChannelHandleInEvent,
  ChannelJoinEvent,
  EndpointOptions,
  MountOptions,
  PubSubAdapter,
  SlowConsumerEvent,
  SocketConnectEvent,
} from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient, terminateAll } from "./support/ws_client.js";

const WAIT_MS = 2_000;

// ---- subscribing ----------------------------------------------------------------------------

type Listener = (message: unknown, name: string | symbol) => void;
const subscriptions: [string, Listener][] = [];

interface Recorder<E> {
  readonly seen: E[];
  /** The first event (already seen or still to come) that satisfies `match`. */
  next(match?: (event: E) => boolean, timeout?: number): Promise<E>;
}

/** Subscribes to one channel by its documented name; every event is kept, waiters are resolved by the subscriber. */
function record<E>(name: string): Recorder<E> {
  const seen: E[] = [];
  const waiters = new Set<{ match: (event: E) => boolean; resolve: (event: E) => void }>();
  const listener: Listener = (message) => {
    const event = message as E;
    seen.push(event);
    for (const waiter of waiters) {
      if (!waiter.match(event)) continue;
      waiters.delete(waiter);
      waiter.resolve(event);
    }
  };
  subscribe(name, listener);
  subscriptions.push([name, listener]);
  return {
    seen,
    next(match = () => true, timeout = WAIT_MS) {
      const found = seen.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<E>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (event: E) => {
            clearTimeout(timer);
            resolve(event);
          },
        };
        // A bound, not a sleep: a missing event fails the test instead of hanging it.
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching ${name} event within ${timeout}ms; seen: ${seen.length}`));
        }, timeout);
        waiters.add(waiter);
      });
    },
  };
}

function unsubscribeAll(): void {
  for (const [name, listener] of subscriptions.splice(0)) unsubscribe(name, listener);
}

// ---- the application --------------------------------------------------------------------------

const Room = defineChannel({
  name: "RoomChannel",
  join(_topic, payload: { deny?: boolean }) {
    if (payload.deny) return error({ reason: "denied" });
    return ok({});
  },
  handleIn: {
    ping: () => ok({ pong: true }),
    quiet: () => {},
    shout: (payload: unknown, socket) => socket.push("shouted", payload),
    boom: () => {
      throw new Error("kaboom");
    },
  },
});

const UserSocket = defineSocket<{ user?: string }>({
  name: "UserSocket",
  channels: [
    ["room:*", Room],
    ["feed", Room],
  ],
  connect(params, socket) {
    if (params.refuse === "1") return false;
    socket.assign({ user: params.user });
  },
  id: (socket) => (socket.assigns.user ? `user_socket:${socket.assigns.user}` : null),
});

const endpoints: Endpoint[] = [];
const rawSockets: NetSocket[] = [];

afterEach(async () => {
  unsubscribeAll();
  for (const socket of rawSockets.splice(0)) socket.destroy();
  terminateAll();
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
});

async function start(options: EndpointOptions = {}, mount: MountOptions = {}): Promise<{ endpoint: Endpoint; url: (query?: string) => string }> {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }), ...options });
  endpoints.push(endpoint);
  endpoint.socket("/socket", UserSocket, mount);
  const server = await endpoint.listen(0, "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  return { endpoint, url: (query = "") => `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0${query}` };
}

async function joined(url: string, topic = "room:1"): Promise<TestClient> {
  const client = await TestClient.open(url);
  client.push("1", "1", topic, "phx_join", {});
  await client.expectReply("1", "1", topic, "ok", {});
  return client;
}

// ---- the events ---------------------------------------------------------------------------------

describe("fenix:socket:connect", () => {
  it("reports an accepted connection with its transport, serializer, socket, duration and redacted params", async () => {
    const connects = record<SocketConnectEvent>("fenix:socket:connect");
    const { endpoint, url } = await start();
    await TestClient.open(url("&token=s3cr3t&user=alice"));
    const event = await connects.next((e) => e.status === "ok");
    expect(event.runtime).toBe(endpoint);
    expect(event.status).toBe("ok");
    expect(event.transport).toBe("websocket");
    expect(event.serializer).toBe("v2");
    expect(event.socket).toBe("UserSocket");
    expect(typeof event.durationMs).toBe("number");
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(event.params).toEqual({ vsn: "2.0.0", token: "[FILTERED]", user: "alice" });
    expect(event.error).toBeUndefined();
  });

  it("reports a connection that connect refused (false) as refused", async () => {
    const connects = record<SocketConnectEvent>("fenix:socket:connect");
    const { endpoint, url } = await start();
    const refused = await TestClient.refused(url("&refuse=1&password=hunter2"));
    expect(refused.status).toBe(403);
    const event = await connects.next((e) => e.status === "refused");
    expect(event.runtime).toBe(endpoint);
    expect(event).toMatchObject({ socket: "UserSocket", transport: "websocket", serializer: "v2", status: "refused" });
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(event.params).toEqual({ vsn: "2.0.0", refuse: "1", password: "[FILTERED]" });
    expect(connects.seen.filter((e) => e.status === "ok")).toEqual([]);
  });
});

describe("fenix:channel:join", () => {
  it("reports an accepted join and a refused one, with the topic, channel and socket", async () => {
    const joins = record<ChannelJoinEvent>("fenix:channel:join");
    const { endpoint, url } = await start();
    const client = await joined(url());
    const accepted = await joins.next((e) => e.topic === "room:1");
    expect(accepted).toMatchObject({ runtime: endpoint, socket: "UserSocket", channel: "RoomChannel", topic: "room:1", status: "ok" });
    expect(accepted.runtime).toBe(endpoint);
    expect(accepted.durationMs).toBeGreaterThanOrEqual(0);

    client.push("2", "2", "room:2", "phx_join", { deny: true });
    await client.expectReply("2", "2", "room:2", "error", { reason: "denied" });
    const refused = await joins.next((e) => e.topic === "room:2");
    expect(refused).toMatchObject({ socket: "UserSocket", channel: "RoomChannel", topic: "room:2", status: "error" });
    expect(refused.runtime).toBe(endpoint);
    expect(refused.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe("fenix:channel:handle_in", () => {
  it("reports each handled push with its event and the reply's status, or noreply", async () => {
    const handled = record<ChannelHandleInEvent>("fenix:channel:handle_in");
    const { endpoint, url } = await start();
    const client = await joined(url());
    client.push("1", "2", "room:1", "ping", {});
    await client.expectReply("1", "2", "room:1", "ok", { pong: true });
    client.push("1", "3", "room:1", "quiet", {});
    const ping = await handled.next((e) => e.event === "ping");
    const quiet = await handled.next((e) => e.event === "quiet");
    expect(ping).toMatchObject({ channel: "RoomChannel", topic: "room:1", event: "ping", status: "ok" });
    expect(quiet).toMatchObject({ channel: "RoomChannel", topic: "room:1", event: "quiet", status: "noreply" });
    for (const event of [ping, quiet]) {
      expect(event.runtime).toBe(endpoint);
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(handled.seen.map((e) => e.event)).toEqual(["ping", "quiet"]);
  });
});

describe("fenix:channel:crash", () => {
  it("reports a handler that threw, where it threw and the error", async () => {
    const crashes = record<ChannelCrashEvent>("fenix:channel:crash");
    const { endpoint, url } = await start();
    const client = await joined(url());
    client.push("1", "2", "room:1", "boom", {});
    await client.expectMessage("1", "1", "room:1", "phx_error", { reason: "channel_crash" });
    const crash = await crashes.next();
    expect(crash.runtime).toBe(endpoint);
    expect(crash).toMatchObject({ channel: "RoomChannel", topic: "room:1", where: 'handleIn("boom")' });
    expect(crash.error).toBeInstanceOf(Error);
    expect((crash.error as Error).message).toBe("kaboom");
  });
});

describe("fenix:transport:slow_consumer", () => {
  it("reports a WebSocket client that stopped reading, with the transport, unit and limit", async () => {
    const LIMIT = 4 * 1024;
    const slowEvents = record<SlowConsumerEvent>("fenix:transport:slow_consumer");
    const { endpoint, url } = await start({}, { transports: [websocket({ maxBufferedBytes: LIMIT })] });
    const client = await TestClient.open(url("&user=slow"));
    client.push("1", "1", "feed", "phx_join", {});
    await client.expectReply("1", "1", "feed", "ok", {});
    // Stop reading: the bytes pile up in the kernel, then in the server's buffer for this socket.
    const tcp = (client.ws as unknown as { _socket: NetSocket })._socket;
    tcp.pause();
    rawSockets.push(tcp);

    let reported: SlowConsumerEvent | undefined;
    const event = slowEvents.next().then((e) => (reported = e));
    const pad = "x".repeat(32 * 1024);
    for (let i = 0; i < 2_000 && reported === undefined; i++) {
      endpoint.localBroadcast("feed", "big", { i, pad });
      // Yield to the event loop so the server writes (and the event, when it comes, is seen).
      await new Promise((resolve) => setImmediate(resolve));
    }
    const slow = await event;
    expect(slow.runtime).toBe(endpoint);
    expect(slow).toMatchObject({ socket: "UserSocket", transport: "websocket", id: "user_socket:slow", unit: "bytes", limit: LIMIT });
    expect(slow.buffered).toBeGreaterThan(LIMIT);
    expect(slowEvents.seen).toHaveLength(1);
  });
});

describe("fenix:pubsub:adapter_error", () => {
  it("reports a broadcast the adapter could not publish (it still reaches this node)", async () => {
    const failures = record<AdapterErrorEvent>("fenix:pubsub:adapter_error");
    const adapter: PubSubAdapter = {
      start() {},
      publish: () => Promise.reject(new Error("bus down")),
      directPublish: () => Promise.reject(new Error("bus down")),
      stop() {},
    };
    const { endpoint, url } = await start({ pubsubAdapter: adapter, nodeName: "a@host" });
    const client = await joined(url(), "feed");
    await endpoint.broadcast("feed", "news", { n: 1 });
    await client.expectMessage(null, null, "feed", "news", { n: 1 });
    const failure = await failures.next();
    expect(failure.runtime).toBe(endpoint);
    expect(failure).toMatchObject({ operation: "publish", topic: "feed", event: "news" });
    expect((failure.error as Error).message).toBe("bus down");
  });
});

describe("several endpoints in one process", () => {
  it("tags every event with the endpoint it happened on", async () => {
    const connects = record<SocketConnectEvent>("fenix:socket:connect");
    const joins = record<ChannelJoinEvent>("fenix:channel:join");
    const handled = record<ChannelHandleInEvent>("fenix:channel:handle_in");
    const crashes = record<ChannelCrashEvent>("fenix:channel:crash");
    const a = await start();
    const b = await start();
    expect(a.endpoint).not.toBe(b.endpoint);

    const onB = await joined(b.url("&user=bob"), "room:b");
    onB.push("1", "2", "room:b", "ping", {});
    await onB.expectReply("1", "2", "room:b", "ok", { pong: true });
    onB.push("1", "3", "room:b", "boom", {});
    await onB.expectMessage("1", "1", "room:b", "phx_error", { reason: "channel_crash" });
    const onA = await joined(a.url("&user=ann"), "room:a");
    onA.push("1", "2", "room:a", "ping", {});
    await onA.expectReply("1", "2", "room:a", "ok", { pong: true });

    expect((await connects.next((e) => e.params.user === "bob")).runtime).toBe(b.endpoint);
    expect((await connects.next((e) => e.params.user === "ann")).runtime).toBe(a.endpoint);
    expect((await joins.next((e) => e.topic === "room:b")).runtime).toBe(b.endpoint);
    expect((await joins.next((e) => e.topic === "room:a")).runtime).toBe(a.endpoint);
    expect((await handled.next((e) => e.topic === "room:b")).runtime).toBe(b.endpoint);
    expect((await handled.next((e) => e.topic === "room:a")).runtime).toBe(a.endpoint);
    expect((await crashes.next((e) => e.topic === "room:b")).runtime).toBe(b.endpoint);
    // Every event of each endpoint, and only those, carries it.
    for (const recorder of [connects, joins, handled, crashes] as Recorder<{ runtime: object }>[]) {
      for (const event of recorder.seen) expect([a.endpoint, b.endpoint]).toContain(event.runtime);
    }
    expect(connects.seen.map((e) => [e.runtime === a.endpoint ? "a" : "b", e.params.user])).toEqual([
      ["b", "bob"],
      ["a", "ann"],
    ]);
  });
});

describe("no subscriber, no cost", () => {
  it("has no handle_in subscriber unless one subscribes (the endpoint's info-level logs don't)", async () => {
    const { url } = await start({ logger: createLogger({ level: "info" }) });
    expect(telemetry.handleIn.hasSubscribers).toBe(false);
    expect(hasSubscribers("fenix:channel:handle_in")).toBe(false);

    const handled = record<ChannelHandleInEvent>("fenix:channel:handle_in");
    expect(telemetry.handleIn.hasSubscribers).toBe(true);
    const client = await joined(url());
    client.push("1", "2", "room:1", "ping", {});
    await client.expectReply("1", "2", "room:1", "ok", { pong: true });
    await handled.next((e) => e.event === "ping");

    unsubscribeAll();
    expect(telemetry.handleIn.hasSubscribers).toBe(false);
    expect(hasSubscribers("fenix:channel:handle_in")).toBe(false);
    // Pushes are still handled, with nobody listening.
    client.push("1", "3", "room:1", "ping", {});
    await client.expectReply("1", "3", "room:1", "ok", { pong: true });
    expect(handled.seen).toHaveLength(1);
  });

  it("a debug-level endpoint subscribes for its HANDLED lines, and unsubscribes when it closes", async () => {
    expect(telemetry.handleIn.hasSubscribers).toBe(false);
    const endpoint = new Endpoint({ logger: createLogger({ level: "debug" }) });
    expect(telemetry.handleIn.hasSubscribers).toBe(true);
    await endpoint.close();
    expect(telemetry.handleIn.hasSubscribers).toBe(false);
  });
});

describe("fenix:pubsub:broadcast and fenix:channel:push", () => {
  it("a broadcast reports its topic, local subscribers and bytes; a push its channel and bytes", async () => {
    const broadcasts = record<BroadcastEvent>("fenix:pubsub:broadcast");
    const pushes = record<PushEvent>("fenix:channel:push");
    const { endpoint, url } = await start();
    await joined(url());
    await joined(url());
    await endpoint.broadcast("room:1", "news", { body: "hello" });
    const b = await broadcasts.next((e) => e.event === "news");
    expect(b).toMatchObject({ runtime: endpoint, topic: "room:1", event: "news", subscribers: 2 });
    expect(b.bytes).toBe(Buffer.byteLength(JSON.stringify({ body: "hello" })));
    expect(pushes.seen).toHaveLength(0);
    const client = await joined(url(), "feed");
    client.push("1", "2", "feed", "shout", { loud: true });
    const p = await pushes.next();
    expect(p).toMatchObject({ runtime: endpoint, channel: "RoomChannel", topic: "feed", event: "shouted" });
    expect(p.bytes).toBe(Buffer.byteLength('{"loud":true}'));
  });
});

describe("fenix:presence:diff", () => {
  it("reports joins and leaves per topic", async () => {
    const diffs = record<PresenceDiffEvent>("fenix:presence:diff");
    const { endpoint } = await start({ presence: true });
    const subject = { topic: "room:9", onEnd() {} };
    endpoint.presence.track(subject, "alice", {});
    expect(await diffs.next((e) => e.topic === "room:9" && e.joins === 1)).toMatchObject({ runtime: endpoint, leaves: 0 });
    endpoint.presence.untrack(subject, "alice");
    expect(await diffs.next((e) => e.topic === "room:9" && e.leaves === 1)).toMatchObject({ joins: 0 });
  });
});

describe("fenix:socket:drop", () => {
  it("reports a refused message with its reason, topic and event", async () => {
    const drops = record<DropEvent>("fenix:socket:drop");
    const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
    endpoints.push(endpoint);
    endpoint.socket("/socket", defineSocket({ name: "Limited", channels: [["room:*", Room]], limits: { maxPayloadBytes: 100 } }));
    const port = ((await endpoint.listen(0, "127.0.0.1")).address() as AddressInfo).port;
    const client = await joined(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
    client.push("1", "2", "room:1", "ping", { pad: "x".repeat(200) });
    expect(await drops.next()).toMatchObject({
      runtime: endpoint,
      socket: "Limited",
      transport: "websocket",
      reason: "payload_too_large",
      topic: "room:1",
      event: "ping",
    });
  });
});
