// apps/hello's room:* chat with Presence, through the official client and its Presence class.
import type { AddressInfo } from "node:net";
import { Presence, Socket } from "phoenix";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createHelloApp } from "../src/app.js";
import type { Endpoint } from "fenix";

const apps: Endpoint[] = [];
const sockets: InstanceType<typeof Socket>[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start() {
  const app = createHelloApp({ secretKeyBase: "room-test-secret-key-base-0123456789abcdefghijklmnop", apiKey: "k" });
  apps.push(app);
  const server = await app.listen(0);
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`;
}

function member(url: string, user: string | undefined, room = "room:lobby") {
  const socket = new Socket(url, { transport: WebSocket, params: user === undefined ? {} : { user } });
  sockets.push(socket);
  socket.connect();
  const channel = socket.channel(room);
  const presence = new Presence(channel);
  const online = () => presence.list((key: string, { metas }: { metas: { online_at: string }[] }) => [key, metas.length, typeof metas[0].online_at]).sort();
  const messages: unknown[] = [];
  channel.on("new_msg", (m: unknown) => messages.push(m));
  const joined = new Promise((resolve) => channel.join().receive("ok", resolve).receive("error", resolve));
  return { socket, channel, online, messages, joined };
}

it("lists who is online with phoenix.js Presence, and drops whoever leaves or disconnects", async () => {
  const url = await start();
  const alice = member(url, "alice");
  await alice.joined;
  const bob = member(url, "bob");
  const bob2 = member(url, "bob");
  await Promise.all([bob.joined, bob2.joined]);
  const everyone = [
    ["alice", 1, "string"],
    ["bob", 2, "string"],
  ];
  await expect.poll(() => alice.online()).toEqual(everyone);
  await expect.poll(() => bob.online()).toEqual(everyone);
  bob2.socket.disconnect();
  await expect
    .poll(() => alice.online())
    .toEqual([
      ["alice", 1, "string"],
      ["bob", 1, "string"],
    ]);
  bob.channel.leave();
  await expect.poll(() => alice.online()).toEqual([["alice", 1, "string"]]);
});

it("broadcasts new_msg with the sender's name to the room, and refuses invalid messages", async () => {
  const url = await start();
  const alice = member(url, "alice");
  const bob = member(url, "bob");
  await Promise.all([alice.joined, bob.joined]);
  alice.channel.push("new_msg", { body: "hi bob" });
  await expect.poll(() => bob.messages).toEqual([{ user: "alice", body: "hi bob" }]);
  expect(alice.messages).toEqual([{ user: "alice", body: "hi bob" }]);
  const refused = await new Promise((resolve) => alice.channel.push("new_msg", { body: 42 }).receive("error", resolve));
  expect(refused).toMatchObject({ reason: "invalid_payload", errors: [{ path: "body" }] });
});

it("refuses a room join without a user name", async () => {
  const url = await start();
  const nobody = member(url, undefined);
  expect(await nobody.joined).toEqual({ reason: "connect with a user param to join a room" });
});
