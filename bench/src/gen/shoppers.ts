// The launch scenario's shoppers (apps/sneakers): Phoenix V2 clients on `/product_socket`, each
// joined to every product topic and keeping the level of every size as its page would show it.
// Every `stock_change` a shopper receives is stamped on arrival with
// `performance.timeOrigin + performance.now()`, the clock base of the app's `committed_at`, so the
// runner can hand back the sales' commit times afterwards and have the delays computed here.
import { writeFileSync } from "node:fs";
import { Histogram, type SparseHist } from "../hist.js";
import { type Client, makeClient } from "./clients.js";

export const LEVELS = ["out", "low", "medium", "high"] as const;
export type Level = (typeof LEVELS)[number];
const OUT = 0;
const STOCK_CHANGE = Buffer.from('"stock_change"');

const wallMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Shopper {
  client: Client;
  /** Per item slot: the level this shopper's page shows (LEVELS index). */
  levels: Uint8Array;
  /** Per item slot: 1 once a stock_change said "out" (or the size was out when the page loaded). */
  sawOut: Uint8Array;
  frames: number;
}

export interface ShopperConnectArgs {
  count: number;
  path: string;
  topics: string[];
  concurrency: number;
  heartbeatMs: number;
  /** The sizes and the levels a page shows at load (from `GET /api/status`). */
  items: Array<{ id: number; level: Level }>;
  /** Attempts per shopper when the server answers 503 (Fenix's connect rate). */
  attempts: number;
  retryMs: number;
}

export interface ShopperState {
  shoppers: number;
  /** Shoppers whose page does not show every size "out", or who never saw a size go out. */
  notAllOut: number;
  frames: number;
  minFrames: number;
  maxFrames: number;
  /** stock_change frames about an item the status did not list, and unparseable ones. */
  strayFrames: number;
  /** Other broadcasts (e.g. `released`). */
  otherFrames: number;
}

export interface DelayResult {
  hist: SparseHist;
  samples: number;
  maxMs: number;
  /** The same, for the receipts that changed what a shopper's page shows (repeated "out"s left out). */
  changeHist: SparseHist;
  changeMaxMs: number;
  /** Receipts with no sale of their item committed before them (clock skew, or a stray frame). */
  unmatched: number;
  /** This process's `performance.timeOrigin + performance.now()` minus CLOCK_MONOTONIC, in ms. */
  baseOffsetMs: number;
}

export class Shoppers {
  private readonly shoppers: Shopper[] = [];
  private slots = new Map<number, number>();
  private initial = new Uint8Array(0);
  private nextAddress = Math.floor(Math.random() * 4);
  // Every stock_change receipt: item id and arrival time (grown by doubling).
  private receiptItem = new Int32Array(4096);
  private receiptAt = new Float64Array(4096);
  /** 1 when the receipt changed the level the shopper's page shows, 0 for a repeat (e.g. another "out"). */
  private receiptChange = new Uint8Array(4096);
  private receipts = 0;
  private stray = 0;
  private other = 0;

  constructor(
    private readonly port: number,
    private readonly addresses: string[],
    private readonly timeoutMs: number,
  ) {}

