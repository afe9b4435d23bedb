// The examples in packages/fenix/examples mount Fenix into an app's own server (node:http,
// Fastify 5, Express 5). Each runs here on a free port and is checked from the outside: the app's
// route answers; phoenix.js joins over WebSocket; long-poll answers in Phoenix's envelope and
// carries a join and a push; SSE opens a text/event-stream with the join reply; any other path,
// also under the mount, reaches the host framework's own 404; close() ends live connections.
import { Socket } from "phoenix";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { start as startExpress } from "../examples/express.js";
import { start as startFastify } from "../examples/fastify.js";
import { start as startNodeHttp } from "../examples/node_http.js";
import { LongPollClient, expectEnvelope, request } from "./support/lp_client.js";
import type { LpResponse } from "./support/lp_client.js";
import { V2 } from "./support/protocol.js";
import { SseStream, closeAllStreams, until } from "./support/sse_client.js";

interface Example {
  name: string;
  start(port: number): Promise<{ port: number; close(): Promise<void> }>;
  hello: string;
  /** What the host framework itself answers for a path nobody routes. */
  expectNotFound(res: LpResponse, path: string): void;
}

const examples: Example[] = [
  {
    name: "node:http",
    start: startNodeHttp,
    hello: "hello from node:http",
    expectNotFound(res) {
      expect(res.http).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/plain");
      expect(res.text).toBe("node:http app: no such page");
    },
  },
  {
    name: "Fastify",
    start: startFastify,
    hello: "hello from fastify",
    expectNotFound(res, path) {
      expect(res.http).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.body).toStrictEqual({ message: `Route GET:${path} not found`, error: "Not Found", statusCode: 404 });
    },
  },
  {
    name: "Express",
    start: startExpress,
    hello: "hello from express",
    expectNotFound(res, path) {
      expect(res.http).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.text).toContain(`Cannot GET ${path}`);
    },
  },
];

// phoenix ships no types; the few members used here.
interface PhxPush {
  receive(status: "ok" | "error" | "timeout", callback: (response?: any) => void): PhxPush;
}
interface PhxSocket {
  connect(): void;
  disconnect(): void;
  channel(topic: string, params?: object): { join(): PhxPush; push(event: string, payload: object): PhxPush };
  onClose(callback: (event: { code: number }) => void): void;
  isConnected(): boolean;
}

type Outcome = { status: "ok" | "error" | "timeout"; response?: unknown };

function outcome(push: PhxPush, ms = 3_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`push settled neither ok, error nor timeout within ${ms} ms`)), ms);
    for (const status of ["ok", "error", "timeout"] as const) {
      push.receive(status, (response) => {
        clearTimeout(timer);
        resolve({ status, response });
      });
    }
  });
}

const phxSockets: PhxSocket[] = [];

/** phoenix.js over WebSocket: Node 20 has no global WebSocket, so `ws` is its transport. */
function phoenixSocket(port: number): PhxSocket {
  const socket = new Socket(`ws://127.0.0.1:${port}/socket`, { transport: WebSocket, timeout: 2_000, reconnectAfterMs: () => 10_000 }) as unknown as PhxSocket;
  phxSockets.push(socket);
  return socket;
}

afterEach(() => {
  for (const socket of phxSockets.splice(0)) socket.disconnect();
  closeAllStreams();
});

describe.each(examples)("the $name example", (example) => {
  let app: { port: number; close(): Promise<void> };
  let base: string;

  beforeAll(async () => {
    app = await example.start(0);
    base = `http://127.0.0.1:${app.port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it("keeps the app's own route", async () => {
    const res = await request(`${base}/hello`);
    expect(res.http).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.text).toBe(example.hello);
  });

  it("lets phoenix.js join ping over WebSocket and answers its ping with pong", async () => {
    const socket = phoenixSocket(app.port);
    socket.connect();
    const channel = socket.channel("ping", {});
    expect(await outcome(channel.join())).toStrictEqual({ status: "ok", response: {} });
    expect(socket.isConnected()).toBe(true);
    expect(await outcome(channel.push("ping", {}))).toStrictEqual({ status: "ok", response: { ping: "pong" } });
  });

  it("serves long-poll at /socket/longpoll in Phoenix's envelope: 410 and a token for a new session", async () => {
    const res = await request(`${base}/socket/longpoll?vsn=2.0.0`);
    expectEnvelope(res);
    expect(res.body).toStrictEqual({ status: 410, token: expect.any(String), messages: [] });
  });

  it("carries a join and a ping over long-poll (POSTs reach Fenix, not the framework)", async () => {
    const url = (path: string, query: Record<string, string>) => `${base}${path}?${new URLSearchParams({ ...query, vsn: "2.0.0" })}`;
    const client = new LongPollClient(url, "/socket/longpoll", V2);
    await client.open();
    await client.send([["1", "1", "ping", "phx_join", {}]]);
    await client.expectMessages([["1", "1", "ping", "phx_reply", { status: "ok", response: {} }]]);
    await client.send([["1", "2", "ping", "ping", {}]]);
    await client.expectMessages([["1", "2", "ping", "phx_reply", { status: "ok", response: { ping: "pong" } }]]);
  });

  it("opens an SSE stream at /socket/sse?topics=ping with the join reply", async () => {
    const stream = await SseStream.open(`${base}/socket/sse?topics=ping`);
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    const reply = await stream.reply("ping");
    expect(reply.json).toStrictEqual({ topic: "ping", status: "ok", response: {} });
  });

  it.each(["/nope", "/socket/nope", "/socket"])("leaves %s to the framework's own 404", async (path) => {
    example.expectNotFound(await request(`${base}${path}`), path);
  });

  it("close() ends open WebSockets and streams and stops listening", async () => {
    const other = await example.start(0);
    const socket = phoenixSocket(other.port);
    const closes: number[] = [];
    socket.onClose((event) => void closes.push(event.code));
    socket.connect();
    expect((await outcome(socket.channel("ping", {}).join())).status).toBe("ok");
    const stream = await SseStream.open(`http://127.0.0.1:${other.port}/socket/sse?topics=ping`);
    await stream.reply("ping");

    await other.close();
    await until(() => closes.length > 0 && stream.ended, 2_000, "the socket and the stream to end");
    expect(closes[0]).toBe(1001);
    await expect(fetch(`http://127.0.0.1:${other.port}/hello`)).rejects.toThrow();
  });
});
