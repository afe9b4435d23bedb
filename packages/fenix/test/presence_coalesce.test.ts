// Presence diff coalescing with the official client: many clients join one topic at once, on one
// node and spread over three; each client's phoenix.js Presence list ends identical with
// coalescing on and off, and coalescing sends fewer presence_diff frames.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, ok } from "fenix";
import { Presence, Socket } from "phoenix";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { MemoryCluster } from "./support/memory_cluster.js";

const RoomChannel = defineChannel<{ user: string }>({
  join(_topic, _payload, socket) {
    socket.send("after_join");
    return ok();
  },
  async handleInfo(_msg, socket) {
    await socket.presence.pushState(socket);
    socket.presence.track(socket, socket.assigns.user, { online_at: 1 });
  },
});
const UserSocket = defineSocket<{ user: string }>({
  connect: (params, socket) => socket.assign({ user: String(params.user) }),
  channels: [["room:*", RoomChannel]],
});

const endpoints: Endpoint[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function nodes(count: number, coalesceMs: number): Promise<{ urls: string[]; endpoints: Endpoint[] }> {
  const cluster = new MemoryCluster();
  const mine: Endpoint[] = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const endpoint = new Endpoint({
      nodeName: `n${i}@test`,
      logger: createLogger({ level: "silent" }),
      pubsubAdapter: count > 1 ? cluster.adapter() : undefined,
      presence: { coalesceMs, broadcastPeriodMs: 50 },
    });
    endpoint.socket("/socket", UserSocket);
    const server = await endpoint.listen(0, "127.0.0.1");
    urls.push(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`);
    endpoints.push(endpoint);
    mine.push(endpoint);
  }
  return { urls, endpoints: mine };
}

interface Client {
  list(): string[];
  diffs: number;
}

function join(url: string, user: string): Client {
  const socket = new Socket(url, { transport: WebSocket, params: { user } });
  sockets.push(socket);
  socket.connect();
  const channel = socket.channel("room:lobby");
  const presence = new Presence(channel);
  const client: Client = {
    list: () => presence.list((key: string, { metas }: { metas: { phx_ref: string }[] }) => `${key}:${metas.map((m) => m.phx_ref).join(",")}`).sort(),
    diffs: 0,
  };
  channel.on("presence_diff", () => client.diffs++);
  channel.join();
  return client;
}

/** Joins `users` clients at once, spread over the nodes, and waits until every client lists all. */
async function crowd(nodeCount: number, coalesceMs: number, users: number) {
  const { urls, endpoints: eps } = await nodes(nodeCount, coalesceMs);
  const clients = Array.from({ length: users }, (_, i) => join(urls[i % urls.length], `user${i}`));
  await expect.poll(() => clients.every((c) => c.list().length === users), { timeout: 20_000, interval: 50 }).toBe(true);
  // Every client's list is the server's: same keys, same refs (nothing lost, nothing doubled).
  const server = await eps[0].presence.list("room:lobby");
  const expected = Object.entries(server)
    .map(([key, { metas }]) => `${key}:${metas.map((m) => m.phx_ref).join(",")}`)
    .sort();
  await expect.poll(() => clients.every((c) => JSON.stringify(c.list()) === JSON.stringify(expected)), { timeout: 10_000 }).toBe(true);
  return { lists: clients.map((c) => c.list()), diffs: clients.reduce((n, c) => n + c.diffs, 0) };
}

describe("presence_state with coalescing", () => {
  it("reaches each joiner once, after the window, as one frame shared by the window's joiners", async () => {
    const { urls } = await nodes(1, 200);
    const states: { joinRef: string | null; keys: number }[][] = [];
    const clients = Array.from({ length: 12 }, (_, i) => {
      const mine: { joinRef: string | null; keys: number }[] = [];
      states.push(mine);
      const socket = new Socket(urls[0], { transport: WebSocket, params: { user: `user${i}` } });
      sockets.push(socket);
      socket.onMessage((m: { event: string; join_ref: string | null; payload: object }) => {
        if (m.event === "presence_state") mine.push({ joinRef: m.join_ref, keys: Object.keys(m.payload).length });
      });
      socket.connect();
      const channel = socket.channel("room:lobby");
      const presence = new Presence(channel);
      channel.join();
      return presence;
    });
    await expect.poll(() => clients.every((p) => p.list().length === 12), { timeout: 10_000 }).toBe(true);
    for (const mine of states) {
      expect(mine).toHaveLength(1);
      // Encoded once for many: the broadcast shape, no per-channel join_ref.
      expect(mine[0].joinRef).toBeNull();
    }
  });
});

describe.each([1, 3])("presence coalescing on %i node(s)", (nodeCount) => {
  it("gives every official client the full, exact list with fewer presence_diff frames", async () => {
    const users = 40;
    const off = await crowd(nodeCount, 0, users);
    for (const s of sockets.splice(0)) s.disconnect();
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
    const on = await crowd(nodeCount, 200, users);
    for (const list of [...off.lists, ...on.lists]) expect(list).toHaveLength(users);
    // One diff per join reaches everyone already there without coalescing; windows merge them.
    expect(on.diffs).toBeLessThan(off.diffs);
  });
});
