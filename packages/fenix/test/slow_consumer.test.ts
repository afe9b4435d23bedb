// A client that stops reading while the server broadcasts large messages: the server closes it
// with 4008 once its outbound buffer passes maxBufferedBytes, instead of buffering without bound,
// and a normal client on the same topic keeps receiving everything.
import { connect } from "node:net";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, websocket } from "fenix";
import type { Connection, StopReason } from "fenix";
import { captureLog } from "fenix/testing";
import { afterEach, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { TestClient, isEvent, terminateAll } from "./support/ws_client.js";

const MAX_BUFFERED = 256 * 1024;
const PAD = "x".repeat(32 * 1024);
/** Every broadcast is a little over 32 KiB on the wire. */
const MESSAGE_BYTES = Buffer.byteLength(JSON.stringify([null, null, "feed", "big", { i: 100_000, pad: PAD }])) + 10;
/** Far more than the kernel's socket buffers hold, so an unread connection must hit the bound. */
const MAX_BROADCASTS = 1_500;

let endpoint: Endpoint | undefined;
let terminations: { topic: string; reason: StopReason }[] = [];
const rawSockets: NetSocket[] = [];

afterEach(async () => {
  for (const socket of rawSockets.splice(0)) socket.destroy();
  terminateAll();
  await endpoint?.close();
  endpoint = undefined;
  terminations = [];
});

const Feed = defineChannel({
  name: "Feed",
  terminate(reason, socket) {
    terminations.push({ topic: socket.topic, reason });
  },
});

async function start(): Promise<number> {
  endpoint = new Endpoint({ logger: createLogger({ level: "info" }) });
  endpoint.socket("/socket", defineSocket({ name: "FeedSocket", channels: [["feed", Feed]] }), { transports: [websocket({ maxBufferedBytes: MAX_BUFFERED })] });
  const server = await endpoint.listen(0);
  return (server.address() as AddressInfo).port;
}

function connections(): Connection[] {
  return [...(endpoint?.connections ?? [])];
}

/** The server side's `ws` for a connection (test hook into the WebSocket session). */
function serverWs(connection: Connection): WebSocket {
  return (connection.session as unknown as { ws: WebSocket }).ws;
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function joinedClient(port: number): Promise<TestClient> {
  const client = await TestClient.open(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
  client.push("1", "1", "feed", "phx_join", {});
  await client.expectReply("1", "1", "feed", "ok", {});
  return client;
}

/**
 * Broadcasts until `slow` leaves the endpoint (plus `after` more), yielding to the event loop
 * between messages so readers read, and records the largest buffer the server held for it.
 */
async function flood(slow: Connection, after = 50): Promise<{ sent: number; maxBuffered: number; sentBeforeClose: number }> {
  const ws = serverWs(slow);
  let maxBuffered = 0;
  let sent = 0;
  let sentBeforeClose = -1;
  while (sent < MAX_BROADCASTS) {
    endpoint?.localBroadcast("feed", "big", { i: sent, pad: PAD });
    sent += 1;
    maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
    if (sentBeforeClose === -1 && !endpoint?.connections.has(slow)) sentBeforeClose = sent;
    if (sentBeforeClose !== -1 && sent >= sentBeforeClose + after) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { sent, maxBuffered, sentBeforeClose };
}

it("closes a WebSocket client that stops reading with 4008, bounds its buffer, and keeps serving a normal client", async () => {
  const port = await start();
  const slowClient = await joinedClient(port);
  const [slow] = connections();
  const normal = await joinedClient(port);
  const received: number[] = [];
  let flooded: Awaited<ReturnType<typeof flood>> | undefined;
  const log = await captureLog(async () => {
    // Stop reading: the bytes pile up in the kernel, then in the server's buffer for this socket.
    (slowClient.ws as unknown as { _socket: NetSocket })._socket.pause();
    const reading = (async () => {
      for (;;) {
        const frame = await normal.next(5_000);
        if (isEvent(frame, "big") && !frame.binary) {
          const i = ((frame.json as unknown[])[4] as { i: number }).i;
          received.push(i);
          if (flooded && received.length === flooded.sent) return;
        }
      }
    })();
    flooded = await flood(slow);
    await Promise.race([reading, until(() => flooded !== undefined && received.length === flooded.sent, 10_000, "the normal client's messages")]);
  });

  if (flooded === undefined) throw new Error("the flood did not run");
  expect(flooded.sentBeforeClose, `still open after ${MAX_BROADCASTS} broadcasts`).toBeGreaterThan(0);
  // Never more than the bound plus the one message that crossed it.
  expect(flooded.maxBuffered).toBeGreaterThan(MAX_BUFFERED);
  expect(flooded.maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED + MESSAGE_BYTES);
  expect(endpoint?.connections.has(slow)).toBe(false);
  expect(endpoint?.connections.size).toBe(1);
  expect(terminations).toEqual([{ topic: "feed", reason: { shutdown: "slow_consumer" } }]);
  expect(log).toMatch(/\[warning\] FeedSocket: closing a slow consumer \(\d+ bytes unread, limit 262144\)/);

  // The normal client got every broadcast, in order, and is still connected.
  expect(received).toEqual(Array.from({ length: flooded.sent }, (_, i) => i));
  expect(normal.isOpen).toBe(true);
  normal.push(null, "hb", "phoenix", "heartbeat", {});
  await normal.expectReply(null, "hb", "phoenix", "ok", {});

  // Once the slow client reads again, what it finds at the end is the 4008 close.
  (slowClient.ws as unknown as { _socket: NetSocket })._socket.resume();
  const closed = await slowClient.waitClosed(5_000);
  expect(closed.code).toBe(4008);
});

it("gives up on a client that never reads even the close frame: the TCP connection is torn down", async () => {
  const port = await start();
  await rawJoin(port);
  await until(() => connections().some((c) => c.channels.has("feed")), 2_000, "the raw client's join");
  const [slow] = connections();
  const ws = serverWs(slow);
  const flooded = await flood(slow, 0);
  expect(flooded.sentBeforeClose).toBeGreaterThan(0);
  expect(flooded.maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED + MESSAGE_BYTES);
  expect(terminations).toEqual([{ topic: "feed", reason: { shutdown: "slow_consumer" } }]);
  // The close frame sits behind unread data; the server must not keep that memory for long.
  const started = Date.now();
  await until(() => ws.readyState === 3, 3_000, "the server to drop the socket");
  // Torn down on a short timer, not after ws's 30 s closing handshake.
  expect(Date.now() - started).toBeLessThan(2_000);
  const tcp = (ws as unknown as { _socket: NetSocket })._socket;
  expect(tcp.destroyed).toBe(true);
  expect(ws.bufferedAmount).toBe(0);
});

/** A client that completes the WebSocket handshake by hand, sends one join, and never reads again. */
function rawJoin(port: number): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    rawSockets.push(socket);
    socket.on("error", () => {});
    const timer = setTimeout(() => reject(new Error("no 101 within 2 s")), 2_000);
    socket.once("connect", () => {
      socket.write(
        [
          "GET /socket/websocket?vsn=2.0.0 HTTP/1.1",
          `Host: 127.0.0.1:${port}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version: 13",
          "",
          "",
        ].join("\r\n"),
      );
    });
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.pause(); // from now on nothing is read: the kernel buffers fill, then the server's
      clearTimeout(timer);
      if (!head.startsWith("HTTP/1.1 101")) {
        reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
        return;
      }
      socket.write(maskedText(JSON.stringify(["1", "1", "feed", "phx_join", {}])));
      resolve(socket);
    };
    socket.on("data", onData);
  });
}

/** A client text frame (clients must mask; a zero mask leaves the payload as it is). */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error("short frames only");
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}
