// The launch scenario: apps/sneakers (the book's Sneakers23 store on Fenix, embedded SQLite in a
// temporary file) sold out by `sell-until-gone`'s ticks while `shoppers` Phoenix clients, each
// joined to both products, watch every size go to "out". Fenix only: it is an app on Fenix, not
// a comparison of servers.
//
// The runner drives the ticks itself (the CLI's loop: `POST /api/sell-random {count: perTick}`,
// then `tickMs` after each answer, until `units_in_stock` is 0) so it holds every sale's
// `committed_at`. Shoppers stamp each `stock_change` on arrival with the same clock base
// (`performance.timeOrigin + performance.now()`), and the delay of a receipt is its arrival minus
// the commit of the latest sale of that item committed at or before it.
//
// BENCH_LAUNCH_DUMP=<dir> (for analysis): each generator writes its receipts (item, arrival,
// changed-the-page) to <dir>/receipts-<pid>.csv and the runner its ticks to <dir>/ticks.json.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_KEY, type Gen, type Server, type ServerKind, shares, startSneakers } from "./control.js";
import type { DelayResult, Level, ShopperState } from "./gen/shoppers.js";
import { Histogram } from "./hist.js";
import { type CpuSnap, cpuSnap, procPercent, sleep } from "./procs.js";
import { type CpuFigures, type Ctx, type Repeated, cpuFigures, withServer } from "./scenarios.js";

export interface LaunchRow extends CpuFigures, Repeated {
  server: ServerKind;
  /** Shoppers connected and joined to every product. */
  shoppers: number;
  connectFailed: number;
  /** Connects refused with 503 (the connect rate) and retried. */
  connectRetries: number;
  connectMs: number;
  items: number;
  /** Sizes seeded with 0 pairs (the book's 10 %): "out" from the page on, never a stock_change. */
  itemsOutAtStart: number;
  unitsAtStart: number;
  sales: number;
  notAvailable: number;
  ticks: number;
  /** From the first tick's request to the answer that said 0 units left. */
  sellSeconds: number;
  salesPerSec: number;
  /** Duration of one sell-random request (200 sales, their re-reads and broadcasts). */
  firstTickMs: number;
  tickP50Ms: number | null;
  tickMaxMs: number | null;
  /** Server CPU over the sale, % of one core. */
  serverSellCpuPct: number;
  stockChangeFrames: number;
  framesPerShopperMin: number;
  framesPerShopperMax: number;
  delaySamples: number;
  /** Receipts no commit of their item preceded (should be 0). */
  unmatched: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Receipts that changed a shopper's page (a new level, the first "out"): repeated "out"s left out. */
  changeSamples: number;
  changeP50Ms: number | null;
  changeP99Ms: number | null;
  changeMaxMs: number | null;
  /**
   * Bounds (ms) on the commit clock minus the shoppers' clock, from the send and answer times of
   * the ticks and of 50 probes after the sale (a sale of a size that is gone): the true delay is the reported one plus a value in this range. Each process derives
   * `performance.timeOrigin` on its own; on this VM they differ by up to ~1 ms.
   */
  clockSkewMs: [number, number] | null;
  /** From the sold-out answer until every shopper showed every size "out" (null: never). */
  settleMs: number | null;
  /** The end check: shoppers not showing every size "out" (or that never saw one go out). */
  shoppersNotAllOut: number;
  /** After the sale, from `GET /api/status`: should be 0 units and 0 sizes not "out". */
  unitsLeft: number;
  itemsNotOut: number;
  strayFrames: number;
}

interface Status {
  ready: boolean;
  units_in_stock: number;
  products: Array<{ id: number; items: Array<{ id: number; available_count: number; level: Level }> }>;
}

interface Tick {
  sold: Array<{ item_id: number; committed_at: number }>;
  not_available: number;
  units_in_stock: number;
}

const wallMs = () => performance.timeOrigin + performance.now();
const monoMs = () => Number(process.hrtime.bigint()) / 1e6;

function client(port: number) {
  return async <T>(method: string, path: string, body?: object): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : null);

