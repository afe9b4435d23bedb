// phoenix.js's automatic fallback (conformance CL-10): a client created with the `ws` WebSocket
// and `longPollFallbackMs: 300` ends up joined over long-poll when the WebSocket is refused
// (immediately) or never answers (after 300 ms), and remembers the fallback in sessionStorage.
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Endpoint, defineSocket, websocket, longPoll } from "fenix";
import { LongPoll, Socket } from "phoenix";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PingChannel, UserSocket } from "../src/app.js";
import { withTimeout } from "./support/hello.js";
import { outcome } from "./support/phoenix.js";
import type { PhxSocket } from "./support/phoenix.js";

/** The Storage subset phoenix.js uses (Node has no sessionStorage). */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

interface FallbackSocket extends PhxSocket {
  conn: unknown;
}

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await withTimeout(Promise.resolve(fn()), 5_000, "cleanup");
});

/**
 * Serves `endpoint`, recording each request as "METHOD path content-type" and each upgrade as
 * "UPGRADE path". With `hang`, upgrades are held open unanswered, like a proxy that eats them.
 */
async function serve(endpoint: Endpoint, hang = false): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const held: Duplex[] = [];
  const path = (req: IncomingMessage) => (req.url ?? "").split("?")[0];
  const handleRequest = endpoint.handleRequest.bind(endpoint);
  endpoint.handleRequest = (req, res) => {
    requests.push(`${req.method} ${path(req)} ${req.headers["content-type"] ?? ""}`.trim());
    return handleRequest(req, res);
  };
  const handleUpgrade = endpoint.handleUpgrade.bind(endpoint);
  endpoint.handleUpgrade = (req, socket, head) => {
    requests.push(`UPGRADE ${path(req)}`);
    if (!hang) return handleUpgrade(req, socket, head);
    held.push(socket);
    return true;
  };
  const server = await endpoint.listen(0, "127.0.0.1");
  cleanups.push(async () => {
    for (const socket of held) socket.destroy();
    await endpoint.close();
  });
  return { port: (server.address() as AddressInfo).port, requests };
}

function fallbackClient(port: number, mount: string, storage: MemoryStorage): FallbackSocket {
  const socket = new Socket(`ws://127.0.0.1:${port}${mount}`, {
    transport: WebSocket,
    longPollFallbackMs: 300,
    sessionStorage: storage,
    timeout: 2_000,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
  }) as unknown as FallbackSocket;
  cleanups.unshift(() => socket.disconnect());
  socket.connect();
  return socket;
}

async function expectJoinedOverLongPoll(socket: FallbackSocket, storage: MemoryStorage, topic = "ping"): Promise<void> {
  const channel = socket.channel(topic);
  expect(await outcome(channel.join(), 4_000)).toEqual({ status: "ok", response: {} });
  expect(await outcome(channel.push("ping"))).toEqual({ status: "ok", response: { ping: "pong" } });
  expect(socket.conn).toBeInstanceOf(LongPoll);
  expect(storage.getItem("phx:fallback:LongPoll")).toBe("true");
}

describe("phoenix.js falls back to long-poll (CL-10)", () => {
  it("when the mount has no WebSocket (the upgrade is refused)", async () => {
    const endpoint = new Endpoint().socket("/socket", UserSocket, { transports: [longPoll()] });
    const { port, requests } = await serve(endpoint);
    const storage = new MemoryStorage();
    const socket = fallbackClient(port, "/socket", storage);
    await expectJoinedOverLongPoll(socket, storage);
    expect(requests[0]).toBe("UPGRADE /socket/websocket");
    expect(requests).toContain("GET /socket/longpoll");
    // Pushes travel as ndjson batches, as phoenix.js's LongPoll sends them.
    expect(requests).toContain("POST /socket/longpoll application/x-ndjson");
  });

  it("when connect refuses WebSocket connections (403) but accepts long-poll", async () => {
    const LongPollOnly = defineSocket({
      name: "LongPollOnlySocket",
      channels: [["ping", PingChannel]],
      connect: (_params, _socket, info) => info.transport !== "websocket",
    });
    const endpoint = new Endpoint().socket("/socket", LongPollOnly, { transports: [websocket(), longPoll()] });
    const { port } = await serve(endpoint);
    const storage = new MemoryStorage();
    const started = Date.now();
    const socket = fallbackClient(port, "/socket", storage);
    await expectJoinedOverLongPoll(socket, storage);
    // The refusal is an error before open: no need to wait for the 300 ms threshold.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("when the WebSocket upgrade never completes, after longPollFallbackMs", async () => {
    const endpoint = new Endpoint().socket("/socket", UserSocket, { transports: [websocket(), longPoll()] });
    const { port, requests } = await serve(endpoint, true);
    const storage = new MemoryStorage();
    const socket = fallbackClient(port, "/socket", storage);
    let opened = 0;
    socket.onOpen(() => opened++);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(opened).toBe(0);
    expect(requests).toStrictEqual(["UPGRADE /socket/websocket"]);
    await expectJoinedOverLongPoll(socket, storage);
  });

  it("a remembered fallback goes straight to long-poll", async () => {
    const endpoint = new Endpoint().socket("/socket", UserSocket, { transports: [websocket(), longPoll()] });
    const { port, requests } = await serve(endpoint);
    const storage = new MemoryStorage();
    storage.setItem("phx:fallback:LongPoll", "true");
    const socket = fallbackClient(port, "/socket", storage);
    await expectJoinedOverLongPoll(socket, storage);
    expect(requests.filter((r) => r.startsWith("UPGRADE"))).toStrictEqual([]);
  });
});
