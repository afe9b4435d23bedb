// Per-connection limits over a real WebSocket: message and join rates, flood close, payload size.
// Every case checks that a second connection on the same endpoint is unaffected.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, ok } from "fenix";
import { captureLog } from "fenix/testing";
import { Socket } from "phoenix";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { TestClient, terminateAll } from "./support/ws_client.js";

type Limits = NonNullable<Parameters<typeof defineSocket>[0]["limits"]>;

let endpoint: Endpoint | undefined;
const phxSockets: Socket[] = [];
let handled = 0;

afterEach(async () => {
  for (const socket of phxSockets.splice(0)) socket.disconnect();
  terminateAll();
  await endpoint?.close();
  endpoint = undefined;
  handled = 0;
});

const Room = defineChannel({
  name: "Room",
  handleIn: {
    ping(payload) {
      handled += 1;
      return ok({ pong: payload?.n ?? null });
    },
  },
});

async function start(limits?: Limits): Promise<{ url: string; port: number }> {
  endpoint = new Endpoint({ logger: createLogger({ level: "info" }) });
  endpoint.socket("/socket", defineSocket({ name: "LimitedSocket", channels: [["room:*", Room]], limits }));
  const server = await endpoint.listen(0);
  const port = (server.address() as AddressInfo).port;
  return { port, url: `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0` };
}

async function joined(url: string, topic = "room:a"): Promise<TestClient> {
  const client = await TestClient.open(url);
  client.push("1", "1", topic, "phx_join", {});
  await client.expectReply("1", "1", topic, "ok", {});
  return client;
}

/** The other connection still joins, pushes and gets its replies. */
async function expectUnaffected(other: TestClient, ref: string): Promise<void> {
  other.push("1", ref, "room:a", "ping", { n: ref });
  await other.expectReply("1", ref, "room:a", "ok", { pong: ref });
  other.push("2", `${ref}j`, "room:other", "phx_join", {});
  await other.expectReply("2", `${ref}j`, "room:other", "ok", {});
  expect(other.isOpen).toBe(true);
}

describe("message rate", () => {
  it("refuses pushes past the burst with rate_limited and never runs the handler for them", async () => {
    const { url } = await start({ messagesPerSecond: 2, messageBurst: 4, floodThreshold: 100 });
    const client = await joined(url); // the join spends one token
    const other = await joined(url);
    handled = 0;
    for (let i = 2; i <= 5; i++) client.push("1", String(i), "room:a", "ping", { n: i });
    for (let i = 2; i <= 4; i++) await client.expectReply("1", String(i), "room:a", "ok", { pong: i });
    await client.expectFrame(["1", "5", "room:a", "phx_reply", { status: "error", response: { reason: "rate_limited" } }]);
    expect(handled).toBe(3);
    await expectUnaffected(other, "o1");
    // Tokens refill at the configured rate (2/s): after 600 ms one more push is admitted.
    await new Promise((resolve) => setTimeout(resolve, 600));
    client.push("1", "6", "room:a", "ping", { n: 6 });
    await client.expectReply("1", "6", "room:a", "ok", { pong: 6 });
    expect(client.isOpen).toBe(true);
  });

  it("still answers heartbeats when rate limited, and heartbeats spend no tokens", async () => {
    const { url } = await start({ messagesPerSecond: 1, messageBurst: 3, floodThreshold: 100 });
    const client = await TestClient.open(url);
    for (let i = 0; i < 20; i++) client.push(null, `h${i}`, "phoenix", "heartbeat", {});
    for (let i = 0; i < 20; i++) await client.expectReply(null, `h${i}`, "phoenix", "ok", {});
    // Twenty heartbeats later the whole burst is still there.
    client.push("1", "1", "room:a", "phx_join", {});
    client.push("1", "2", "room:a", "ping", { n: 2 });
    client.push("1", "3", "room:a", "ping", { n: 3 });
    client.push("1", "4", "room:a", "ping", { n: 4 });
    await client.expectReply("1", "1", "room:a", "ok", {});
    await client.expectReply("1", "2", "room:a", "ok", { pong: 2 });
    await client.expectReply("1", "3", "room:a", "ok", { pong: 3 });
    await client.expectReply("1", "4", "room:a", "error", { reason: "rate_limited" });
    // Exhausted, yet the heartbeat is answered.
    client.push(null, "h", "phoenix", "heartbeat", {});
    await client.expectReply(null, "h", "phoenix", "ok", {});
  });

  it("closes a connection that keeps flooding with 1008 and a warning, and only that one", async () => {
    const { url } = await start({ messagesPerSecond: 5, messageBurst: 5, floodThreshold: 10 });
    let closed: { code: number } | undefined;
    let other: TestClient | undefined;
    const log = await captureLog(async () => {
      const flooder = await joined(url);
      other = await joined(url);
      for (let i = 0; i < 200; i++) flooder.push("1", `f${i}`, "room:a", "ping", { n: i });
      closed = await flooder.waitClosed(3_000);
    });
    expect(closed?.code).toBe(1008);
    expect(log).toMatch(/\[warning\] LimitedSocket: closing a connection that keeps flooding/);
    // One flood, one line: frames still arriving after the close must not each log it again.
    expect(log.split("\n").filter((line) => line.includes("keeps flooding"))).toHaveLength(1);
    // Refusals before the close are logged at most once a second, not once per message.
    expect(log.split("\n").filter((line) => line.includes("refused ping")).length).toBeLessThanOrEqual(1);
    expect(endpoint?.connections.size).toBe(1);
    await expectUnaffected(other as TestClient, "o1");
  });

  it("does not close a client that stays at its rate, however long it keeps going", async () => {
    const { url } = await start({ messagesPerSecond: 20, messageBurst: 2, floodThreshold: 2 });
    const client = await joined(url);
    for (let i = 0; i < 15; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      client.push("1", `p${i}`, "room:a", "ping", { n: i });
      await client.expectReply("1", `p${i}`, "room:a", "ok", { pong: i });
    }
    expect(client.isOpen).toBe(true);
  });
});

