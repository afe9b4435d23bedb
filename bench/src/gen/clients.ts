// Minimal hand-written clients, one per protocol, over a bare WebSocket connection (wsconn.ts).
// They do only what the bench needs (connect, join one topic, push-and-await-reply, heartbeat,
// count broadcasts) and look at as few bytes as possible per broadcast, so the generator core is
// spent on the sockets rather than on parsing: a generator-bound figure says nothing about the
// server.
import { WsConn } from "./wsconn.js";

export type Protocol = "fenix" | "socketio" | "ws";

export interface ClientOptions {
  port: number;
  localAddress: string;
  timeoutMs: number;
  /** The WebSocket path, if not the server's usual one (Phoenix: `/product_socket/websocket?vsn=2.0.0`). */
  path?: string;
  /** Called with the raw frame of every broadcast received. */
  onBroadcast: (frame: Buffer) => void;
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const N = 0x6e; // "n"
const R = 0x72; // "r"
const DIGIT_0 = 0x30;

/** The decimal integer starting at `at` in `buf`. */
function readInt(buf: Buffer, at: number): number {
  let n = 0;
  for (let i = at; i < buf.length; i++) {
    const d = buf[i] - DIGIT_0;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}

export abstract class Client {
  protected conn: WsConn | undefined;
  protected nextRef = 1;
  private readonly pending = new Map<number, Pending>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(protected readonly opts: ClientOptions) {}

  protected abstract path(): string;
  protected abstract onFrame(frame: Buffer): void;
  abstract join(topic: string): Promise<void>;
  /** Pushes `payload` (a JSON object's text) and resolves when the server's reply arrives. */
  abstract echo(payload: string): Promise<void>;
  protected abstract heartbeat(): void;

  /** Resolves once the connection is ready for joins (for Socket.IO: after the "40" handshake). */
  async open(): Promise<void> {
    const ready = this.whenReady();
    let fail: (err: Error) => void = () => {};
    const closed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    closed.catch(() => {}); // after the handshake, a close only fails pending requests
    this.conn = await WsConn.open(
      { port: this.opts.port, path: this.opts.path ?? this.path(), localAddress: this.opts.localAddress, timeoutMs: this.opts.timeoutMs },
      (frame) => this.onFrame(frame),
      (reason) => {
        const err = new Error(reason);
        this.failAll(err);
        fail(err);
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    });
    try {
      await Promise.race([ready, closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Protocols with an application handshake override this. */
  protected whenReady(): Promise<void> {
    return Promise.resolve();
  }

  /** Heartbeats from a random point of the first period, so 15,000 clients do not beat in step. */
  startHeartbeat(periodMs: number): void {
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), periodMs);
    }, Math.random() * periodMs);
  }

  close(): void {
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.heartbeatTimer);
    this.conn?.close();
  }

  protected send(text: string): void {
    this.conn?.send(text);
  }

  /** Sends `text` and waits for the reply that `settle(ref, …)` reports. */
  protected request(ref: number, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new Error(`no reply to ref ${ref} within ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      this.pending.set(ref, { resolve, reject, timer });
      this.send(text);
    });
  }

  protected settle(ref: number, error?: string): void {
    const p = this.pending.get(ref);
    if (!p) return;
    this.pending.delete(ref);
    clearTimeout(p.timer);
    if (error === undefined) p.resolve();
    else p.reject(new Error(error));
  }

  private failAll(err: Error): void {
    for (const [ref, p] of this.pending) {
      this.pending.delete(ref);
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

/** Phoenix V2 JSON frames: `[join_ref, ref, topic, event, payload]`. */
class PhoenixClient extends Client {
  private joinRef = "";
  private topicJson = '""';

  protected path(): string {
    return "/socket/websocket?vsn=2.0.0";
  }

  protected onFrame(frame: Buffer): void {
    // A broadcast starts `[null,null,`: two byte checks instead of a JSON.parse per delivery.
    if (frame[1] === N && frame[6] === N) {
      this.opts.onBroadcast(frame);
      return;
    }
    const msg = JSON.parse(frame.toString("utf8")) as [string | null, string | null, string, string, { status?: string }];
    if (msg[3] === "phx_reply" && msg[1] !== null) this.settle(Number(msg[1]), msg[4]?.status === "ok" ? undefined : `reply ${JSON.stringify(msg[4])}`);
  }

  join(topic: string): Promise<void> {
    const ref = this.nextRef++;
    this.joinRef = String(ref);
    this.topicJson = JSON.stringify(topic);
    return this.request(ref, `["${ref}","${ref}",${this.topicJson},"phx_join",{}]`);
  }

  echo(payload: string): Promise<void> {
    const ref = this.nextRef++;
    return this.request(ref, `["${this.joinRef}","${ref}",${this.topicJson},"echo",${payload}]`);
  }

  protected heartbeat(): void {
    this.send(`[null,"${this.nextRef++}","phoenix","heartbeat",{}]`);
  }
}

/** engine.io v4 over a WebSocket from the start, carrying socket.io v5 packets. */
class SocketIoClient extends Client {
  private connected: (() => void) | undefined;
  private refused: ((err: Error) => void) | undefined;

  protected path(): string {
    return "/socket.io/?EIO=4&transport=websocket";
  }

  protected override whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.connected = resolve;
      this.refused = reject;
    });
  }

  protected onFrame(frame: Buffer): void {
    const type = frame[0];
    if (type === 0x34 /* 4 message */) {
      const packet = frame[1];
      if (packet === 0x32 /* 2 EVENT */) this.opts.onBroadcast(frame);
      else if (packet === 0x33 /* 3 ACK: 43<id>[…] */) this.settle(readInt(frame, 2));
      else if (packet === 0x30 /* 0 CONNECT ok */) this.connected?.();
      else if (packet === 0x34 /* 4 CONNECT_ERROR */) this.refused?.(new Error(`connect error ${frame.toString("utf8")}`));
    } else if (type === 0x32 /* 2 ping */) {
      this.send("3");
    } else if (type === 0x30 /* 0 open: {"sid",…} */) {
      this.send("40");
    }
  }

  join(topic: string): Promise<void> {
    const id = this.nextRef++;
    return this.request(id, `42${id}["join",${JSON.stringify(topic)}]`);
  }

  echo(payload: string): Promise<void> {
    const id = this.nextRef++;
    return this.request(id, `42${id}["echo",${payload}]`);
  }

  // The server pings (every 25 s by default) and we answer in onFrame: nothing to send here.
  protected heartbeat(): void {}

  override startHeartbeat(): void {}
}

/** The raw ws server's own format (see servers/ws.ts). */
class RawWsClient extends Client {
  protected path(): string {
    return "/";
  }

  protected onFrame(frame: Buffer): void {
    // Replies start `{"ref":`, broadcasts `{"topic":`.
    if (frame[2] === R) this.settle(readInt(frame, 7));
    else this.opts.onBroadcast(frame);
  }

  join(topic: string): Promise<void> {
    const ref = this.nextRef++;
    return this.request(ref, `{"t":"join","ref":${ref},"topic":${JSON.stringify(topic)}}`);
  }

  echo(payload: string): Promise<void> {
    const ref = this.nextRef++;
    return this.request(ref, `{"t":"echo","ref":${ref},"payload":${payload}}`);
  }

  protected heartbeat(): void {
    this.conn?.ping();
  }
}

export function makeClient(protocol: Protocol, opts: ClientOptions): Client {
  if (protocol === "fenix") return new PhoenixClient(opts);
  if (protocol === "socketio") return new SocketIoClient(opts);
  return new RawWsClient(opts);
}

/** Reads the `"ts":<µs>` a broadcast payload carries (NaN if absent). */
const TS = Buffer.from('"ts":');
export function readTimestamp(frame: Buffer): number {
  const i = frame.indexOf(TS);
  return i < 0 ? Number.NaN : readInt(frame, i + TS.length);
}

/** Microseconds on CLOCK_MONOTONIC, which every process on the machine shares. */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1_000_000 + Math.floor(ns / 1000);
}

const PAD = "x".repeat(59);
/** A ~100-byte payload carrying its send time. */
export function payload(ts: number, seq: number): string {
  return `{"ts":${ts},"seq":${seq},"pad":"${PAD}"}`;
}
