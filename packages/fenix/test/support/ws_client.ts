// A raw WebSocket test client in the spirit of Phoenix's test/support/websocket_client.exs:
// it writes exactly the frames a test gives it and exposes every received frame, so tests
// can assert the wire format byte for byte (no phoenix.js smoothing anything over).
import type { IncomingHttpHeaders } from "node:http";
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";
import { WebSocket } from "ws";
import { V2 } from "./protocol.js";
import type { Proto, Ref } from "./protocol.js";

/** Default bound for every wait, so a missing frame fails the test instead of hanging it. */
export const WAIT_MS = 2_000;
/** How long "nothing arrives" is watched. Kept well under the 200 ms idle timeout of /ws. */
export const QUIET_MS = 100;

export type Received = { binary: false; text: string; json: unknown } | { binary: true; bytes: Buffer };

export interface Closed {
  code: number;
  reason: string;
}

/** A refused upgrade: the HTTP response that came back instead of 101. */
export interface Refused {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

export class UpgradeRefused extends Error {
  constructor(readonly response: Refused) {
    super(`upgrade refused with HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
}

export interface OpenOptions {
  proto?: Proto;
  protocols?: string[];
  headers?: Record<string, string>;
}

const open = new Set<TestClient>();

/** Kills every client a test left open (afterEach), so no socket outlives its test. */
export function terminateAll(): void {
  for (const client of open) client.ws.terminate();
  open.clear();
}

function describeFrame(frame: Received): string {
  return frame.binary ? `<binary ${frame.bytes.toString("hex")}>` : frame.text;
}

function matches(frame: Received, expected: unknown): boolean {
  if (Buffer.isBuffer(expected)) return frame.binary && frame.bytes.equals(expected);
  return !frame.binary && isDeepStrictEqual(frame.json, expected);
}

export class TestClient {
  /** Resolves with the close code once the connection is gone, whoever closed it. */
  readonly closed: Promise<Closed>;
  private readonly inbox: Received[] = [];
  private wake: (() => void) | null = null;
  private closeInfo: Closed | null = null;

  private constructor(
    readonly ws: WebSocket,
    readonly proto: Proto,
  ) {
    open.add(this);
    // Errors surface through `closed` and failed expectations; an unhandled 'error' would crash the run.
    ws.on("error", () => {});
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.inbox.push({ binary: true, bytes: Buffer.from(data) });
      else {
        const text = data.toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        this.inbox.push({ binary: false, text, json });
      }
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code: number, reason: Buffer) => {
        open.delete(this);
        this.closeInfo = { code, reason: reason.toString("utf8") };
        this.wake?.();
        resolve(this.closeInfo);
      });
    });
  }

  /** Opens a connection; rejects with UpgradeRefused (status and body) when the server says no. */
  static open(url: string, options: OpenOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, handshakeTimeout: WAIT_MS });
      const client = new TestClient(ws, options.proto ?? V2);
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          reject(new UpgradeRefused({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
          req.destroy();
        });
      });
      ws.once("error", reject);
      ws.once("close", () => reject(new Error("connection closed during the handshake")));
    });
  }

  /** Like open, but a refusal is a value: the test asserts on its status and body. */
  static async refused(url: string, options: OpenOptions = {}): Promise<Refused> {
    try {
      const client = await TestClient.open(url, options);
      client.ws.terminate();
    } catch (err) {
      if (err instanceof UpgradeRefused) return err.response;
      throw err;
    }
    throw new Error(`expected ${url} to be refused, but the upgrade succeeded`);
  }

  /** The subprotocol the server selected ("" when none). */
  get protocol(): string {
    return this.ws.protocol;
  }

  /** Writes one frame in this client's protocol version. */
  push(joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown = {}): void {
    this.sendText(this.proto.frame(joinRef, ref, topic, event, payload));
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  sendBinary(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  /** Sends a WebSocket ping and resolves with the pong's payload. */
  ping(data: string, timeout = WAIT_MS): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pong for ping ${JSON.stringify(data)} within ${timeout}ms`)), timeout);
      this.ws.once("pong", (payload: Buffer) => {
        clearTimeout(timer);
        resolve(payload);
      });
      this.ws.ping(data);
    });
  }

  /** The next received frame, in arrival order. */
  async next(timeout = WAIT_MS): Promise<Received> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const frame = this.inbox.shift();
      if (frame) return frame;
      if (this.closeInfo) throw new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeout}ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** The next frame must be exactly `expected` (parsed JSON deep-equal, or identical bytes). */
  async expectFrame(expected: unknown, timeout = WAIT_MS): Promise<void> {
    const frame = await this.next(timeout);
    if (Buffer.isBuffer(expected)) {
      expect(frame.binary ? frame.bytes.toString("hex") : describeFrame(frame)).toBe(expected.toString("hex"));
      return;
    }
    expect(frame.binary, `expected a text frame, got ${describeFrame(frame)}`).toBe(false);
    expect(frame.binary ? undefined : frame.json).toStrictEqual(expected);
  }

  /** The frame this client's protocol writes for (joinRef, ref, topic, event, payload). */
  expectMessage(joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown, timeout = WAIT_MS): Promise<void> {
    return this.expectFrame(this.proto.out(joinRef, ref, topic, event, payload), timeout);
  }

  expectReply(joinRef: Ref, ref: Ref, topic: string, status: string, response: unknown = {}, timeout = WAIT_MS): Promise<void> {
    return this.expectMessage(joinRef, ref, topic, "phx_reply", { status, response }, timeout);
  }

  /** The next `expected.length` frames must be exactly these, in any order. */
  async expectFrames(expected: unknown[], timeout = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeout;
    const got: Received[] = [];
    for (let i = 0; i < expected.length; i++) got.push(await this.next(Math.max(1, deadline - Date.now())));
    const left = [...got];
    for (const want of expected) {
      const i = left.findIndex((frame) => matches(frame, want));
      if (i === -1) {
        const wanted = Buffer.isBuffer(want) ? `<binary ${want.toString("hex")}>` : JSON.stringify(want);
        throw new Error(`missing frame ${wanted}; received (any order): ${got.map(describeFrame).join(" | ")}`);
      }
      left.splice(i, 1);
    }
  }

  /** Reads frames until one satisfies `done`; returns all of them, the matching one last. */
  async collectUntil(done: (frame: Received) => boolean, timeout = WAIT_MS): Promise<Received[]> {
    const deadline = Date.now() + timeout;
    const got: Received[] = [];
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now())).catch((err: Error) => {
        throw new Error(`${err.message}; received so far: ${got.map(describeFrame).join(" | ")}`);
      });
      got.push(frame);
      if (done(frame)) return got;
    }
  }

  /** Nothing may arrive for `ms`. */
  async expectNoFrame(ms = QUIET_MS): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.inbox.length > 0) throw new Error(`expected no frame, got ${this.inbox.map(describeFrame).join(" | ")}`);
  }

  /** The connection must close within `timeout`; resolves with its close code and reason. */
  waitClosed(timeout = WAIT_MS): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`connection still open after ${timeout}ms`)), timeout).unref()),
    ]);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(code = 1000): void {
    this.ws.close(code);
  }
}

/** True for a text frame carrying this event (V1 object or V2 array). */
export function isEvent(frame: Received, event: string): boolean {
  if (frame.binary) return false;
  const json = frame.json as unknown;
  if (Array.isArray(json)) return json[3] === event;
  return typeof json === "object" && json !== null && (json as { event?: unknown }).event === event;
}
