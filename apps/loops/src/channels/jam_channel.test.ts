import { Endpoint, createLogger } from "fenix";
import { any, channelTest } from "fenix/testing";
import type { ChannelTest, TestChannel } from "fenix/testing";
import { afterEach, describe, expect, test } from "vitest";
import { MemoryBalancer } from "../balancer/memory.js";
import { userSocket } from "../sockets/user_socket.js";

let t: ChannelTest;
let endpoint: Endpoint;
let balancer: MemoryBalancer;

afterEach(async () => {
  await t?.cleanup();
  await endpoint?.close();
});

async function setup() {
  endpoint = new Endpoint({ logger: createLogger({ level: "silent" }), presence: true });
  await endpoint.start();
  t = channelTest({ endpoint });
  balancer = new MemoryBalancer();
  return userSocket(balancer);
}

async function player(socket: ReturnType<typeof userSocket>, topic = "jams:jam-1") {
  const connected = await t.connect(socket, {});
  if (!connected.ok) throw new Error("connect refused");
  const joined = await t.subscribeAndJoin(connected.socket, topic);
  return { socket: connected.socket, joined, userId: connected.socket.assigns.user_id as string };
}

function joinedChannel(joined: Awaited<ReturnType<ChannelTest["join"]>>): TestChannel {
  if (!joined.ok) throw new Error(`join refused: ${JSON.stringify(joined.reply)}`);
  return joined.channel;
}

const pushesTo = (channel: TestChannel, event: string) =>
  t.mailbox.all().filter((i) => i.kind === "push" && i.event === event && i.joinRef === channel.joinRef);

describe("UserSocket", () => {
  test("each connection is a new player with a uuid user_id", async () => {
    const socket = await setup();
    const a = await t.connect(socket, {});
    const b = await t.connect(socket, {});
    if (!a.ok || !b.ok) throw new Error("refused");
    expect(a.socket.assigns.user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.socket.assigns.user_id).not.toBe(b.socket.assigns.user_id);
  });
});

describe("JamChannel join", () => {
  test("replies {user_id}, tracks {user_id, loop_name} and pushes presence_state", async () => {
    const socket = await setup();
    const { joined, userId } = await player(socket);
    expect(joined.ok && joined.reply).toEqual({ user_id: userId });
    const state = (await t.assertPush("presence_state", any(), 1_000)) as Record<string, { metas: unknown[] }>;
    expect(state).toEqual({ [userId]: { metas: [{ phx_ref: expect.any(String), user_id: userId, loop_name: "80s_Back_Beat" }] } });
  });

  test("each player gets the next free loop; presence_state lists everyone", async () => {
    const socket = await setup();
    const first = await player(socket);
    await t.assertPush("presence_state", any(), 1_000);
    const second = await player(socket);
    const state = (await t.assertPush("presence_state", any(), 1_000)) as Record<string, { metas: { loop_name: string }[] }>;
    expect(state[second.userId].metas[0].loop_name).toBe("Amsterdam_Layers");
    expect(state[first.userId].metas[0].loop_name).toBe("80s_Back_Beat");
  });

  test("a full jam refuses with new_topic, before presence ever sees the player", async () => {
    const socket = await setup();
    for (let i = 0; i < 7; i++) joinedChannel((await player(socket)).joined);
    const eighth = await player(socket);
    expect(eighth.joined.ok).toBe(false);
    const reply = eighth.joined.reply as { new_topic: string };
    expect(Object.keys(reply)).toEqual(["new_topic"]);
    expect(reply.new_topic).toMatch(/^jams:[0-9a-f-]{36}$/);
    expect(reply.new_topic).not.toBe("jams:jam-1");
    expect(await balancer.stats()).toEqual({ jam_count: 1, user_count: 7, jams: { "jam-1": { user_count: 7 } } });
    await new Promise((r) => setTimeout(r, 50));
    expect(Object.keys(await endpoint.presence.list("jams:jam-1"))).toHaveLength(7);
    expect(Object.keys(await endpoint.presence.list("jams:jam-1"))).not.toContain(eighth.userId);
  });

  test("the refusal names the jam with room, and joining it works", async () => {
    const socket = await setup();
    for (let i = 0; i < 7; i++) await player(socket, "jams:full");
    await player(socket, "jams:other");
    const refused = await player(socket, "jams:full");
    expect(refused.joined.reply).toEqual({ new_topic: "jams:other" });
  });

  test("a malformed jam id is refused with a reason", async () => {
    const socket = await setup();
    const { joined } = await player(socket, "jams:");
    expect(joined).toEqual({ ok: false, reply: { reason: "a jam id is 1 to 64 letters, digits, - or _" } });
    expect((await balancer.stats()).user_count).toBe(0);
  });
});

