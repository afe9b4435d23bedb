// A raw WebSocket client (the `ws` package) that records every frame, for exact wire assertions.
import { WebSocket } from "ws";

export interface Received {
  binary: boolean;
  data: Buffer;
}

export interface Closed {
  code: number;
  reason: string;
}

type Waiter = { resolve: (item: Received) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

export class WireClient {
  private readonly inbox: Received[] = [];
  private readonly waiters: Waiter[] = [];
  private closeInfo: Closed | null = null;
  private readonly closeWaiters: ((closed: Closed) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const item = { binary: isBinary, data: toBuffer(data) };
      const waiter = this.waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(item);
      } else {
        this.inbox.push(item);
      }
    });
    ws.on("close", (code, reason) => {
      this.closeInfo = { code, reason: reason.toString("utf8") };
      for (const resolve of this.closeWaiters.splice(0)) resolve(this.closeInfo);
      for (const waiter of this.waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`connection closed (${code}) while waiting for a frame`));
      }
    });
    ws.on("error", () => {
      // surfaced through "close"
    });
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: options.headers, handshakeTimeout: options.timeoutMs ?? 2_000 });
      const client = new WireClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) => {
        reject(new UpgradeRefused(res.statusCode ?? 0));
        res.resume();
        ws.terminate();
      });
      ws.once("error", (err) => reject(err));
    });
  }

  get closed(): Closed | null {
    return this.closeInfo;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a V2 array or V1 object as a JSON text frame. */
  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  sendBinary(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  /** The next frame of either kind. */
  nextRaw(timeoutMs = 1_000): Promise<Received> {
    const item = this.inbox.shift();
    if (item) return Promise.resolve(item);
    if (this.closeInfo) return Promise.reject(new Error(`connection already closed (${this.closeInfo.code})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  /** The next frame, which must be a JSON text frame; returns it parsed. */
  async next(timeoutMs = 1_000): Promise<unknown> {
    const item = await this.nextRaw(timeoutMs);
    if (item.binary) throw new Error(`expected a text frame, got binary ${item.data.toString("hex")}`);
    return JSON.parse(item.data.toString("utf8"));
  }

  /** The next `count` text frames, parsed. */
  async take(count: number, timeoutMs = 1_000): Promise<unknown[]> {
    const frames: unknown[] = [];
    for (let i = 0; i < count; i++) frames.push(await this.next(timeoutMs));
    return frames;
  }

  /** Sends a frame and returns the next text frame. */
  async request(frame: unknown, timeoutMs = 1_000): Promise<unknown> {
    this.send(frame);
    return this.next(timeoutMs);
  }

  /** Fails if any frame arrives within `ms`. */
  async expectNone(ms = 300): Promise<void> {
    try {
      const item = await this.nextRaw(ms);
      throw new UnexpectedFrame(item);
    } catch (err) {
      if (err instanceof UnexpectedFrame) throw err;
      if (this.closeInfo) throw new Error(`connection closed (${this.closeInfo.code}) while expecting silence`);
    }
  }

  /** Resolves with the close code and reason; rejects after `ms`. */
  waitClose(ms = 2_000): Promise<Closed> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection not closed within ${ms} ms`)), ms);
      this.closeWaiters.push((closed) => {
        clearTimeout(timer);
        resolve(closed);
      });
    });
  }

  terminate(): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`Unexpected server response: ${status}`);
  }
}

class UnexpectedFrame extends Error {
  constructor(item: Received) {
    super(`expected no frame, got ${item.binary ? `binary ${item.data.toString("hex")}` : item.data.toString("utf8")}`);
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

/** Joins `topic` with join_ref = ref (as phoenix.js does) and returns the reply frame. */
export function joinFrame(ref: string, topic: string, payload: unknown = {}): unknown[] {
  return [ref, ref, topic, "phx_join", payload];
}

/** The V2 reply frame the server sends. */
export function reply(joinRef: string | null, ref: string | null, topic: string, status: string, response: unknown = {}): unknown[] {
  return [joinRef, ref, topic, "phx_reply", { status, response }];
}
