// Missed-message recovery end to end over WebSocket: the `epoch:offset` id in the ref slot of
// history-topic broadcasts, the `recover` join, and the official phoenix.js client rejoining on
// its own after a disconnect and receiving every message exactly once, in order.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket } from "fenix";
import { Socket } from "phoenix";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { BOTH, V1, V2 } from "./support/protocol.js";
import type { Proto } from "./support/protocol.js";
import { TestClient, terminateAll } from "./support/ws_client.js";

const SIZE = 5;
const Room = defineChannel({
  name: "Room",
  intercepts: ["shout"],
  handleOut: { shout: (payload, socket) => socket.push("shout", { loud: payload.text }) },
});
const RecoverySocket = defineSocket<{ user: string | null }>({
  name: "RecoverySocket",
  channels: [
    ["room:*", Room, { history: { size: SIZE, ttlMs: 60_000 } }],
    ["feed:*", Room, { history: { size: 1_000, ttlMs: 60_000 } }],
    ["plain:*", Room],
  ],
  connect(params, socket) {
    socket.assign({ user: params.user ?? null });
  },
  id: (socket) => (socket.assigns.user ? `user_socket:${socket.assigns.user}` : null),
});

let endpoint: Endpoint;
let port: number;
const phoenixSockets: Socket[] = [];

beforeEach(async () => {
  endpoint = new Endpoint({ logger: createLogger({ level: process.env.LOG_LEVEL ?? "silent" }) });
  endpoint.socket("/socket", RecoverySocket);
  port = ((await endpoint.listen(0, "127.0.0.1")).address() as AddressInfo).port;
});

afterEach(async () => {
  for (const socket of phoenixSockets.splice(0)) socket.disconnect();
  terminateAll();
  await endpoint.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(5);
  }
}

function connect(proto: Proto, user?: string): Promise<TestClient> {
  const query = new URLSearchParams({ ...(proto.vsn ? { vsn: proto.vsn } : {}), ...(user ? { user } : {}) });
  return TestClient.open(`ws://127.0.0.1:${port}/socket/websocket?${query}`, { proto });
}

/** Joins and returns the reply's response (the position on history topics). */
async function join(client: TestClient, topic: string, payload: object = {}, ref = "1"): Promise<Record<string, unknown>> {
  client.push(ref, ref, topic, "phx_join", payload);
  const frame = await client.next();
  if (frame.binary) throw new Error("binary join reply");
  const reply = client.proto === V2 ? (frame.json as unknown[])[4] : (frame.json as { payload: unknown }).payload;
  expect(frame.json).toStrictEqual(client.proto.out(ref, ref, topic, "phx_reply", reply));
  expect(reply).toMatchObject({ status: "ok" });
  return (reply as { response: Record<string, unknown> }).response;
}

/** Disconnects a client and waits until the server has closed its side too. */
async function drop(client: TestClient): Promise<void> {
  client.ws.terminate();
  await client.waitClosed();
  await until("the server to notice the disconnect", () => endpoint.connections.size === 0);
}

async function publish(topic: string, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) await endpoint.broadcast(topic, "msg", { n });
}

