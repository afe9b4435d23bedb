import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { buildWireFrame, canWriteRaw, writeRaw } from "./ws_frame.js";

/** The payload sizes at each RFC 6455 length-encoding boundary (7-bit, 16-bit, 64-bit). */
const SIZES = [0, 125, 126, 65535, 65536];

function textOf(size: number): string {
  return "a".repeat(size);
}
function bytesOf(size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => i % 251);
}

/** Text and binary frames of every boundary size. */
const BOUNDARY_FRAMES: { name: string; frame: { data: string | Uint8Array; binary: boolean } }[] = [
  ...SIZES.map((size) => ({ name: `text ${size}`, frame: { data: textOf(size), binary: false } })),
  ...SIZES.map((size) => ({ name: `binary ${size}`, frame: { data: bytesOf(size), binary: true } })),
];

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

  it("copies the payload: the wire buffer never aliases the frame's bytes", () => {
    const data = Buffer.from("abc");
    const wire = buildWireFrame({ data, binary: true });
    data[0] = 0x7a;
    expect(wire.subarray(2).toString()).toBe("abc");
  });

  it("frames a Uint8Array view at its offset only", () => {
    const backing = Buffer.from("xxabcxx");
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
    expect([...buildWireFrame({ data: view, binary: true })]).toEqual([0x82, 3, ...Buffer.from("abc")]);
  });
});

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/**
 * A plain TCP client doing the RFC 6455 handshake by hand, so the test sees the exact bytes the
 * server put on the wire (a ws client would only hand over decoded messages).
 */
function rawWire(port: number, path: string, byteCount: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buffered = Buffer.alloc(0);
    let body: Buffer | null = null;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`received ${body?.length ?? 0} of ${byteCount} frame bytes in time`));
    }, 5_000);
    const finish = (err: Error | null, bytes?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(bytes as Buffer);
    };
    socket.on("error", (err) => finish(err));
    socket.on("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    socket.on("data", (chunk: Buffer) => {
      if (body === null) {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf("\r\n\r\n");
        if (end === -1) return;
        const head = buffered.subarray(0, end).toString();
        if (!head.startsWith("HTTP/1.1 101")) return finish(new Error(`handshake failed: ${head.split("\r\n")[0]}`));
        body = buffered.subarray(end + 4);
      } else {
        body = Buffer.concat([body, chunk]);
      }
      if (body.length >= byteCount) finish(null, body);
    });
  });
}

describe("buildWireFrame is byte-identical to ws's own framing", () => {
  it.each(BOUNDARY_FRAMES)("$name", async ({ frame }) => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    servers.push(wss);
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    wss.on("connection", (ws, req) => {
      // `/send`: ws frames it itself; `/raw`: Fenix's fastlane writes buildWireFrame's bytes.
      if (req.url === "/raw" && canWriteRaw(ws)) writeRaw(ws, buildWireFrame(frame));
      else if (req.url === "/send") ws.send(frame.data, { binary: frame.binary });
    });
    const { port } = wss.address() as AddressInfo;
    const built = buildWireFrame(frame);
    const [sent, raw] = await Promise.all([rawWire(port, "/send", built.length), rawWire(port, "/raw", built.length)]);
    // Whole-buffer equality (not toEqual on 65 KB arrays) keeps failures readable.
    expect(sent.length, "bytes ws.send put on the wire").toBe(built.length);
    expect(Buffer.compare(sent, built), "ws.send's bytes differ from buildWireFrame's").toBe(0);
    expect(raw.length, "bytes writeRaw put on the wire").toBe(built.length);
    expect(Buffer.compare(raw, built), "writeRaw's bytes differ from buildWireFrame's").toBe(0);
  });
});

interface Harness {
  url: string;
  raw: Promise<boolean>;
}

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
      { data: new Uint8Array([2, 5, 5, ...Buffer.from("topicevent"), 0x65, 0x66, 0x67]), binary: true },
      { data: "é".repeat(63), binary: false },
      ...BOUNDARY_FRAMES.map((f) => f.frame),
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