  async connect(args: ShopperConnectArgs) {
    this.slots = new Map(args.items.map((item, i) => [item.id, i]));
    this.initial = Uint8Array.from(args.items.map((item) => LEVELS.indexOf(item.level)));
    let started = 0;
    let ok = 0;
    let failed = 0;
    let retries = 0;
    let firstError: string | undefined;
    const t0 = performance.now();
    const worker = async () => {
      while (started < args.count) {
        started++;
        for (let attempt = 1; ; attempt++) {
          const shopper = this.makeShopper(args.path);
          try {
            await shopper.client.open();
            for (const topic of args.topics) await shopper.client.join(topic);
            if (args.heartbeatMs > 0) shopper.client.startHeartbeat(args.heartbeatMs);
            this.shoppers.push(shopper);
            ok++;
            break;
          } catch (err) {
            shopper.client.close();
            const message = (err as Error).message;
            if (message.includes("HTTP 503") && attempt < args.attempts) {
              retries++;
              await sleep(args.retryMs);
              continue;
            }
            failed++;
            firstError ??= message;
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, args.count)) }, worker));
    return { ok, failed, retries, ms: performance.now() - t0, firstError };
  }

  private makeShopper(path: string): Shopper {
    const shopper: Shopper = {
      client: undefined as unknown as Client,
      levels: Uint8Array.from(this.initial),
      sawOut: Uint8Array.from(this.initial, (level) => (level === OUT ? 1 : 0)),
      frames: 0,
    };
    const localAddress = this.addresses[this.nextAddress++ % this.addresses.length];
    shopper.client = makeClient("fenix", {
      port: this.port,
      localAddress,
      timeoutMs: this.timeoutMs,
      path,
      onBroadcast: (frame) => this.onBroadcast(shopper, frame),
    });
    return shopper;
  }

  private onBroadcast(shopper: Shopper, frame: Buffer): void {
    const at = wallMs();
    // `[null,null,"product:1","stock_change",{…}]`: the event name sits right after the topic.
    const e = frame.indexOf(STOCK_CHANGE);
    if (e < 0 || e > 40) {
      this.other++;
      return;
    }
    let payload: { item_id?: number; level?: Level };
    try {
      payload = (JSON.parse(frame.toString("utf8")) as unknown[])[4] as typeof payload;
    } catch {
      this.stray++;
      return;
    }
    const slot = this.slots.get(payload.item_id ?? -1);
    const level = LEVELS.indexOf(payload.level as Level);
    if (slot === undefined || level < 0) {
      this.stray++;
      return;
    }
    shopper.frames++;
    const change = shopper.levels[slot] !== level ? 1 : 0;
    shopper.levels[slot] = level;
    if (level === OUT) shopper.sawOut[slot] = 1;
    if (this.receipts === this.receiptAt.length) {
      const items = new Int32Array(this.receipts * 2);
      items.set(this.receiptItem);
      const times = new Float64Array(this.receipts * 2);
      times.set(this.receiptAt);
      const changes = new Uint8Array(this.receipts * 2);
      changes.set(this.receiptChange);
      this.receiptItem = items;
      this.receiptAt = times;
      this.receiptChange = changes;
    }
    this.receiptChange[this.receipts] = change;
    this.receiptItem[this.receipts] = payload.item_id!;
    this.receiptAt[this.receipts] = at;
    this.receipts++;
  }

  state(): ShopperState {
    let notAllOut = 0;
    let minFrames = Number.POSITIVE_INFINITY;
    let maxFrames = 0;
    for (const s of this.shoppers) {
      let out = true;
      for (let i = 0; i < s.levels.length; i++) if (s.levels[i] !== OUT || s.sawOut[i] !== 1) out = false;
      if (!out) notAllOut++;
      minFrames = Math.min(minFrames, s.frames);
      maxFrames = Math.max(maxFrames, s.frames);
    }
    return {
      shoppers: this.shoppers.length,
      notAllOut,
      frames: this.receipts,
      minFrames: this.shoppers.length ? minFrames : 0,
      maxFrames,
      strayFrames: this.stray,
      otherFrames: this.other,
    };
  }

  /**
   * The delay of every receipt: arrival minus the commit time of the latest sale of that item
   * that committed at or before the arrival. `commits` maps item id to ascending commit times.
   */
  delays(commits: Record<string, number[]>): DelayResult {
    const hist = new Histogram();
    const changeHist = new Histogram();
    let maxMs = 0;
    let changeMaxMs = 0;
    let unmatched = 0;
    for (let r = 0; r < this.receipts; r++) {
      const list = commits[this.receiptItem[r]];
      const at = this.receiptAt[r];
      // The last index whose commit time is <= at.
      let lo = 0;
      let hi = (list?.length ?? 0) - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (list![mid] <= at) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found < 0) {
        unmatched++;
        continue;
      }
      const ms = at - list![found];
      hist.record(ms * 1000);
      if (ms > maxMs) maxMs = ms;
      if (this.receiptChange[r] === 1) {
        changeHist.record(ms * 1000);
        if (ms > changeMaxMs) changeMaxMs = ms;
      }
    }
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const baseOffsetMs = wallMs() - mono;
    if (process.env.BENCH_LAUNCH_DUMP) {
      const lines = [];
      for (let r = 0; r < this.receipts; r++) lines.push(`${this.receiptItem[r]},${this.receiptAt[r]},${this.receiptChange[r]}`);
      writeFileSync(`${process.env.BENCH_LAUNCH_DUMP}/receipts-${process.pid}.csv`, `${lines.join("\n")}\n`);
    }
    return { hist: hist.sparse(), samples: hist.total, maxMs, changeHist: changeHist.sparse(), changeMaxMs, unmatched, baseOffsetMs };
  }

  close(): void {
    for (const s of this.shoppers) s.client.close();
    this.shoppers.length = 0;
  }
}
