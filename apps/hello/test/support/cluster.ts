// Several HelloSockets processes (apps/hello/dist/main.js) sharing one Redis, and the clients the
// cluster and nginx tests drive against them: official phoenix.js members with Presence, and cheap
// raw V2 WebSocket members for bulk presence.
import { Presence, Socket } from "phoenix";
import { WebSocket } from "ws";
import { publish } from "./http.js";
import type { HttpResult } from "./http.js";
import { spawnHello, waitListening } from "./process.js";
import type { HelloProcess } from "./process.js";

export const SECRET_KEY_BASE = "cluster-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz";
export const API_KEY = "cluster-test-api-key";

/** Short tracker periods, so down detection and convergence fit in a test. */
export const TRACKER = { broadcastMs: 200, downMs: 2_000, permdownMs: 10_000 };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every `everyMs`; rejects after `ms` with `what` and, if given, `detail()`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number, what: string, detail?: () => unknown, everyMs = 20): Promise<number> {
  const started = Date.now();
  const deadline = started + ms;
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() > deadline) {
      const extra = detail ? `\n${JSON.stringify(detail(), null, 1).slice(0, 4_000)}` : "";
      throw new Error(`timed out after ${ms} ms waiting for ${what}${extra}`);
    }
    await sleep(everyMs);
  }
}

/** One hello process in the cluster; `start` again after `kill`/`stop` is a new incarnation with the same name and port. */
export class HelloNode {
  proc: HelloProcess | undefined;
  private previousOutput = "";
  incarnations = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    public redisUrl: string,
    readonly env: Record<string, string | undefined> = {},
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get socketUrl(): string {
    return `ws://127.0.0.1:${this.port}/socket`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  async start(ms = 10_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (this.proc) this.previousOutput += this.proc.output();
    this.incarnations += 1;
    this.proc = spawnHello({
      PORT: String(this.port),
      NODE_NAME: this.name,
      REDIS_URL: this.redisUrl,
      SECRET_KEY_BASE,
      API_KEY,
      NODE_ENV: undefined,
      TRACKER_BROADCAST_MS: String(TRACKER.broadcastMs),
      TRACKER_DOWN_MS: String(TRACKER.downMs),
      TRACKER_PERMDOWN_MS: String(TRACKER.permdownMs),
      DRAIN_MS: "200",
      ...this.env,
    });
    await waitListening(this.proc, this.port, ms);
  }

  /** SIGKILL: no drain, no graceful permdown; peers must notice the silence. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    proc.child.kill("SIGKILL");
    await proc.exited(5_000);
  }

  /** SIGTERM (drain over DRAIN_MS, graceful permdown), SIGKILL after `ms`. */
  async stop(ms = 5_000): Promise<number | string | undefined> {
    return this.proc?.stop(ms);
  }

  /** Every incarnation's logs. */
  output(): string {
    return this.previousOutput + (this.proc?.output() ?? "");
  }

  publish(body: { topic: string; event: string; payload?: object }): Promise<HttpResult> {
    return publish(this.base, API_KEY, body);
  }
}

/** What a Presence list looks like, comparably: `[key, sorted phx_refs]` sorted by key. */
export type PresenceSnapshot = [string, string[]][];

export interface MemberOptions {
  /** `ws://host:port/socket` */
  url: string;
  user: string;
  /** Room topic joined with a phoenix.js Presence (omit for none). */
  room?: string;
  /** Also join `ping` (records `send_ping` and every other event). */
  ping?: boolean;
  /** phoenix.js reconnect delay (default 50 ms). */
  reconnectAfterMs?: number;
}

type Any = any;

/**
 * A phoenix.js client: one socket (its `opens` count tells reconnects), a room channel with the
 * official `Presence`, and optionally `ping`. Every event received is recorded by channel.
 */
export class Member {
  readonly socket: Any;
  readonly room: Any;
  readonly presence: Any;
  readonly ping: Any;
  opens = 0;
  readonly closes: number[] = [];
  /** Room joins acknowledged (a rejoin counts again). */
  roomJoins = 0;
  pingJoins = 0;
  readonly events: { channel: string; event: string; payload: Any; at: number }[] = [];

  constructor(readonly options: MemberOptions) {
    const delay = options.reconnectAfterMs ?? 50;
    this.socket = new Socket(options.url, {
      transport: WebSocket,
      params: { user: options.user },
      timeout: 2_000,
      reconnectAfterMs: () => delay,
      rejoinAfterMs: () => delay,
    });
    this.socket.onOpen(() => {
      this.opens += 1;
    });
    this.socket.onClose((e: { code: number }) => this.closes.push(e.code));
    this.socket.onError(() => {});
    this.socket.connect();
    if (options.room) {
      this.room = this.socket.channel(options.room);
      this.presence = new Presence(this.room);
      this.room.onMessage = (event: string, payload: Any) => {
        if (!event.startsWith("phx_") && !event.startsWith("chan_reply_")) this.events.push({ channel: options.room!, event, payload, at: Date.now() });
        return payload;
      };
      this.room.join().receive("ok", () => {
        this.roomJoins += 1;
      });
      // phoenix.js calls the join push's callbacks again on every rejoin.
    }
    if (options.ping) {
      this.ping = this.socket.channel("ping");
      this.ping.onMessage = (event: string, payload: Any) => {
        if (!event.startsWith("phx_") && !event.startsWith("chan_reply_")) this.events.push({ channel: "ping", event, payload, at: Date.now() });
        return payload;
      };
      this.ping.join().receive("ok", () => {
        this.pingJoins += 1;
      });
    }
  }

