// Three HelloSockets processes on one real Redis: cross-node broadcasts, replicated Presence as the
// official phoenix.js client sees it, a SIGKILLed node, a node cut off from Redis and healed, a
// Redis restart, and 1,000 presences on one topic. Node C reaches Redis through a TCP proxy so it
// alone can be cut off.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import type { TestRedis } from "../../../packages/fenix/test/support/redis.js";
import { HelloNode, Member, RawMember, TRACKER, converged, sleep, waitConverged, waitUntil } from "./support/cluster.js";
import { freePort } from "./support/process.js";
import { startTcpProxy } from "./support/tcp_proxy.js";
import type { TcpProxy } from "./support/tcp_proxy.js";

let redis: TestRedis | undefined;
let proxy: TcpProxy | undefined;
let A: HelloNode;
let B: HelloNode;
let C: HelloNode;
const nodes: HelloNode[] = [];
const members: Member[] = [];
const raws: RawMember[] = [];

/** How long a delivery may take before "exactly once" is judged (several broadcast periods). */
const SETTLE_MS = 600;

function member(node: HelloNode, user: string, room?: string, ping = false): Member {
  const m = new Member({ url: node.socketUrl, user, room, ping });
  members.push(m);
  return m;
}

function done(...ms: Member[]): void {
  for (const m of ms) {
    m.disconnect();
    const i = members.indexOf(m);
    if (i >= 0) members.splice(i, 1);
  }
}

/** Logs of every node, for failure messages. */
function logs(): string {
  return nodes.map((n) => `----- ${n.name} -----\n${n.output().split("\n").slice(-40).join("\n")}`).join("\n");
}

beforeAll(async () => {
  redis = await startRedis();
  proxy = await startTcpProxy(redis.port);
  const [pa, pb, pc] = await Promise.all([freePort(), freePort(), freePort()]);
  A = new HelloNode("node-a", pa, redis.url);
  B = new HelloNode("node-b", pb, redis.url);
  C = new HelloNode("node-c", pc, proxy.url());
  nodes.push(A, B, C);
  await Promise.all(nodes.map((n) => n.start()));
});

afterAll(async () => {
  for (const m of members.splice(0)) {
    try {
      m.disconnect();
    } catch {
      // best effort: the processes go next whatever happens
    }
  }
  await Promise.allSettled(nodes.map((n) => n.kill()));
  for (const r of raws.splice(0)) r.close();
  await Promise.allSettled([proxy?.close(), redis?.stop()]);
});

