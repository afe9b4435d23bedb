import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RealtimeClient } from "@supabase/realtime-js";
import type { RealtimeChannel, RealtimeChannelOptions } from "@supabase/realtime-js";
import { Endpoint, RedisAdapter, createLogger } from "fenix";
import type { PubSubAdapter } from "fenix";
import { SignJWT } from "jose";
import WebSocket from "ws";
import { realtime } from "@fenix/realtime";
import type { Realtime, RealtimeOptions } from "@fenix/realtime";

export const SECRET = "test-realtime-jwt-secret-0123456789abcdef";

/** A Supabase-style token: `role` and `exp` required, `expiresIn` seconds from now. */
export function token(claims: Record<string, unknown> = {}, expiresIn = 3600, secret = SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: "anon", ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

export interface Node {
  endpoint: Endpoint;
  realtime: Realtime;
  port: number;
  url: string;
  http: string;
}

export interface NodeOptions extends Partial<RealtimeOptions> {
  nodeName?: string;
  pubsubAdapter?: PubSubAdapter;
  presence?: { broadcastPeriodMs?: number; downPeriodMs?: number };
  /** The app's own routes (the browser test serves its page here). */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
}

const logger = createLogger({ name: "realtime-test", level: process.env.LOG_LEVEL ?? "silent" });

/** A Fenix endpoint with realtime mounted at /realtime/v1, on a free port. */
export async function startNode(options: NodeOptions = {}): Promise<Node> {
  const { nodeName, pubsubAdapter, presence, handler, ...rest } = options;
  const endpoint = new Endpoint({ nodeName, pubsubAdapter, logger, handler, presence: presence ?? true, health: false, connectRate: false });
  const service = realtime(endpoint, {
    jwtSecret: SECRET,
    authorize: (topic, claims) => topic === `realtime:private-${claims.sub}`,
    ...rest,
  });
  const server = await endpoint.listen(0, "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  return { endpoint, realtime: service, port, url: `ws://127.0.0.1:${port}/realtime/v1`, http: `http://127.0.0.1:${port}/realtime/v1` };
}

/** A Redis adapter in its own namespace, so parallel tests on the shared Redis never meet. */
export function redisAdapter(namespace: string): RedisAdapter {
  return new RedisAdapter({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace, logger });
}

const clients: RealtimeClient[] = [];

/** The real client, with `ws` as its transport (Node 20 has no global WebSocket). */
export function client(url: string, apikey: string, options: Record<string, unknown> = {}): RealtimeClient {
  const c = new RealtimeClient(url, { params: { apikey }, transport: WebSocket as never, ...options });
  clients.push(c);
  return c;
}

export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.removeAllChannels().catch(() => undefined)));
}

export function name(prefix = "room"): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Resolves with the subscribe status once it is not SUBSCRIBED-pending: SUBSCRIBED, CHANNEL_ERROR, … */
export function subscribe(channel: RealtimeChannel, timeoutMs = 10_000): Promise<{ status: string; err?: Error }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscribe status for ${channel.topic}`)), timeoutMs);
    channel.subscribe((status, err) => {
      clearTimeout(timer);
      resolve({ status, err });
    });
  });
}

export async function subscribed(channel: RealtimeChannel): Promise<RealtimeChannel> {
  const { status, err } = await subscribe(channel);
  if (status !== "SUBSCRIBED") throw new Error(`expected SUBSCRIBED, got ${status}: ${err?.message}`);
  return channel;
}

/** Collects what `register` delivers; `next()` waits for the next one. */
export function inbox<T = any>(): { push: (value: T) => void; next: (timeoutMs?: number) => Promise<T>; items: T[] } {
  const items: T[] = [];
  const waiting: ((value: T) => void)[] = [];
  let read = 0;
  return {
    items,
    push(value) {
      items.push(value);
      const w = waiting.shift();
      if (w) {
        read++;
        w(value);
      }
    },
    next(timeoutMs = 10_000) {
      if (read < items.length) return Promise.resolve(items[read++]);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("nothing arrived in time")), timeoutMs);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
}

/** Waits until `check` passes (polling an observable state the client keeps), or fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type { RealtimeChannelOptions };

/** A frame as the client's socket saw it. */
export interface WireFrame {
  direction: "in" | "out";
  binary: boolean;
  bytes: Buffer;
  text: string;
}

/** `ws`, recording every frame into `frames`: pass the class as the client's `transport`. */
export function recordingTransport(frames: WireFrame[]): typeof WebSocket {
  return class RecordingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      this.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        frames.push({ direction: "in", binary: isBinary, bytes, text: isBinary ? "" : bytes.toString("utf8") });
      });
    }
    override send(data: any, ...rest: any[]): void {
      const binary = typeof data !== "string";
      const bytes = binary ? Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data) : Buffer.from(data);
      frames.push({ direction: "out", binary, bytes, text: binary ? "" : bytes.toString("utf8") });
      (super.send as (...args: any[]) => void)(data, ...rest);
    }
  };
}