for (const proto of BOTH) {
  describe(`recovery with raw frames, ${proto.name}`, () => {
    const msg = (id: string | null, topic: string, n: number) => proto.out(null, id, topic, "msg", { n });

    it("history broadcasts carry epoch:offset in the ref slot; the join reply has the position", async () => {
      await publish("room:ids", 1, 2);
      const client = await connect(proto);
      const { epoch, offset } = await join(client, "room:ids");
      expect(typeof epoch).toBe("string");
      expect(offset).toBe(2);
      await publish("room:ids", 3, 4);
      await client.expectFrame(msg(`${epoch}:3`, "room:ids", 3));
      await client.expectFrame(msg(`${epoch}:4`, "room:ids", 4));
      await client.expectNoFrame();
    });

    it("replays exactly the 3 missed broadcasts, in order, before live ones (object and string recover)", async () => {
      const T = "room:missed";
      let client = await connect(proto);
      const { epoch } = await join(client, T);
      await publish(T, 1, 1);
      await client.expectFrame(msg(`${epoch}:1`, T, 1));
      await drop(client);
      await publish(T, 2, 4);
      client = await connect(proto);
      expect(await join(client, T, { recover: { epoch, offset: 1 } })).toStrictEqual({ epoch, offset: 4, recovered: true });
      for (const n of [2, 3, 4]) await client.expectFrame(msg(`${epoch}:${n}`, T, n));
      await client.expectNoFrame();
      await publish(T, 5, 5);
      await client.expectFrame(msg(`${epoch}:5`, T, 5));
      await client.expectNoFrame();
      // Again, with the id exactly as it arrived in the ref slot.
      await drop(client);
      await publish(T, 6, 7);
      client = await connect(proto);
      expect(await join(client, T, { recover: `${epoch}:5` }, "7")).toStrictEqual({ epoch, offset: 7, recovered: true });
      await client.expectFrame(msg(`${epoch}:6`, T, 6));
      await client.expectFrame(msg(`${epoch}:7`, T, 7));
      await client.expectNoFrame();
    });

    // Replayed messages go out in order even when some pass through handleOut (regression: an
    // intercepted one used to arrive after every later replayed message).
    it("replays an intercepted event in its place among the missed messages", async () => {
      const T = "room:intercepted";
      let client = await connect(proto);
      const { epoch } = await join(client, T);
      await drop(client);
      await publish(T, 1, 1);
      await endpoint.broadcast(T, "shout", { text: "hey" });
      await publish(T, 3, 3);
      client = await connect(proto);
      expect(await join(client, T, { recover: { epoch, offset: 0 } }, "7")).toStrictEqual({ epoch, offset: 3, recovered: true });
      await client.expectFrame(msg(`${epoch}:1`, T, 1));
      await client.expectFrame(proto.out("7", null, T, "shout", { loud: "hey" }));
      await client.expectFrame(msg(`${epoch}:3`, T, 3));
      await client.expectNoFrame();
    });

    it("a gap larger than the history: recovered false and no replay; live messages still flow", async () => {
      const T = "room:gap";
      let client = await connect(proto);
      const { epoch } = await join(client, T);
      await drop(client);
      await publish(T, 1, SIZE + 2);
      client = await connect(proto);
      expect(await join(client, T, { recover: { epoch, offset: 0 } })).toStrictEqual({ epoch, offset: SIZE + 2, recovered: false });
      await client.expectNoFrame();
      await publish(T, SIZE + 3, SIZE + 3);
      await client.expectFrame(msg(`${epoch}:${SIZE + 3}`, T, SIZE + 3));
      // Another epoch, or an offset from the future, cannot be recovered either.
      const other = await connect(proto);
      expect(await join(other, T, { recover: { epoch: "nope", offset: 1 } })).toStrictEqual({ epoch, offset: SIZE + 3, recovered: false });
      const future = await connect(proto);
      expect(await join(future, T, { recover: `${epoch}:99` })).toStrictEqual({ epoch, offset: SIZE + 3, recovered: false });
      await other.expectNoFrame();
      await future.expectNoFrame();
    });

    it("a topic without history is unchanged: ref null, no position, no replay", async () => {
      const T = "plain:lobby";
      await publish(T, 1, 1);
      const client = await connect(proto);
      expect(await join(client, T, { recover: { epoch: "x", offset: 0 } })).toStrictEqual({});
      await client.expectNoFrame();
      await publish(T, 2, 2);
      await client.expectFrame(msg(null, T, 2));
    });
  });
}

