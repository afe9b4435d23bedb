// Presence on channels, through the channel test kit: the shapes phoenix.js consumes, the fetch
// hook, and no ghosts however a channel ends.
import { afterEach, describe, expect, it } from "vitest";
import { defineChannel } from "../channel/definition.js";
import { noMatch, ok } from "../channel/results.js";
import { Endpoint } from "../endpoint/endpoint.js";
import { createLogger } from "../util/log.js";
import { defineSocket } from "../socket/definition.js";
import { any, channelTest } from "../testing/index.js";
import type { PresenceOptions } from "./presence.js";

const RoomChannel = defineChannel<{ user: string }>({
  join(_t, _p, socket) {
    socket.send("after_join");
    return ok();
  },
  async handleInfo(_m, socket) {
    await socket.presence.pushState(socket);
    socket.presence.track(socket, socket.assigns.user, { status: "here" });
  },
  handleIn(event, _payload, socket) {
    if (event === "away") return void socket.presence.update(socket, socket.assigns.user, (old) => ({ ...old, status: "away" }));
    if (event === "untrack") return void socket.presence.untrack(socket, socket.assigns.user);
    return noMatch("handleIn", event);
  },
});
const Socket = defineSocket<{ user: string }>({ channels: [["room:*", RoomChannel]] });

const endpoints: Endpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function setup(presence: PresenceOptions = {}) {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }), presence });
  endpoints.push(endpoint);
  await endpoint.start();
  const t = channelTest({ endpoint });
  const join = async (user: string) => {
    const joined = await t.subscribeAndJoin(t.socket(Socket, null, { user }), "room:1");
    if (!joined.ok) throw new Error("join failed");
    await t.assertPush("presence_state", any());
    return joined.channel;
  };
  return { endpoint, t, join };
}

const ref = expect.any(String);

describe("Presence", () => {
  it("pushes presence_state after join and broadcasts joins as presence_diff", async () => {
    const { t, join, endpoint } = await setup();
    await join("alice");
    await t.assertBroadcast("presence_diff", { joins: { alice: { metas: [{ status: "here", phx_ref: ref }] } }, leaves: {} });
    await join("bob");
    await t.assertBroadcast("presence_diff", { joins: { bob: { metas: [{ status: "here", phx_ref: ref }] } }, leaves: {} });
    expect(await endpoint.presence.list("room:1")).toEqual({
      alice: { metas: [{ status: "here", phx_ref: ref }] },
      bob: { metas: [{ status: "here", phx_ref: ref }] },
    });
    expect(await endpoint.presence.getByKey("room:1", "bob")).toEqual({ metas: [{ status: "here", phx_ref: ref }] });
    expect(await endpoint.presence.getByKey("room:1", "nobody")).toBeUndefined();
    await t.cleanup();
  });

  it("reports an update as one diff: the new meta (with phx_ref_prev) in joins, the old in leaves", async () => {
    const { t, join } = await setup();
    const alice = await join("alice");
    const joined = (await t.assertBroadcast("presence_diff", any())) as { joins: { alice: { metas: { phx_ref: string }[] } } };
    const first = joined.joins.alice.metas[0].phx_ref;
    t.push(alice, "away");
    const diff = (await t.assertBroadcast("presence_diff", any())) as Record<string, Record<string, { metas: Record<string, unknown>[] }>>;
    expect(diff.joins.alice.metas).toEqual([{ status: "away", phx_ref: ref, phx_ref_prev: first }]);
    expect(diff.leaves.alice.metas).toEqual([{ status: "here", phx_ref: first }]);
    await t.cleanup();
  });

  it("leaves no ghost however the channel ends: untrack, leave, crash, close", async () => {
    const { t, join, endpoint } = await setup();
    const users = ["untracked", "left", "crashed", "closed"];
    const channels = await Promise.all(users.map(join));
    await expect.poll(async () => Object.keys(await endpoint.presence.list("room:1")).sort()).toEqual([...users].sort());
    t.push(channels[0], "untrack");
    t.leave(channels[1]);
    t.push(channels[2], "boom");
    await t.close(channels[3]);
    await expect.poll(async () => endpoint.presence.list("room:1")).toEqual({});
    await t.cleanup();
  });

  it("passes lists and diffs through fetch, in one batch per list or diff side", async () => {
    const calls: string[][] = [];
    const { t, join, endpoint } = await setup({
      fetch: async (_topic, presences) => {
        calls.push(Object.keys(presences));
        return Object.fromEntries(Object.entries(presences).map(([k, v]) => [k, { ...v, name: k.toUpperCase() }]));
      },
    });
    await join("alice");
    await t.assertBroadcast("presence_diff", { joins: { alice: { metas: [{ status: "here", phx_ref: ref }], name: "ALICE" } }, leaves: {} });
    expect(await endpoint.presence.list("room:1")).toEqual({ alice: { metas: [{ status: "here", phx_ref: ref }], name: "ALICE" } });
    expect(calls.some((keys) => keys.length === 1 && keys[0] === "alice")).toBe(true);
    await t.cleanup();
  });
});
