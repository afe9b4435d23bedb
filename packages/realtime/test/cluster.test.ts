import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RealtimeChannel } from "@supabase/realtime-js";
import { client, closeClients, eventually, inbox, name, redisAdapter, startNode, subscribed, token } from "./support.js";
import type { Node } from "./support.js";

let nodes: Node[];
let apikey: string;

beforeAll(async () => {
  const namespace = name("realtime-cluster");
  nodes = await Promise.all(
    [1, 2, 3].map((i) =>
      startNode({ nodeName: `rt${i}@test`, pubsubAdapter: redisAdapter(namespace), presence: { broadcastPeriodMs: 100, downPeriodMs: 5_000 } }),
    ),
  );
  apikey = await token();
});
afterEach(closeClients);
afterAll(() => Promise.all(nodes.map((n) => n.endpoint.close())));

function keys(channel: RealtimeChannel): string[] {
  return Object.keys(channel.presenceState()).sort();
}

describe("three nodes on Redis", () => {
  it("broadcasts reach subscribers on every node", async () => {
    const topic = name();
    const got = [inbox(), inbox(), inbox()];
    const channels = await Promise.all(
      nodes.map((n, i) =>
        subscribed(
          client(n.url, apikey)
            .channel(topic)
            .on("broadcast", { event: "hi" }, (m) => got[i].push(m)),
        ),
      ),
    );
    await channels[0].send({ type: "broadcast", event: "hi", payload: { from: 1 } });
    expect(await got[1].next()).toEqual({ type: "broadcast", event: "hi", payload: { from: 1 } });
    expect(await got[2].next()).toEqual({ type: "broadcast", event: "hi", payload: { from: 1 } });
    const bytes = new Uint8Array([9, 8, 7]);
    await channels[2].send({ type: "broadcast", event: "hi", payload: bytes.buffer });
    const binary = await got[0].next();
    expect([...new Uint8Array(binary.payload)]).toEqual([9, 8, 7]);
    expect(got[0].items).toHaveLength(1);
  });

  it("presence track/untrack/sync across nodes, keyed by presence.key", async () => {
    const topic = name();
    const joins = inbox<{ key: string; newPresences: any[] }>();
    const leaves = inbox<{ key: string }>();
    const channels = nodes.map((n, i) => client(n.url, apikey).channel(topic, { config: { presence: { key: `user-${i + 1}` } } }));
    channels[0].on("presence", { event: "join" }, (p) => joins.push(p)).on("presence", { event: "leave" }, (p) => leaves.push(p));
    for (const ch of channels.slice(1)) ch.on("presence", { event: "sync" }, () => {});
    await Promise.all(channels.map((ch) => subscribed(ch)));
    await Promise.all(channels.map((ch, i) => ch.track({ n: i + 1 })));
    for (const ch of channels) await eventually(() => keys(ch).length === 3, 10_000, "three presences everywhere");
    expect(keys(channels[1])).toEqual(["user-1", "user-2", "user-3"]);
    expect(channels[2].presenceState()["user-2"]).toEqual([{ n: 2, presence_ref: expect.any(String) }]);
    const joined = new Set<string>();
    while (joined.size < 3) joined.add((await joins.next()).key);
    expect([...joined].sort()).toEqual(["user-1", "user-2", "user-3"]);

    expect(await channels[1].untrack()).toBe("ok");
    expect((await leaves.next()).key).toBe("user-2");
    for (const ch of channels) await eventually(() => keys(ch).join() === "user-1,user-3", 10_000, "user-2 gone everywhere");

    // A late joiner on another node gets the whole state in presence_state.
    const late = client(nodes[1].url, apikey).channel(topic);
    const synced = inbox();
    await subscribed(late.on("presence", { event: "sync" }, () => synced.push(keys(late).join())));
    await eventually(() => keys(late).join() === "user-1,user-3", 10_000, "the late joiner's state");
  });

  it("an empty presence.key gets a server-generated key, one per client", async () => {
    const topic = name();
    const a = client(nodes[0].url, apikey)
      .channel(topic)
      .on("presence", { event: "sync" }, () => {});
    const b = client(nodes[2].url, apikey)
      .channel(topic)
      .on("presence", { event: "sync" }, () => {});
    await Promise.all([subscribed(a), subscribed(b)]);
    await a.track({ who: "a" });
    await b.track({ who: "b" });
    await eventually(() => keys(a).length === 2 && keys(b).length === 2, 10_000, "two generated keys");
    for (const key of keys(a)) expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys(a)).toEqual(keys(b));
  });
});