  get user(): string {
    return this.options.user;
  }

  /** Resolves once every requested channel has been joined `times` times in total. */
  joined(times = 1, ms = 5_000): Promise<number> {
    return waitUntil(
      () => (!this.options.room || this.roomJoins >= times) && (!this.options.ping || this.pingJoins >= times),
      ms,
      `${this.user} to join (x${times})`,
      () => ({ roomJoins: this.roomJoins, pingJoins: this.pingJoins, opens: this.opens, closes: this.closes }),
    );
  }

  /** The Presence list as `[key, refs]`, sorted. */
  snapshot(): PresenceSnapshot {
    if (!this.presence) return [];
    return (
      this.presence.list((key: string, { metas }: { metas: { phx_ref: string }[] }) => [key, metas.map((m) => m.phx_ref).sort()]) as PresenceSnapshot
    ).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  keys(): string[] {
    return this.snapshot().map(([key]) => key);
  }

  /** Events named `event` (optionally on one channel) whose payload matches `filter`. */
  received(event: string, filter: (payload: Any) => boolean = () => true, channel?: string): Any[] {
    return this.events.filter((e) => e.event === event && (channel === undefined || e.channel === channel) && filter(e.payload)).map((e) => e.payload);
  }

  /** Leaves the room channel (the socket stays connected). */
  leaveRoom(): Promise<void> {
    return new Promise((resolve) => {
      this.room
        .leave(2_000)
        .receive("ok", () => resolve())
        .receive("timeout", () => resolve());
    });
  }

  disconnect(): void {
    this.socket.disconnect();
  }
}

/** True when every member's Presence list is the same and has exactly `keys` (sorted). */
export function converged(members: readonly Member[], keys: readonly string[]): boolean {
  const expected = [...keys].sort();
  const first = JSON.stringify(members[0].snapshot());
  return members.every((m) => JSON.stringify(m.snapshot()) === first) && JSON.stringify(members[0].keys()) === JSON.stringify(expected);
}

/** Waits until `converged`, with the lists in the error. */
export function waitConverged(members: readonly Member[], keys: readonly string[], ms: number, what: string): Promise<number> {
  return waitUntil(
    () => converged(members, keys),
    ms,
    `${what}: every Presence list equal to [${[...keys].sort().join(", ")}]`,
    () => Object.fromEntries(members.map((m) => [`${m.user}@${m.options.url}`, m.snapshot()])),
  );
}

/**
 * A raw V2 WebSocket member (`?vsn=2.0.0&user=<user>`) that joins `topic` and keeps only what it
 * needs: far cheaper than phoenix.js for hundreds of presences.
 */
export class RawMember {
  private constructor(
    readonly ws: WebSocket,
    readonly user: string,
  ) {}

  /** Opens, joins `topic`, resolves with the `presence_state` payload pushed after the join. */
  static async join(
    url: string,
    user: string,
    topic: string,
    ms = 10_000,
  ): Promise<{ member: RawMember; state: Record<string, { metas: { phx_ref: string }[] }> }> {
    const ws = new WebSocket(`${url}/websocket?vsn=2.0.0&user=${encodeURIComponent(user)}`, { handshakeTimeout: ms });
    const member = new RawMember(ws, user);
    return new Promise((resolve, reject) => {
      let joined = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${user}: no join reply and presence_state on ${topic} within ${ms} ms (joined: ${joined})`));
      }, ms);
      const onMessage = (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const [joinRef, ref, t, event, payload] = JSON.parse(data.toString("utf8")) as [string | null, string | null, string, string, Any];
        if (t !== topic) return;
        if (event === "phx_reply" && ref === "1" && joinRef === "1") {
          if (payload?.status !== "ok") {
            clearTimeout(timer);
            ws.terminate();
            reject(new Error(`${user}: join refused: ${JSON.stringify(payload)}`));
            return;
          }
          joined = true;
        } else if (event === "presence_state") {
          clearTimeout(timer);
          // ws keeps reading (the server never sees a slow consumer); we stop parsing.
          ws.off("message", onMessage);
          resolve({ member, state: payload });
        }
      };
      ws.on("message", onMessage);
      ws.once("open", () => ws.send(JSON.stringify(["1", "1", topic, "phx_join", {}])));
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.on("unexpected-response", (_req, res) => {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`${user}: upgrade refused with ${res.statusCode}`));
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
