// The README's ten-line chat, server and client exactly as printed, with the official client.
import type { AddressInfo } from "node:net";
import { Endpoint, defineChannel, defineSocket } from "fenix";
import { Socket } from "phoenix";
import { afterAll, expect, it } from "vitest";
import { WebSocket } from "ws";

const RoomChannel = defineChannel({
  handleIn: { new_msg: (payload, socket) => void socket.broadcast("new_msg", { body: String(payload.body) }) },
});
const endpoint = new Endpoint();
endpoint.socket("/socket", defineSocket({ channels: [["room:*", RoomChannel]] }));
const server = await endpoint.listen(0);
const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`;
const sockets: Socket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await endpoint.close();
});

function client(received: string[]) {
  const socket = new Socket(url, { transport: WebSocket });
  sockets.push(socket);
  socket.connect();
  const room = socket.channel("room:lobby");
  room.on("new_msg", (msg: { body: string }) => received.push(msg.body));
  return { room, joined: new Promise<void>((resolve) => room.join().receive("ok", () => resolve())) };
}

it("delivers a message pushed by one client to every client in the room", async () => {
  const a: string[] = [];
  const b: string[] = [];
  const alice = client(a);
  const bob = client(b);
  await Promise.all([alice.joined, bob.joined]);
  alice.room.push("new_msg", { body: "hello" });
  await expect.poll(() => [a, b], { timeout: 2_000 }).toEqual([["hello"], ["hello"]]);
});