describe("JamChannel loop events", () => {
  test("loop:played updates the sender's meta and reaches the others, not the sender, with no reply", async () => {
    const socket = await setup();
    const a = await player(socket);
    const b = await player(socket);
    const channelA = joinedChannel(a.joined);
    const channelB = joinedChannel(b.joined);
    // The client's user_id is ignored: it cannot play someone else's loop.
    const ref = t.push(channelA, "loop:played", { user_id: b.userId });
    await t.assertBroadcast("loop:played", { user_id: a.userId }, 1_000);
    await t.refuteReply(ref);
    expect(pushesTo(channelB, "loop:played").map((i) => (i as { payload: unknown }).payload)).toEqual([{ user_id: a.userId }]);
    expect(pushesTo(channelA, "loop:played")).toEqual([]);
    const meta = (await endpoint.presence.getByKey("jams:jam-1", a.userId))?.metas[0];
    expect(meta).toEqual(expect.objectContaining({ user_id: a.userId, loop_name: "80s_Back_Beat", loop_event: "played" }));
    expect((await endpoint.presence.getByKey("jams:jam-1", b.userId))?.metas[0].loop_event).toBeUndefined();
  });

  test("loop:stopped sets loop_event stopped", async () => {
    const socket = await setup();
    const a = await player(socket);
    const channelA = joinedChannel(a.joined);
    t.push(channelA, "loop:played", { user_id: a.userId });
    t.push(channelA, "loop:stopped", { user_id: a.userId });
    await t.assertBroadcast("loop:played", { user_id: a.userId }, 1_000);
    await t.assertBroadcast("loop:stopped", { user_id: a.userId }, 1_000);
    const meta = (await endpoint.presence.getByKey("jams:jam-1", a.userId))?.metas[0];
    expect(meta).toEqual(expect.objectContaining({ loop_event: "stopped" }));
  });

  test("any other event gets a clear error and the channel stays", async () => {
    const socket = await setup();
    const channel = joinedChannel((await player(socket)).joined);
    const ref = t.push(channel, "loop:exploded", {});
    await t.assertReply(ref, "error", { reason: 'unknown event "loop:exploded"; send loop:played or loop:stopped' });
    t.push(channel, "loop:played", {});
    await t.assertBroadcast("loop:played", any(), 1_000);
  });
});

describe("JamChannel terminate", () => {
  test("a closed connection frees the seat and the loop", async () => {
    const socket = await setup();
    const players = [];
    for (let i = 0; i < 7; i++) players.push(await player(socket));
    await t.close(joinedChannel(players[3].joined));
    expect((await balancer.stats()).user_count).toBe(6);
    const late = await player(socket);
    joinedChannel(late.joined);
    await new Promise((r) => setTimeout(r, 50));
    expect((await endpoint.presence.getByKey("jams:jam-1", late.userId))?.metas[0].loop_name).toBe("Degenerating_Pitch_Vox");
  });

  test("leaving frees the seat; the last one out removes the jam", async () => {
    const socket = await setup();
    const channel = joinedChannel((await player(socket)).joined);
    const ref = t.leave(channel);
    await t.assertReply(ref, "ok", {}, 1_000);
    await t.assertClose("jams:jam-1", 1_000);
    expect(await balancer.stats()).toEqual({ jam_count: 0, user_count: 0, jams: {} });
  });
});
