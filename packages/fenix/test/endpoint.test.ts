// The endpoint's own duties: listening or attaching to an app's server (with fallthrough),
// per-mount transport options (compression, frame size), and closing every connection.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, ok, websocket } from "fenix";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";

const terminated: unknown[] = [];
const RoomChannel = defineChannel({
  join: () => ok(),
  handleIn: { ping: () => ok({ pong: true }) },
  terminate: (reason) => void terminated.push(reason),
});
const UserSocket = defineSocket({ name: "UserSocket", channels: [["room:*", RoomChannel]] });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  terminated.length = 0;
});

const inboxes = new WeakMap<WebSocket, unknown[]>();

function open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  const inbox: unknown[] = [];
  inboxes.set(ws, inbox);
  ws.on("message", (data) => inbox.push(JSON.parse(String(data))));
  cleanups.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

async function nextFrame(ws: WebSocket): Promise<unknown> {
  const inbox = inboxes.get(ws) as unknown[];
  await expect.poll(() => inbox.length, { timeout: 2_000 }).toBeGreaterThan(0);
  return inbox.shift();
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("not closed within 2s")), 2_000);
    ws.once("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function start(mount: Parameters<Endpoint["socket"]>[2] = {}, handler?: ConstructorParameters<typeof Endpoint>[0]["handler"]) {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }), handler });
  endpoint.socket("/socket", UserSocket, mount);
  const server = await endpoint.listen(0);
  cleanups.push(() => endpoint.close());
  const port = (server.address() as AddressInfo).port;
  return { endpoint, port, url: `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0` };
}

describe("serving HTTP", () => {
  it("hands requests that are not sockets to the app's handler", async () => {
    const { port } = await start({}, (_req, res) => res.end("app page"));
    expect(await (await fetch(`http://127.0.0.1:${port}/anything`)).text()).toBe("app page");
  });

  it("attaches to an existing server and keeps its request listener as the fallthrough", async () => {
    const server = createServer((_req, res) => res.end("from the app"));
    const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
    endpoint.socket("/socket", UserSocket);
    await endpoint.attach(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    cleanups.push(() => endpoint.close());
    const port = (server.address() as AddressInfo).port;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("from the app");
    const ws = await open(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
    ws.send(JSON.stringify(["1", "1", "room:a", "phx_join", {}]));
    expect(await nextFrame(ws)).toEqual(["1", "1", "room:a", "phx_reply", { status: "ok", response: {} }]);
  });

  it("answers an upgrade to an unmounted path with 404", async () => {
    const { port } = await start();
    await expect(open(`ws://127.0.0.1:${port}/nowhere/websocket`)).rejects.toThrow("HTTP 404");
  });
});

describe("WebSocket options", () => {
  it("does not negotiate permessage-deflate by default", async () => {
    const { url } = await start();
    const ws = await open(url, { perMessageDeflate: true });
    expect(ws.extensions).toBe("");
  });

  it("negotiates permessage-deflate when compress is on, and broadcasts still arrive intact", async () => {
    const { url, endpoint } = await start({ transports: [websocket({ compress: true })] });
    const ws = await open(url, { perMessageDeflate: true });
    expect(ws.extensions).toContain("permessage-deflate");
    ws.send(JSON.stringify(["1", "1", "room:z", "phx_join", {}]));
    await nextFrame(ws);
    const body = "x".repeat(5_000);
    const frame = nextFrame(ws);
    await endpoint.broadcast("room:z", "big", { body });
    expect(await frame).toEqual([null, null, "room:z", "big", { body }]);
  });

  it("closes with 1009 on a frame larger than maxFrameSize, and serves other connections", async () => {
    const { url } = await start({ transports: [websocket({ maxFrameSize: 1_000 })] });
    const big = await open(url);
    const other = await open(url);
    const code = closeCode(big);
    big.send(JSON.stringify(["1", "1", "room:a", "phx_join", { pad: "y".repeat(2_000) }]));
    expect(await code).toBe(1009);
    other.send(JSON.stringify([null, "1", "phoenix", "heartbeat", {}]));
    expect(await nextFrame(other)).toEqual([null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]);
  });
});

describe("close", () => {
  it("closes every connection with 1001 and runs every channel's terminate", async () => {
    const { url, endpoint } = await start();
    const ws = await open(url);
    ws.send(JSON.stringify(["1", "1", "room:a", "phx_join", {}]));
    ws.send(JSON.stringify(["2", "2", "room:b", "phx_join", {}]));
    await nextFrame(ws);
    await nextFrame(ws);
    const code = closeCode(ws);
    await endpoint.close();
    expect(await code).toBe(1001);
    await expect.poll(() => terminated.length).toBe(2);
    expect(terminated).toEqual([{ shutdown: "shutdown" }, { shutdown: "shutdown" }]);
  });
});

describe("configuration mistakes fail at startup with a clear message", () => {
  it("refuses the old per-transport mount keys and names the new option", () => {
    const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
    const old = { longpoll: true } as unknown as Parameters<Endpoint["socket"]>[2];
    expect(() => endpoint.socket("/socket", UserSocket, old)).toThrow(/`longpoll` is no mount option; list transports instead/);
  });

  it("says how to enable Presence when it is used without the option", () => {
    const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
    expect(() => endpoint.presence).toThrow(/Presence is not enabled: create the Endpoint with `presence: true`/);
    expect(new Endpoint({ logger: createLogger({ level: "silent" }), presence: true }).presence.tracker).toBeDefined();
  });

  it("refuses a schema that is not a Standard Schema when the socket is mounted", () => {
    const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
    const Bad = defineChannel({ name: "BadChannel", schemas: { msg: { safeParse: () => ({}) } as never } });
    expect(() => endpoint.socket("/bad", defineSocket({ channels: [["bad", Bad]] }))).toThrow(/BadChannel: the schema for "msg" is not a Standard Schema/);
  });
});