describe("payload size", () => {
  it("refuses a frame over maxPayloadBytes with payload_too_large and its limit, and keeps the connection", async () => {
    const { url } = await start({ maxPayloadBytes: 1_000 });
    const client = await joined(url);
    const other = await joined(url);
    handled = 0;
    let log = "";
    log = await captureLog(async () => {
      client.push("1", "2", "room:a", "ping", { n: 2, pad: "x".repeat(2_000) });
      await client.expectFrame(["1", "2", "room:a", "phx_reply", { status: "error", response: { reason: "payload_too_large", limit: 1_000 } }]);
    });
    expect(log).toMatch(/\[warning\] LimitedSocket: refused ping on room:a: payload_too_large/);
    expect(handled).toBe(0);
    client.push("1", "3", "room:a", "ping", { n: 3, pad: "x".repeat(500) });
    await client.expectReply("1", "3", "room:a", "ok", { pong: 3 });
    expect(handled).toBe(1);
    await expectUnaffected(other, "o1");
    // A join payload is measured the same way: an oversized join never creates the channel.
    client.push("9", "9", "room:big", "phx_join", { pad: "y".repeat(2_000) });
    await client.expectReply("9", "9", "room:big", "error", { reason: "payload_too_large", limit: 1_000 });
    client.push("9", "10", "room:big", "ping", { n: 10 });
    await client.expectReply(null, "10", "room:big", "error", { reason: "unmatched topic" });
  });

  it("counts bytes, not characters", async () => {
    const { url } = await start({ maxPayloadBytes: 200 });
    const client = await joined(url);
    const frame = (pad: string) => JSON.stringify(["1", "2", "room:a", "ping", { n: 2, pad }]);
    const emoji = "😀".repeat(40); // 40 UTF-16 pairs, 160 bytes of UTF-8
    expect(frame(emoji).length).toBeLessThan(200);
    expect(Buffer.byteLength(frame(emoji))).toBeGreaterThan(200);
    client.sendText(frame(emoji));
    await client.expectReply("1", "2", "room:a", "error", { reason: "payload_too_large", limit: 200 });
  });
});

describe("join rate", () => {
  it("refuses joins past joinBurst with rate_limited while pushes go on", async () => {
    const { url } = await start({ joinsPerSecond: 1, joinBurst: 3, messagesPerSecond: 100, messageBurst: 100 });
    const client = await TestClient.open(url);
    const other = await joined(url);
    for (let i = 1; i <= 4; i++) client.push(String(i), String(i), `room:${i}`, "phx_join", {});
    for (let i = 1; i <= 3; i++) await client.expectReply(String(i), String(i), `room:${i}`, "ok", {});
    await client.expectFrame(["4", "4", "room:4", "phx_reply", { status: "error", response: { reason: "rate_limited" } }]);
    // The refused join left no channel, the admitted ones work.
    client.push("1", "5", "room:1", "ping", { n: 5 });
    await client.expectReply("1", "5", "room:1", "ok", { pong: 5 });
    client.push("4", "6", "room:4", "ping", { n: 6 });
    await client.expectReply(null, "6", "room:4", "error", { reason: "unmatched topic" });
    await expectUnaffected(other, "o1");
    // One join per second refills.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    client.push("7", "7", "room:4", "phx_join", {});
    await client.expectReply("7", "7", "room:4", "ok", {});
  });
});

describe("default limits", () => {
  it("let phoenix.js rejoin 100 channels at once after a reconnect", async () => {
    const { port } = await start();
    const socket = new Socket(`ws://127.0.0.1:${port}/socket`, { transport: WebSocket, reconnectAfterMs: () => 20, rejoinAfterMs: () => 5_000 });
    phxSockets.push(socket);
    const results: string[] = [];
    let opens = 0;
    socket.onOpen(() => {
      opens += 1;
    });
    socket.connect();
    for (let i = 0; i < 100; i++) {
      socket
        .channel(`room:${i}`)
        .join()
        .receive("ok", () => results.push("ok"))
        .receive("error", (r: { reason: string }) => results.push(`error:${r.reason}`))
        .receive("timeout", () => results.push("timeout"));
    }
    await expect.poll(() => results.length, { timeout: 5_000 }).toBe(100);
    expect(results.every((r) => r === "ok")).toBe(true);
    expect(endpoint?.connections.size).toBe(1);
    // The server drops the connection; phoenix.js reconnects and rejoins all 100 in one go.
    for (const connection of [...(endpoint?.connections ?? [])]) connection.close(1012, "restart");
    await expect.poll(() => results.length, { timeout: 5_000 }).toBe(200);
    expect(opens).toBe(2);
    expect(results.filter((r) => r !== "ok")).toEqual([]);
    const [connection] = [...(endpoint?.connections ?? [])];
    expect(connection?.channels.size).toBe(100);
  });
});