describe.sequential("a three-node cluster on Redis", () => {
  it("(a) delivers publish-API broadcasts, intercepted request_ping and a room's new_msg to every node exactly once", async () => {
    const onA = member(A, "pa", "room:a", true);
    const onB = member(B, "pb", "room:a", true);
    const onC = member(C, "pc", "room:a", true);
    const all = [onA, onB, onC];
    await Promise.all(all.map((m) => m.joined()));
    await waitConverged(all, ["pa", "pb", "pc"], 3_000, "room:a");

    // The publish API on B reaches the ping subscribers on A, B and C, once each.
    const id = randomUUID();
    expect((await B.publish({ topic: "ping", event: "news", payload: { id } })).status).toBe(200);
    await waitUntil(() => all.every((m) => m.received("news").length > 0), 2_000, "news on every node");
    await sleep(SETTLE_MS);
    for (const m of all)
      expect(
        m.received("news", (p) => p.id === id, "ping"),
        m.user,
      ).toEqual([{ id }]);

    // request_ping is intercepted: each node pushes send_ping with its own name.
    expect((await B.publish({ topic: "ping", event: "request_ping", payload: { id } })).status).toBe(200);
    await waitUntil(() => all.every((m) => m.received("send_ping").length > 0), 2_000, "send_ping on every node");
    await sleep(SETTLE_MS);
    expect(onA.received("send_ping")).toEqual([{ id, from_node: "node-a" }]);
    expect(onB.received("send_ping")).toEqual([{ id, from_node: "node-b" }]);
    expect(onC.received("send_ping")).toEqual([{ id, from_node: "node-c" }]);
    expect(all.flatMap((m) => m.received("request_ping"))).toEqual([]);

    // A client's new_msg on A is broadcast (sender included) across the cluster.
    onA.room.push("new_msg", { body: `hello ${id}` });
    await waitUntil(() => all.every((m) => m.received("new_msg").length > 0), 2_000, "new_msg on every node");
    await sleep(SETTLE_MS);
    for (const m of all)
      expect(
        m.received("new_msg", () => true, "room:a"),
        m.user,
      ).toEqual([{ user: "pa", body: `hello ${id}` }]);
    expect(all.map((m) => m.opens)).toEqual([1, 1, 1]);
    done(...all);
  });

  it("(b) Presence lists on all three nodes are equal within 2 s of a join and of a leave", async () => {
    const a1 = member(A, "a1", "room:b");
    const b1 = member(B, "b1", "room:b");
    const c1 = member(C, "c1", "room:b");
    const observers = [a1, b1, c1];
    await Promise.all(observers.map((m) => m.joined()));
    await waitConverged(observers, ["a1", "b1", "c1"], 3_000, "first joins");

    // A second presence under an existing key (b1 on another node), and a new key.
    const b1again = member(C, "b1", "room:b");
    const a2 = member(B, "a2", "room:b");
    await Promise.all([b1again.joined(), a2.joined()]);
    const joinedIn = await waitConverged(observers, ["a1", "a2", "b1", "c1"], 2_000, "after joins");
    expect(b1.snapshot().find(([k]) => k === "b1")?.[1]).toHaveLength(2);

    // RoomChannel exposes no presence update (no event calls presence.update), so only join and leave are exercised here.

    await b1again.leaveRoom();
    await waitUntil(() => b1.snapshot().find(([k]) => k === "b1")?.[1].length === 1, 2_000, "one b1 presence left");
    await a2.leaveRoom();
    const leftIn = await waitConverged(observers, ["a1", "b1", "c1"], 2_000, "after leaves");
    // Closing a socket (not leaving) untracks too.
    c1.disconnect();
    await waitConverged([a1, b1], ["a1", "b1"], 2_000, "after a disconnect");
    console.log(`(b) converged ${joinedIn} ms after joins, ${leftIn} ms after leaves`);
    done(a1, b1, c1, b1again, a2);
  });

  it("(c) a SIGKILLed node's presences leave the other lists after the down period, and return with its next incarnation", async () => {
    const a1 = member(A, "a1", "room:c");
    const b1 = member(B, "b1", "room:c");
    const c1 = member(C, "c1", "room:c");
    const c2 = member(C, "c2", "room:c");
    const everyone = [a1, b1, c1, c2];
    await Promise.all(everyone.map((m) => m.joined()));
    await waitConverged(everyone, ["a1", "b1", "c1", "c2"], 3_000, "before the kill");
    const oldRefs = c1.snapshot().find(([k]) => k === "c1")?.[1];

    const killedAt = Date.now();
    await C.kill();
    // Until the down period has (nearly) passed, C's presences stay; then they go.
    const goneAfter = await waitUntil(
      () => converged([a1, b1], ["a1", "b1"]),
      TRACKER.downMs + 3_000,
      "C's presences to leave A and B",
      () => ({ a1: a1.snapshot(), b1: b1.snapshot() }),
      10,
    );
    const elapsed = Date.now() - killedAt;
    console.log(`(c) C's presences left A and B ${elapsed} ms after SIGKILL (down period ${TRACKER.downMs} ms)`);
    expect(elapsed, "presences hidden too early").toBeGreaterThanOrEqual(TRACKER.downMs * 0.4);
    expect(goneAfter).toBeLessThanOrEqual(TRACKER.downMs + 1_500);

    // Same NODE_NAME, new incarnation: c1 and c2 reconnect (phoenix.js) and rejoin.
    await C.start();
    await Promise.all([c1.joined(2, 8_000), c2.joined(2, 8_000)]);
    const backIn = await waitConverged(everyone, ["a1", "b1", "c1", "c2"], 5_000, "after C restarted");
    console.log(`(c) lists equal again ${backIn} ms after C's clients rejoined`);
    const newRefs = a1.snapshot().find(([k]) => k === "c1")?.[1];
    expect(newRefs).not.toEqual(oldRefs);
    expect([a1.opens, b1.opens]).toEqual([1, 1]);
    expect([c1.opens, c2.opens]).toEqual([2, 2]);
    // The old incarnation is not resurrected: one presence per key.
    expect(a1.snapshot().every(([, refs]) => refs.length === 1)).toBe(true);
    done(...everyone);
  });

  it("(d) a node cut off from Redis and healed converges without any client reconnecting", async () => {
    const a1 = member(A, "a1", "room:d", true);
    const a2 = member(A, "a2", "room:d");
    const b1 = member(B, "b1", "room:d", true);
    const c1 = member(C, "c1", "room:d", true);
    const c2 = member(C, "c2", "room:d");
    const everyone = [a1, a2, b1, c1, c2];
    await Promise.all(everyone.map((m) => m.joined()));
    await waitConverged(everyone, ["a1", "a2", "b1", "c1", "c2"], 3_000, "before the cut");

    const cutAt = Date.now();
    proxy!.cut();
    // The others hide C's presences after the down period, and C hides theirs.
    await waitUntil(
      () => converged([a1, a2, b1], ["a1", "a2", "b1"]),
      TRACKER.downMs + 3_000,
      "C's presences to leave A and B",
      () => ({
        a1: a1.snapshot(),
        b1: b1.snapshot(),
      }),
    );
    const hiddenAfter = Date.now() - cutAt;
    await waitUntil(
      () => converged([c1, c2], ["c1", "c2"]),
      3_000,
      "A's and B's presences to leave C",
      () => c1.snapshot(),
    );
    console.log(`(d) C's presences left A and B ${hiddenAfter} ms after the cut`);
    expect(hiddenAfter, "presences hidden too early").toBeGreaterThanOrEqual(TRACKER.downMs * 0.4);

    // Changes on both sides of the partition while it lasts: each side misses the other's deltas.
    await a2.leaveRoom();
    await c2.leaveRoom();
    await waitConverged([a1, b1], ["a1", "b1"], 2_000, "A and B during the cut");
    await sleep(300);

    proxy!.heal();
    const healedIn = await waitConverged([a1, b1, c1], ["a1", "b1", "c1"], 8_000, "after heal");
    console.log(`(d) lists equal ${healedIn} ms after heal`);

    // Broadcasts cross the healed link both ways.
    const fromB = randomUUID();
    expect((await B.publish({ topic: "ping", event: "news", payload: { id: fromB } })).status).toBe(200);
    const fromC = randomUUID();
    expect((await C.publish({ topic: "ping", event: "news", payload: { id: fromC } })).status).toBe(200);
    await waitUntil(
      () => [a1, b1, c1].every((m) => m.received("news", (p) => p.id === fromB || p.id === fromC).length === 2),
      3_000,
      "both broadcasts on every node",
      () => [a1, b1, c1].map((m) => m.received("news")),
    );
    await sleep(SETTLE_MS);
    for (const m of [a1, b1, c1]) {
      expect(m.received("news", (p) => p.id === fromB)).toHaveLength(1);
      expect(m.received("news", (p) => p.id === fromC)).toHaveLength(1);
    }
    expect(
      everyone.map((m) => m.opens),
      "a client socket reconnected",
    ).toEqual([1, 1, 1, 1, 1]);
    expect(everyone.flatMap((m) => m.closes)).toEqual([]);
    expect(C.output()).toContain("redis connection restored");
    done(...everyone);
  });

  it("(e) after a Redis restart, broadcasts and presence work across nodes again without client reconnects", async () => {
    const a1 = member(A, "a1", "room:e", true);
    const b1 = member(B, "b1", "room:e", true);
    const c1 = member(C, "c1", "room:e", true);
    const everyone = [a1, b1, c1];
    await Promise.all(everyone.map((m) => m.joined()));
    await waitConverged(everyone, ["a1", "b1", "c1"], 3_000, "before the Redis restart");

    const restartedAt = Date.now();
    await redis!.restart();
    // Probe until a broadcast from each node reaches every other node again.
    const backIn = await waitUntil(
      async () => {
        const probe = randomUUID();
        await Promise.all([A, B, C].map((n) => n.publish({ topic: "ping", event: "probe", payload: { probe, from: n.name } }).catch(() => undefined)));
        await sleep(150);
        return everyone.every((m) => m.received("probe", (p) => p.probe === probe).length === 3);
      },
      10_000,
      "broadcasts across nodes after the Redis restart",
      () => everyone.map((m) => m.received("probe").slice(-6)),
      0,
    );
    console.log(`(e) broadcasts cross nodes again ${backIn} ms after Redis came back (${Date.now() - restartedAt} ms after the kill)`);

    const id = randomUUID();
    expect((await A.publish({ topic: "ping", event: "news", payload: { id } })).status).toBe(200);
    await waitUntil(() => everyone.every((m) => m.received("news", (p) => p.id === id).length > 0), 2_000, "news on every node");
    await sleep(SETTLE_MS);
    for (const m of everyone) expect(m.received("news", (p) => p.id === id)).toHaveLength(1);

    // Presence: the lists come back together, and a new join after the restart reaches every node.
    await waitConverged(everyone, ["a1", "b1", "c1"], 5_000, "after the Redis restart");
    const b2 = member(B, "b2", "room:e");
    await b2.joined();
    await waitConverged([...everyone, b2], ["a1", "b1", "b2", "c1"], 2_000, "a join after the Redis restart");
    expect(
      everyone.map((m) => m.opens),
      "a client socket reconnected",
    ).toEqual([1, 1, 1]);
    done(...everyone, b2);
  });

  it("(f) 1,000 presences on one topic across three nodes: every node lists exactly the same 1,000 keys", async () => {
    const topic = "room:big";
    const observers = [member(A, "obs-a", topic), member(B, "obs-b", topic), member(C, "obs-c", topic)];
    await Promise.all(observers.map((m) => m.joined()));
    const hosts = [A, B, C];
    const keys = observers.map((m) => m.user);
    const started = Date.now();
    const BATCH = 50;
    for (let i = 0; i < 997; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, 997 - i) }, (_, j) => i + j);
      const joined = await Promise.all(batch.map((n) => RawMember.join(hosts[n % 3].socketUrl, `u${n}`, topic)));
      for (const { member: raw } of joined) raws.push(raw);
      keys.push(...batch.map((n) => `u${n}`));
    }
    const joinedIn = Date.now() - started;
    expect(keys).toHaveLength(1_000);
    const convergedIn = await waitUntil(
      () => converged(observers, keys),
      15_000,
      "1,000 presences on every node",
      () => observers.map((m) => ({ user: m.user, keys: m.keys().length })),
      100,
    );
    console.log(`(f) 997 raw joins in ${joinedIn} ms; observers' lists equal with 1,000 keys ${convergedIn} ms later`);

    // A fresh join on each node gets the whole cluster's list in presence_state (pushed before it
    // is tracked itself). The fresh joiners of the other nodes may or may not have replicated yet.
    const expected = [...keys].sort();
    const fresh = await Promise.all(hosts.map((node) => RawMember.join(node.socketUrl, `fresh-${node.name}`, topic)));
    fresh.forEach(({ member: raw, state }, i) => {
      raws.push(raw);
      const listed = Object.keys(state).sort();
      const others = hosts.filter((_, j) => j !== i).map((n) => `fresh-${n.name}`);
      expect(
        listed.filter((k) => !k.startsWith("fresh-")),
        `presence_state on ${hosts[i].name}`,
      ).toEqual(expected);
      expect(listed.filter((k) => k.startsWith("fresh-")).every((k) => others.includes(k))).toBe(true);
      expect(Object.values(state).every((p) => p.metas.length === 1)).toBe(true);
    });
    expect(observers.map((m) => m.opens)).toEqual([1, 1, 1]);
  });

  it("left every node running and logging no crash", () => {
    if (process.env.CLUSTER_DUMP_LOGS) console.log(nodes.map((n) => `----- ${n.name} -----\n${n.output()}`).join("\n"));
    for (const node of nodes) {
      expect(node.running, node.name).toBe(true);
      expect(node.output(), `${node.name}\n${logs()}`).not.toMatch(/uncaught|unhandled/i);
    }
  });
});