export async function launch(ctx: Ctx): Promise<LaunchRow[]> {
  const l = ctx.cfg.launch;
  const dir = mkdtempSync(join(tmpdir(), "fenix-bench-launch-"));
  try {
    return [
      await withServer(
        ctx,
        l.gens,
        (server, gens) => sale(ctx, server, gens),
        (opts) => startSneakers(join(dir, "sneakers.sqlite"), opts),
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sale(ctx: Ctx, server: Server, gens: Gen[]): Promise<LaunchRow> {
  const l = ctx.cfg.launch;
  const api = client(server.port);

  // The app migrates and seeds at boot; reset only once that is done, so the two do not interleave.
  const readyBy = performance.now() + 15_000;
  while (!(await api<Status>("GET", "/api/status")).ready) {
    if (performance.now() > readyBy) throw new Error("apps/sneakers: inventory not loaded after 15 s");
    await sleep(50);
  }
  await api("POST", "/api/reset");
  let status = await api<Status>("GET", "/api/status");
  for (const p of status.products) await api("POST", `/api/products/${p.id}/release`);
  if (l.stockPerItem !== undefined) {
    for (const item of status.products.flatMap((p) => p.items)) {
      if (item.available_count > 0) await api("PUT", `/api/items/${item.id}/stock`, { count: l.stockPerItem });
    }
  }
  status = await api<Status>("GET", "/api/status");
  const items = status.products.flatMap((p) => p.items);
  const unitsAtStart = status.units_in_stock;

  // Shoppers: the page's levels at load, then only stock_change.
  const parts = shares(l.shoppers, gens.length);
  const attempts = 5;
  const connects = await Promise.all(
    gens.map((g, i) =>
      g.request<{ ok: number; failed: number; retries: number; ms: number; firstError?: string }>(
        "shoppers",
        {
          count: parts[i],
          path: "/product_socket/websocket?vsn=2.0.0",
          topics: status.products.map((p) => `product:${p.id}`),
          concurrency: l.concurrency,
          heartbeatMs: ctx.cfg.heartbeatMs,
          items: items.map((x) => ({ id: x.id, level: x.level })),
          attempts,
          retryMs: 1000,
        },
        30_000 + parts[i] * 20 + attempts * 1000,
      ),
    ),
  );
  const connected = connects.reduce((a, c) => a + c.ok, 0);
  const connectFailed = connects.reduce((a, c) => a + c.failed, 0);
  if (connectFailed) ctx.log(`  launch: ${connectFailed} of ${l.shoppers} shoppers failed to connect (${connects.find((c) => c.firstError)?.firstError})`);
  if (connected === 0) throw new Error("no shopper connected");
  await sleep(300);

  // sell-until-gone, as the CLI does it.
  const pids = gens.map((g) => g.pid);
  const commits = new Map<number, number[]>();
  const tickMs: number[] = [];
  const tickLog: Array<{ sent: number; answered: number; sold: number; commits: number[] }> = [];
  let skewLo = Number.NEGATIVE_INFINITY;
  let skewHi = Number.POSITIVE_INFINITY;
  let sales = 0;
  let notAvailable = 0;
  let left = unitsAtStart;
  const c0: CpuSnap = cpuSnap([server.pid, ...pids]);
  const t0 = performance.now();
  for (;;) {
    const sent = wallMs();
    const tick = await api<Tick>("POST", "/api/sell-random", { count: l.perTick });
    const answered = wallMs();
    tickMs.push(answered - sent);
    tickLog.push({ sent, answered, sold: tick.sold.length, commits: tick.sold.map((x) => x.committed_at) });
    for (const s of tick.sold) {
      let list = commits.get(s.item_id);
      if (!list) commits.set(s.item_id, (list = []));
      list.push(s.committed_at);
      // sent <= commit <= answered on the true clock bounds (commit clock − runner clock).
      skewLo = Math.max(skewLo, s.committed_at - answered);
      skewHi = Math.min(skewHi, s.committed_at - sent);
    }
    sales += tick.sold.length;
    notAvailable += tick.not_available;
    left = tick.units_in_stock;
    if (left === 0) break;
    if (performance.now() - t0 > l.sellMaxMs) throw new Error(`not sold out after ${l.sellMaxMs} ms (${left} of ${unitsAtStart} left)`);
    await sleep(l.tickMs);
  }
  const soldOut = performance.now();
  const c1: CpuSnap = cpuSnap([server.pid, ...pids]);
  const sellSeconds = (soldOut - t0) / 1000;
  ctx.log(`  launch: ${sales} sales in ${sellSeconds.toFixed(1)} s (${Math.round(sales / sellSeconds)}/s), ${tickMs.length} ticks`);

  // Bounded wait until every shopper shows every size "out".
  const states = async () => {
    const all = await Promise.all(gens.map((g) => g.request<ShopperState>("shopperState")));
    return {
      notAllOut: all.reduce((a, s) => a + s.notAllOut, 0),
      frames: all.reduce((a, s) => a + s.frames, 0),
      minFrames: Math.min(...all.map((s) => s.minFrames)),
      maxFrames: Math.max(...all.map((s) => s.maxFrames)),
      stray: all.reduce((a, s) => a + s.strayFrames, 0),
    };
  };
  let state = await states();
  let settleMs: number | null = null;
  for (;;) {
    if (state.notAllOut === 0) {
      settleMs = performance.now() - soldOut;
      break;
    }
    if (performance.now() - soldOut > l.settleMaxMs) break;
    await sleep(20);
    state = await states();
  }
  // Frames still in flight after the check (duplicate "out"s) are counted too.
  await sleep(200);
  state = await states();

  // Clock check: a sale of a size that is gone commits nothing, and still answers the time just
  // after its UPDATE; single requests on an idle machine bound the skew far tighter than ticks.
  for (let i = 0; i < 50; i++) {
    const sent = wallMs();
    const probe = await api<{ result: string; committed_at: number }>("POST", `/api/items/${items[0].id}/sell`);
    const answered = wallMs();
    if (probe.result === "ok") throw new Error("clock probe: the sold-out store sold a pair");
    if (typeof probe.committed_at !== "number") break; // the app no longer answers it: tick bounds only
    skewLo = Math.max(skewLo, probe.committed_at - answered);
    skewHi = Math.min(skewHi, probe.committed_at - sent);
  }

  const sorted: Record<string, number[]> = {};
  for (const [id, list] of commits) sorted[id] = list.sort((a, b) => a - b);
  const delays = await Promise.all(gens.map((g) => g.request<DelayResult>("shopperDelays", { commits: sorted }, 60_000)));
  const hist = new Histogram();
  const changeHist = new Histogram();
  for (const d of delays) {
    hist.add(d.hist);
    changeHist.add(d.changeHist);
  }
  if (process.env.BENCH_LAUNCH_DUMP) writeFileSync(join(process.env.BENCH_LAUNCH_DUMP, "ticks.json"), JSON.stringify(tickLog));
  const maxMs = delays.reduce((a, d) => Math.max(a, d.maxMs), 0);
  const unmatched = delays.reduce((a, d) => a + d.unmatched, 0);
  // Commit clock − each generator's clock = (commit − runner) + (runner − generator).
  const runnerOffset = wallMs() - monoMs();
  const skews = delays.map((d) => [skewLo + runnerOffset - d.baseOffsetMs, skewHi + runnerOffset - d.baseOffsetMs]);
  const clockSkewMs: [number, number] | null =
    Number.isFinite(skewLo) && Number.isFinite(skewHi) ? [Math.min(...skews.map((s) => s[0])), Math.max(...skews.map((s) => s[1]))] : null;

  const after = await api<Status>("GET", "/api/status");
  const afterItems = after.products.flatMap((p) => p.items);
  const ticksSorted = [...tickMs].sort((a, b) => a - b);
  const ms = (us: number | null) => (us === null ? null : us / 1000);
  const row: LaunchRow = {
    server: "fenix",
    shoppers: connected,
    connectFailed,
    connectRetries: connects.reduce((a, c) => a + c.retries, 0),
    connectMs: Math.max(...connects.map((c) => c.ms)),
    items: items.length,
    itemsOutAtStart: items.filter((x) => x.level === "out").length,
    unitsAtStart,
    sales,
    notAvailable,
    ticks: tickMs.length,
    sellSeconds,
    salesPerSec: sales / sellSeconds,
    firstTickMs: tickMs[0],
    tickP50Ms: quantile(ticksSorted, 0.5),
    tickMaxMs: ticksSorted.at(-1) ?? null,
    serverSellCpuPct: procPercent(c0, c1, [server.pid]),
    ...cpuFigures(c0, c1, server.pid, pids),
    stockChangeFrames: state.frames,
    framesPerShopperMin: state.minFrames,
    framesPerShopperMax: state.maxFrames,
    delaySamples: hist.total,
    unmatched,
    p50Ms: ms(hist.quantile(0.5)),
    p99Ms: ms(hist.quantile(0.99)),
    maxMs: hist.total ? maxMs : null,
    changeSamples: changeHist.total,
    changeP50Ms: ms(changeHist.quantile(0.5)),
    changeP99Ms: ms(changeHist.quantile(0.99)),
    changeMaxMs: changeHist.total ? delays.reduce((a, d) => Math.max(a, d.changeMaxMs), 0) : null,
    clockSkewMs,
    settleMs,
    shoppersNotAllOut: state.notAllOut + connectFailed,
    unitsLeft: after.units_in_stock,
    itemsNotOut: afterItems.filter((x) => x.level !== "out").length,
    strayFrames: state.stray,
  };
  ctx.log(
    `  launch: ${row.stockChangeFrames} stock_change frames, delay p50 ${row.p50Ms?.toFixed(2)} / p99 ${row.p99Ms?.toFixed(2)} / max ${row.maxMs?.toFixed(1)} ms, ${row.shoppersNotAllOut} shoppers not all "out"`,
  );
  return row;
}