describe("recovery of a message the client's serializer cannot encode", () => {
  // A replayed message this client cannot receive is skipped and logged; the channel lives on and
  // nothing stays subscribed (regression: it used to break the channel and leak a subscription).
  async function recoverPast(proto: Proto, topic: string, poison: object): Promise<void> {
    let client = await connect(proto);
    const { epoch } = await join(client, topic);
    await drop(client);
    await endpoint.broadcast(topic, "poison", poison);
    await publish(topic, 2, 2);
    client = await connect(proto);
    expect(await join(client, topic, { recover: { epoch, offset: 0 } })).toMatchObject({ epoch, offset: 2 });
    await publish(topic, 3, 3);
    const live = await client
      .collectUntil((f) => !f.binary && JSON.stringify(f.json).includes(`"${epoch}:3"`), 500)
      .then(
        () => "received",
        (err: Error) => err.message,
      );
    expect(live, "the live message after the recovering join").toBe("received");
    expect(endpoint.pubsub.subscriberCount(topic), "subscriptions on the topic").toBe(1);
  }

  it("a V1 client recovering past a binary broadcast keeps its channel and its live messages", () => recoverPast(V1, "room:binary", new Uint8Array([1, 2, 3])));

  // Same root cause, reachable by any client of an app that rebroadcasts payloads: JSON.parse accepts 20 000-deep
  // nesting from the wire, JSON.stringify of it throws RangeError, and every recovering join on the topic breaks.
  it("a V2 client recovering past a payload too deep to encode keeps its channel and its live messages", () =>
    recoverPast(V2, "room:deep", { deep: JSON.parse(`${"[".repeat(20_000)}${"]".repeat(20_000)}`) }));
});

describe("recovery with the official phoenix client", () => {
  function phoenixApp(user: string, topic: string) {
    const socket = new Socket(`ws://127.0.0.1:${port}/socket`, { transport: WebSocket, params: { user } });
    phoenixSockets.push(socket);
    let lastId: string | undefined;
    const got: number[] = [];
    const ids: string[] = [];
    const replies: Record<string, unknown>[] = [];
    const channel = socket.channel(topic, () => ({ recover: lastId }));
    channel.on("msg", (payload: { n: number }, ref: string) => {
      got.push(payload.n);
      ids.push(ref);
      lastId = ref;
    });
    channel.join().receive("ok", (response: Record<string, unknown>) => replies.push(response));
    socket.connect();
    return { socket, got, ids, replies };
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it("disconnect by socket id: 5 messages published while away arrive once, in order, after phoenix.js rejoins", async () => {
    const T = "room:phx";
    const app = phoenixApp("u1", T);
    await until("the first join", () => app.replies.length === 1);
    await publish(T, 1, 3);
    await until("the live messages", () => app.got.length === 3);
    await endpoint.broadcast("user_socket:u1", "disconnect", {});
    expect(endpoint.connections.size, "closed before anything is published").toBe(0);
    await publish(T, 4, 8);
    await until("phoenix.js to rejoin and recover", () => app.got.length >= 8, 5_000);
    expect(app.replies[1]).toMatchObject({ recovered: true, offset: 8 });
    await publish(T, 9, 11);
    await until("the live messages after the rejoin", () => app.got.length >= 11);
    await sleep(50);
    expect(app.got).toEqual(range(1, 11));
    const epoch = app.replies[0].epoch;
    expect(app.ids).toEqual(range(1, 11).map((n) => `${epoch}:${n}`));
  });

  it("a dropped connection while a publisher keeps going: every message exactly once, in order", async () => {
    const T = "feed:busy";
    const app = phoenixApp("u2", T);
    await until("the first join", () => app.replies.length === 1);
    let n = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await publish(T, n + 1, n + 1);
        n++;
        await sleep(2);
      }
    })();
    await until("some live messages", () => app.got.length >= 20);
    const droppedAt = app.got.length;
    // Kill the transport under phoenix.js, with no close frame: it notices, reconnects and rejoins on its own.
    (app.socket.conn as unknown as WebSocket).terminate();
    await until("the rejoin", () => app.replies.length === 2, 5_000);
    const rejoinedAt = n;
    await until("messages after the rejoin", () => app.got.length >= rejoinedAt + 20, 5_000);
    publishing = false;
    await publisher;
    await until("the last message", () => app.got.length >= n, 3_000).catch(() => {});
    await sleep(50);
    expect(app.replies[1]).toMatchObject({ recovered: true });
    expect(app.replies[1].offset as number, "messages were published while it was away").toBeGreaterThan(droppedAt);
    expect(app.got).toEqual(range(1, n));
  });
});
