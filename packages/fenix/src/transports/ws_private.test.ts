/**
 * Fenix's WebSocket fastlane (ws_frame.ts, websocket.ts) reads private members of ws because ws
 * has no public API to write pre-framed bytes. ws is pinned to an exact version for that reason;
 * this test is what to run before moving the pin: it fails, naming each member, if any of them
 * disappeared or changed type in the installed ws.
 */
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as wsLib from "ws";
import { WebSocket, WebSocketServer } from "ws";

const wsVersion: string = createRequire(import.meta.url)("ws/package.json").version;
const WHY = `ws ${wsVersion} no longer has the private members Fenix's fastlane relies on (src/transports/ws_frame.ts, websocket.ts); adapt them before changing the exact ws pin`;

type Kind = "function" | "number" | "object" | "array";

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Records a problem unless `value` is of `kind`; returns whether it is. */
function expectKind(problems: string[], what: string, value: unknown, kind: Kind): boolean {
  const actual = kindOf(value);
  if (actual === kind) return true;
  problems.push(`${what} should be ${kind === "array" ? "an array" : `a ${kind}`}, got ${actual}`);
  return false;
}

let wss: WebSocketServer;
let client: WebSocket;
let server: WebSocket;

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const connected = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  client.on("error", () => {});
  const opened = new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  });
  [server] = await Promise.all([connected, opened]);
});

afterAll(async () => {
  client?.terminate();
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
});

describe(`ws ${wsVersion} private members used by the fastlane`, () => {
  it("are present with the expected types on a server-side WebSocket of a real connection", () => {
    const problems: string[] = [];
    const ws = server as unknown as Record<string, unknown>;

    if (expectKind(problems, "WebSocket._sender", ws._sender, "object")) {
      const sender = ws._sender as Record<string, unknown>;
      expectKind(problems, "WebSocket._sender.sendFrame", sender.sendFrame, "function");
      expectKind(problems, "WebSocket._sender._state", sender._state, "number");
      expectKind(problems, "WebSocket._sender._queue", sender._queue, "array");
    }
    expectKind(problems, "WebSocket._extensions", ws._extensions, "object");
    if (expectKind(problems, "WebSocket._socket", ws._socket, "object")) {
      const socket = ws._socket as Record<string, unknown>;
      expectKind(problems, "WebSocket._socket.cork", socket.cork, "function");
      expectKind(problems, "WebSocket._socket.uncork", socket.uncork, "function");
    }

    expect(problems, WHY).toEqual([]);
  });

  it("mean 'idle' as readyForRaw assumes: _state 0, empty _queue, no extensions", () => {
    const sender = (server as unknown as { _sender: { _state: unknown; _queue: unknown[] } })._sender;
    expect(sender._state, `${WHY}: an idle sender's _state should be 0 (ws's DEFAULT)`).toBe(0);
    expect(sender._queue.length, `${WHY}: an idle sender's _queue should be empty`).toBe(0);
    const extensions = (server as unknown as { _extensions: object })._extensions;
    expect(Object.keys(extensions), `${WHY}: _extensions should be empty without permessage-deflate`).toEqual([]);
  });

  it("mean 'busy' as readyForRaw assumes: while ws reads a Blob, _state is not 0 and later sends queue", async () => {
    const sender = (server as unknown as { _sender: { _state: number; _queue: unknown[] } })._sender;
    const got: string[] = [];
    const both = new Promise<void>((resolve) => {
      client.on("message", (data) => {
        got.push(String(data));
        if (got.length === 2) resolve();
      });
    });
    server.send(new Blob(["first"]) as never);
    expect(sender._state, `${WHY}: _state should be non-zero while ws reads a Blob`).not.toBe(0);
    server.send("second");
    expect(sender._queue.length, `${WHY}: a send while busy should wait in _queue`).toBeGreaterThan(0);
    await both;
    expect(got).toEqual(["first", "second"]);
    expect(sender._state, `${WHY}: _state should return to 0 once idle`).toBe(0);
    expect(sender._queue.length, `${WHY}: _queue should drain once idle`).toBe(0);
  });
});

describe(`ws ${wsVersion} public Sender.frame`, () => {
  it("exists and returns [header, payload] for an unmasked frame", () => {
    const lib = wsLib as unknown as { Sender?: { frame?: unknown } };
    expect(kindOf(lib.Sender?.frame), `ws ${wsVersion} should export Sender.frame (used by buildWireFrame)`).toBe("function");
    const frame = lib.Sender?.frame as (data: Buffer, options: object) => unknown;
    const data = Buffer.from("hi");
    const list = frame(data, { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false }) as Buffer[];
    expect(Array.isArray(list), `ws ${wsVersion}: Sender.frame should return a list of buffers`).toBe(true);
    expect(list.length).toBe(2);
    expect([...list[0]]).toEqual([0x81, 2]);
    expect(list[1]).toBe(data);
  });
});
