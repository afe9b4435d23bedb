import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { client, closeClients, eventually, inbox, name, startNode, subscribe, subscribed, token } from "./support.js";
import type { Node } from "./support.js";

let node: Node;
let apikey: string;

beforeAll(async () => {
  node = await startNode({
    limits: {
      broadcastsPerSecond: 0.001,
      broadcastBurst: 2,
      maxPayloadBytes: 100,
      presenceEventsPerWindow: 2,
      presenceWindowMs: 60_000,
      channelsPerConnection: 2,
    },
  });
  apikey = await token();
});
afterEach(closeClients);
afterAll(() => node.endpoint.close());

describe("limits answer with a system error, never a silent drop", () => {
  it("broadcasts per second per channel", async () => {
    const system = inbox();
    const ch = await subscribed(
      client(node.url, apikey)
        .channel(name(), { config: { broadcast: { ack: true } } })
        .on("system", {}, (m) => system.push(m)),
    );
    expect(await ch.send({ type: "broadcast", event: "e", payload: {} })).toBe("ok");
    expect(await ch.send({ type: "broadcast", event: "e", payload: {} })).toBe("ok");
    expect(await ch.send({ type: "broadcast", event: "e", payload: {} })).toBe("error");
    expect(await system.next()).toEqual({
      extension: "system",
      status: "error",
      message: "Too many messages per second (at most 0.001 per channel)",
      channel: ch.subTopic,
    });
    expect(ch.state).toBe("joined");
  });

  it("payload size, for broadcasts without ack too", async () => {
    const system = inbox();
    const ch = await subscribed(
      client(node.url, apikey)
        .channel(name())
        .on("system", {}, (m) => system.push(m)),
    );
    await ch.send({ type: "broadcast", event: "e", payload: { s: "x".repeat(200) } });
    expect((await system.next()).message).toMatch(/^Payload size exceeded: \d+ bytes, the limit is 100$/);
    const big = await ch.track({ s: "y".repeat(200) });
    expect(big).toBe("error");
    expect((await system.next()).message).toMatch(/^Track message size exceeded: \d+ bytes, the limit is 100$/);
  });

  it("presence track/untrack per client, and a second track updates the meta", async () => {
    const system = inbox();
    const ch = await subscribed(
      client(node.url, apikey)
        .channel(name(), { config: { presence: { key: "me" } } })
        .on("presence", { event: "sync" }, () => {})
        .on("system", {}, (m) => system.push(m)),
    );
    expect(await ch.track({ v: 1 })).toBe("ok");
    expect(await ch.track({ v: 2 })).toBe("ok");
    await eventually(() => ch.presenceState().me?.[0]?.v === 2, 10_000, "the updated meta");
    expect(ch.presenceState().me).toHaveLength(1);
    expect(await ch.untrack()).toBe("error");
    expect((await system.next()).message).toBe("ClientPresenceRateLimitReached: Client presence rate limit exceeded (at most 2 per 60 s)");
    expect(ch.state).toBe("joined");
  });

  it("channels per connection", async () => {
    const c = client(node.url, apikey);
    await subscribed(c.channel(name()));
    await subscribed(c.channel(name()));
    const third = await subscribe(c.channel(name()));
    expect(third.status).toBe("CHANNEL_ERROR");
    expect(third.err?.message).toBe("ChannelRateLimitReached: Too many channels (at most 2 per connection)");
  });
});

describe("heartbeat", () => {
  it("keeps a connection open past the server's idle timeout", async () => {
    const quick = await startNode({ websocket: { timeout: 1000 } });
    try {
      const statuses: string[] = [];
      const c = client(quick.url, apikey, { heartbeatIntervalMs: 200, heartbeatCallback: (s: string) => statuses.push(s) });
      const closes: unknown[] = [];
      c.channel(name());
      c.connect();
      c.socketAdapter.getSocket().onClose((e: unknown) => closes.push(e));
      // Over two idle timeouts' worth of heartbeats, each answered, and the socket never closed.
      await eventually(() => statuses.filter((s) => s === "ok").length >= 12, 10_000, "12 heartbeat replies");
      expect(closes).toEqual([]);
      expect(c.isConnected()).toBe(true);
    } finally {
      await closeClients();
      await quick.endpoint.close();
    }
  });
});
