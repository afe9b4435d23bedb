// The presence scenario's clients: each joins one topic under its own key and keeps the set of
// keys it has seen, applying `presence_state` and `presence_diff` as phoenix.js `Presence` does
// (a join adds its key). Nobody leaves during the scenario, so a bitset of user numbers is the
// whole state: 5,000 clients × 5,000 keys fit in 3 MB instead of millions of map entries.
import { Client, type ClientOptions } from "./clients.js";

const clock = () => performance.timeOrigin + performance.now();

/**
 * The keys a presence frame adds, decoded once per distinct frame in this process. The server
 * sends byte-identical frames to every member (a diff is encoded once per broadcast, a coalesced
 * state once per window), and each real client parses its copy on its own CPU; one generator core
 * parsing the same 190 KB once per simulated client measured the generator, not the server
 * (bench/NOTES.md §8). Frames are compared byte for byte, so a frame that differs is decoded anew.
 */
const decoded = new Map<number, Array<{ frame: Buffer; event: string; keys: number[] }>>();
let decodedCount = 0;
const SHARED_MIN_BYTES = 256;

function presenceKeys(frame: Buffer, event: string, joins: Record<string, unknown>): number[] {
  const keys = Object.keys(joins).map((key) => Number(key.slice(1)));
  if (frame.length >= SHARED_MIN_BYTES) {
    if (decodedCount >= 256) {
      decoded.clear();
      decodedCount = 0;
    }
    const same = decoded.get(frame.length) ?? [];
    same.push({ frame: Buffer.from(frame), event, keys });
    decoded.set(frame.length, same);
    decodedCount++;
  }
  return keys;
}

function known(frame: Buffer): { event: string; keys: number[] } | undefined {
  if (frame.length < SHARED_MIN_BYTES) return undefined;
  const same = decoded.get(frame.length);
  if (same) for (const x of same) if (x.frame.equals(frame)) return x;
  return undefined;
}

export class PresenceClient extends Client {
  private readonly seen: Uint8Array;
  private count = 0;
  frames = 0;
  bytes = 0;
  /** Wall-clock ms (shared base across processes) when this client first listed every key. */
  convergedAt = 0;

  constructor(
    opts: ClientOptions,
    private readonly user: number,
    private readonly total: number,
    private readonly onConverged: () => void,
  ) {
    super(opts);
    this.seen = new Uint8Array(Math.ceil(total / 8));
  }

  protected path(): string {
    return "/socket/websocket?vsn=2.0.0";
  }

  protected onFrame(frame: Buffer): void {
    const seen = known(frame);
    if (seen) {
      this.frames++;
      this.bytes += frame.length;
      for (const n of seen.keys) this.mark(n);
      return;
    }
    const msg = JSON.parse(frame.toString("utf8")) as [string | null, string | null, string, string, any];
    const event = msg[3];
    if (event === "phx_reply") {
      if (msg[1] !== null) this.settle(Number(msg[1]), msg[4]?.status === "ok" ? undefined : `reply ${JSON.stringify(msg[4])}`);
      return;
    }
    if (event !== "presence_state" && event !== "presence_diff") return;
    this.frames++;
    this.bytes += frame.length;
    for (const n of presenceKeys(frame, event, event === "presence_state" ? msg[4] : msg[4].joins)) this.mark(n);
  }

  private mark(n: number): void {
    const bit = 1 << (n & 7);
    if (this.seen[n >> 3] & bit) return;
    this.seen[n >> 3] |= bit;
    if (++this.count === this.total) {
      this.convergedAt = clock();
      this.onConverged();
    }
  }

  join(topic: string): Promise<void> {
    return this.request(this.nextRef++, `["1","1",${JSON.stringify(topic)},"phx_join",{"user":"u${this.user}"}]`);
  }

  echo(): Promise<void> {
    return Promise.reject(new Error("presence clients do not echo"));
  }

  protected heartbeat(): void {
    this.send(`[null,"${this.nextRef++}","phoenix","heartbeat",{}]`);
  }
}

export interface PresenceJoinArgs {
  topic: string;
  /** User numbers `first … first + count - 1` of `total`. */
  first: number;
  count: number;
  total: number;
  concurrency: number;
}

/** One generator's share of the crowd. */
export class PresenceCrowd {
  private readonly clients: PresenceClient[] = [];
  private converged = 0;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly port: number,
    private readonly addresses: string[],
    private readonly timeoutMs: number,
  ) {}

  async join(args: PresenceJoinArgs): Promise<{ ok: number; failed: number; firstError?: string }> {
    let next = 0;
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    const worker = async () => {
      while (next < args.count) {
        const user = args.first + next++;
        const client = new PresenceClient(
          { port: this.port, localAddress: this.addresses[user % this.addresses.length], timeoutMs: this.timeoutMs, onBroadcast: () => {} },
          user,
          args.total,
          () => this.onConverged(),
        );
        this.clients.push(client);
        try {
          await client.open();
          await client.join(args.topic);
          ok++;
        } catch (err) {
          failed++;
          firstError ??= (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, args.count)) }, worker));
    return { ok, failed, firstError };
  }

  private onConverged(): void {
    if (++this.converged === this.clients.length) this.waiter?.();
  }

  /** Resolves when every client lists every key, or after `timeoutMs`, with what was reached. */
  async wait(args: { timeoutMs: number }) {
    if (this.converged < this.clients.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, args.timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    let lastAt = 0;
    let frames = 0;
    let bytes = 0;
    for (const c of this.clients) {
      lastAt = Math.max(lastAt, c.convergedAt);
      frames += c.frames;
      bytes += c.bytes;
    }
    return { clients: this.clients.length, converged: this.converged, lastAt, frames, bytes };
  }

  close(): void {
    for (const c of this.clients) c.close();
    this.clients.length = 0;
  }
}
