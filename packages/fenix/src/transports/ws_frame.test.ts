import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { buildWireFrame, canWriteRaw, writeRaw } from "./ws_frame.js";

describe("buildWireFrame header bytes", () => {
  it.each([
    [0, [0x81, 0]],
    [125, [0x81, 125]],
    [126, [0x81, 126, 0x00, 0x7e]],
    [65535, [0x81, 126, 0xff, 0xff]],
    [65536, [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]],
  ])("text payload of %i bytes", (size, header) => {
    const data = "a".repeat(size);
    const wire = buildWireFrame({ data, binary: false });
    expect(wire.length).toBe(header.length + size);
    expect([...wire.subarray(0, header.length)]).toEqual(header);
    expect(wire.subarray(header.length).toString()).toBe(data);
  });

  it.each([
    [0, [0x82, 0]],
    [125, [0x82, 125]],
    [126, [0x82, 126, 0x00, 0x7e]],
    [65535, [0x82, 126, 0xff, 0xff]],
    [65536, [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]],
  ])("binary payload of %i bytes", (size, header) => {
    const data = new Uint8Array(size).map((_, i) => i % 251);
    const wire = buildWireFrame({ data, binary: true });
    expect(wire.length).toBe(header.length + size);
    expect([...wire.subarray(0, header.length)]).toEqual(header);
    expect(Buffer.compare(wire.subarray(header.length), Buffer.from(data))).toBe(0);
  });

  it("counts UTF-8 bytes, not characters", () => {
    const wire = buildWireFrame({ data: "é".repeat(63), binary: false }); // 126 bytes
    expect([...wire.subarray(0, 4)]).toEqual([0x81, 126, 0, 126]);
  });
});

interface Harness {
  url: string;
  raw: Promise<boolean>;
}

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A server that writes `frames` raw to each connection when allowed, else with ws.send. */
async function serve(frames: { data: string | Uint8Array; binary: boolean }[], perMessageDeflate = false): Promise<Harness> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  let reportRaw: (raw: boolean) => void = () => {};
  const raw = new Promise<boolean>((resolve) => {
    reportRaw = resolve;
  });
  wss.on("connection", (ws) => {
    const allowed = canWriteRaw(ws);
    reportRaw(allowed);
    for (const frame of frames) {
      if (allowed) writeRaw(ws, buildWireFrame(frame));
      else ws.send(frame.data, { binary: frame.binary });
    }
  });
  const { port } = wss.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, raw };
}

function receive(url: string, count: number, perMessageDeflate = false): Promise<{ data: Buffer; isBinary: boolean }[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate });
    clients.push(ws);
    const got: { data: Buffer; isBinary: boolean }[] = [];
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count} messages in time`)), 5_000);
    ws.on("message", (data, isBinary) => {
      got.push({ data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer), isBinary });
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe("writeRaw to a real ws client", () => {
  it("delivers pre-framed text and binary messages of every header size exactly", async () => {
    const frames = [
      { data: '[null,null,"t","e",{"m":1}]', binary: false },
      { data: "", binary: false },
      { data: "x".repeat(126), binary: false },
      { data: "y".repeat(65535), binary: false },
      { data: "z".repeat(65536), binary: false },
      { data: new Uint8Array([2, 5, 5, ...Buffer.from("topicevent"), 0x65, 0x66, 0x67]), binary: true },
      { data: new Uint8Array(70_000).fill(7), binary: true },
    ];
    const server = await serve(frames);
    const got = await receive(server.url, frames.length);
    expect(await server.raw).toBe(true);
    expect(got.map((m) => m.isBinary)).toEqual(frames.map((f) => f.binary));
    got.forEach((m, i) => {
      const expected = frames[i].data;
      expect(Buffer.compare(m.data, Buffer.from(expected as string))).toBe(0);
    });
  });

  it("is not allowed when permessage-deflate is negotiated", async () => {
    const server = await serve([{ data: "hello", binary: false }], { threshold: 0 } as never);
    const got = await receive(server.url, 1, true);
    expect(await server.raw).toBe(false);
    expect(got[0].data.toString()).toBe("hello");
  });

  it("is allowed when the server offers deflate but the client declines it", async () => {
    const server = await serve([{ data: "plain", binary: false }], true);
    const got = await receive(server.url, 1, false);
    expect(await server.raw).toBe(true);
    expect(got[0].data.toString()).toBe("plain");
  });

  it("is not allowed once the socket is closing", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    servers.push(wss);
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    const states = new Promise<[boolean, boolean]>((resolve) => {
      wss.on("connection", (ws) => {
        const before = canWriteRaw(ws);
        ws.close();
        resolve([before, canWriteRaw(ws)]);
      });
    });
    const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    clients.push(ws);
    ws.on("error", () => {});
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no connection")), 5_000).unref());
    expect(await Promise.race([states, timeout])).toEqual([true, false]);
  });
});
