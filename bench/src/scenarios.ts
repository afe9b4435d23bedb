// The four scenarios, each against one server in a fresh process (so no scenario inherits
// another's heap), with generators on the other core. Each returns table rows.
import type { BenchConfig } from "./config.js";
import { type Gen, SCRAPE_MS, type Server, type ServerKind, type ServerOptions, shares, spawnGens, startServer } from "./control.js";
import { Histogram, type SparseHist } from "./hist.js";
import type { Spread } from "./median.js";
import { type CpuSnap, canPin, corePercent, cpuSnap, procPercent, procSeconds, procSplit, rssBytes, sleep } from "./procs.js";

export interface Ctx {
  kind: ServerKind;
  cfg: BenchConfig;
  server: ServerOptions;
  logFd?: number;
  log: (line: string) => void;
}

/** Which core held the figure back: a generator-bound figure says nothing about the server. */
export type Limit = "server" | "generator" | "both" | "neither";

/** Set on rows that are medians of several rounds (`--repeat`). */
export interface Repeated {
  runs?: number;
  spread?: Spread;
}

export interface CpuFigures {
  serverCpuPct: number;
  /** The part of serverCpuPct spent in the kernel (on loopback this includes the clients' TCP receive work). */
  serverSysPct: number;
  genCpuPct: number;
  genSysPct: number;
  /** Busy % of the server's and the generators' cores (whatever ran there). */
  core0Pct: number | null;
  core1Pct: number | null;
  limit: Limit;
}

const BUSY = 90;

export function cpuFigures(a: CpuSnap, b: CpuSnap, server: number | number[], gens: number[]): CpuFigures {
  const servers = Array.isArray(server) ? server : [server];
  const serverCpuPct = procPercent(a, b, servers);
  const genCpuPct = procPercent(a, b, gens);
  const core0Pct = corePercent(a, b, 0);
  const core1Pct = corePercent(a, b, 1);
  // Pinned, a core's own busy time is the truth (it includes the kernel's loopback work);
  // unpinned, only the processes' own CPU can say.
  const s = canPin() && core0Pct !== null ? core0Pct : serverCpuPct;
  const g = canPin() && core1Pct !== null ? core1Pct : genCpuPct;
  const limit: Limit = s >= BUSY && g >= BUSY ? "both" : s >= BUSY ? "server" : g >= BUSY ? "generator" : "neither";
  const wall = (b.at - a.at) / 1000;
  const serverSysPct = wall > 0 ? (100 * procSplit(a, b, servers)[1]) / wall : 0;
  const genSysPct = wall > 0 ? (100 * procSplit(a, b, gens)[1]) / wall : 0;
  return { serverCpuPct, serverSysPct, genCpuPct, genSysPct, core0Pct, core1Pct, limit };
}

/** GETs `/metrics` every SCRAPE_MS (one at a time, 5 s timeout); a failure is logged once. */
function scrape(port: number, log: (line: string) => void): { stop(): void } {
  let busy = false;
  let failed = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      })
      .catch((err: Error) => {
        if (!failed) log(`  scraping /metrics failed: ${err.message}`);
        failed = true;
      })
      .finally(() => {
        busy = false;
      });
  }, SCRAPE_MS);
  return { stop: () => clearInterval(timer) };
}

/** Runs `run` against a fresh server (by default the scenario's kind; `start` for another app) and `nGens` generators. */
export async function withServer<T>(
  ctx: Ctx,
  nGens: number,
  run: (server: Server, gens: Gen[]) => Promise<T>,
  start?: (opts: ServerOptions) => Promise<Server>,
): Promise<T> {
  const server = await (start ?? ((opts) => startServer(ctx.kind, opts)))({ ...ctx.server, logFd: ctx.logFd });
  const gens = spawnGens(ctx.kind, server.port, nGens, ctx.cfg.addresses, ctx.logFd);
  // Metrics on means scraped too: the runner reads /metrics as a Prometheus server would.
  const scraper = !start && ctx.kind === "fenix" && SCRAPE_MS > 0 ? scrape(server.port, ctx.log) : undefined;
  // A server that dies mid-scenario fails it at once rather than at the scenario timeout.
  let onExit: (() => void) | undefined;
  const died = new Promise<never>((_, reject) => {
    onExit = () => reject(new Error(`the ${ctx.kind} server exited (code ${server.child.exitCode ?? server.child.signalCode}) during the scenario`));
    server.child.once("exit", onExit);
  });
  try {
    return await Promise.race([run(server, gens), died]);
  } finally {
    server.child.off("exit", onExit!);
    scraper?.stop();
    // The server closes first, so TIME_WAIT lands on its port, not on the clients' source ports.
    await server.stop();
    await Promise.all(gens.map((g) => g.exit()));
  }
}

interface ConnectResult {
  ok: number;
  failed: number;
  ms: number;
  firstError?: string;
}

/** Opens `count` more clients spread over `gens`, each joining `topic`. */
export async function connectAll(ctx: Ctx, gens: Gen[], count: number, topic: string, concurrency: number): Promise<ConnectResult> {
  const parts = shares(count, gens.length);
  const results = await Promise.all(
    gens.map((g, i) => g.request<ConnectResult>("connect", { count: parts[i], topic, concurrency, heartbeatMs: ctx.cfg.heartbeatMs }, 30_000 + parts[i] * 20)),
  );
  const out: ConnectResult = { ok: 0, failed: 0, ms: 0 };
  for (const r of results) {
    out.ok += r.ok;
    out.failed += r.failed;
    out.ms = Math.max(out.ms, r.ms);
    out.firstError ??= r.firstError;
  }
  if (out.failed > 0) ctx.log(`  ${ctx.kind}: ${out.failed} of ${count} connections failed (${out.firstError})`);
  return out;
}

async function delivered(gens: Gen[]): Promise<number> {
  const counts = await Promise.all(gens.map((g) => g.request<{ delivered: number }>("count")));
  counts.forEach((c, i) => {
    gens[i].delivered = c.delivered;
  });
  return counts.reduce((a, c) => a + c.delivered, 0);
}

/** Waits (bounded) until `expected` deliveries have arrived; returns how many did. */
export async function drain(gens: Gen[], expected: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let got = await delivered(gens);
  while (got < expected && performance.now() < deadline) {
    await sleep(50);
    got = await delivered(gens);
  }
  return got;
}

export function merged(hists: SparseHist[]): Histogram {
  const h = new Histogram();
  for (const s of hists) h.add(s);
  return h;
}

const ms = (us: number | null) => (us === null ? null : us / 1000);

export interface FanoutRow extends CpuFigures, Repeated {
  server: ServerKind;
  subscribers: number;
  connectFailed: number;
  deliveriesPerSec: number;
  /** Server CPU time per delivered message during saturation. */
  serverCpuUsPerDelivery: number;
  published: number;
  publishErrors: number;
  /** Saturation deliveries that had not arrived 20 s after publishing stopped. */
  lost: number;
  fixedDeliveriesPerSec: number;
  fixedSamples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  fixed: CpuFigures;
}

export type FanoutSettings = BenchConfig["fanout"];
type Measured = Omit<FanoutRow, "server" | "subscribers" | "connectFailed">;

/**
 * One fan-out measurement with `connected` subscribers already joined: saturation (the
 * subscribers' counts flow back to the publisher as credit) for deliveries/s and CPU per delivery,
 * then a fixed moderate rate for latency. `servers` are the processes whose CPU is the server's.
 */
export async function measureFanout(f: FanoutSettings, servers: number[], pub: Gen, subs: Gen[], connected: number): Promise<Measured> {
  const pids = [pub, ...subs].map((g) => g.pid);
  const base = await delivered(subs);
  const credit = () => pub.tell("credit", { delivered: subs.reduce((a, g) => a + g.delivered, 0) - base });
  for (const g of subs) g.onProgress = credit;
  await Promise.all(subs.map((g) => g.request("progress", { intervalMs: 20 })));
  const window = Math.max(4, Math.ceil(f.outstandingDeliveries / connected));
  const saturation = pub.request("saturate", { durationMs: f.warmupMs + f.measureMs, window, subscribers: connected }, f.warmupMs + f.measureMs + 30_000);
  await sleep(f.warmupMs);
  const c0 = cpuSnap([...servers, ...pids]);
  const d0 = await delivered(subs);
  await sleep(f.measureMs);
  const c1 = cpuSnap([...servers, ...pids]);
  const d1 = await delivered(subs);
  const sat = await saturation;
  await Promise.all(subs.map((g) => g.request("progress", { intervalMs: 0 })));
  for (const g of subs) g.onProgress = undefined;
  const expected = base + sat.published * connected;
  const got = await drain(subs, expected, 20_000);
  const seconds = (c1.at - c0.at) / 1000;
  const count = d1 - d0;

  // Fixed moderate rate: latency from the payload's send timestamp.
  const rate = f.fixedDeliveriesPerSec / connected;
  await Promise.all(subs.map((g) => g.request("record", { on: true })));
  const before = await delivered(subs);
  const e0 = cpuSnap([...servers, ...pids]);
  const fixed = await pub.request("fixed", { durationMs: f.fixedMs, rate }, f.fixedMs + 30_000);
  const e1 = cpuSnap([...servers, ...pids]);
  await drain(subs, before + fixed.published * connected, 20_000);
  const hists = await Promise.all(subs.map((g) => g.request<{ hist: SparseHist }>("hist")));
  await Promise.all(subs.map((g) => g.request("record", { on: false })));
  const h = merged(hists.map((x) => x.hist));
  return {
    deliveriesPerSec: count / seconds,
    serverCpuUsPerDelivery: count > 0 ? (procSeconds(c0, c1, servers) * 1e6) / count : 0,
    ...cpuFigures(c0, c1, servers, pids),
    published: sat.published,
    publishErrors: sat.errors + fixed.errors,
    lost: Math.max(0, expected - got),
    fixedDeliveriesPerSec: (fixed.published * connected * 1000) / f.fixedMs,
    fixedSamples: h.total,
    p50Ms: ms(h.quantile(0.5)),
    p99Ms: ms(h.quantile(0.99)),
    fixed: cpuFigures(e0, e1, servers, pids),
  };
}

export async function fanout(ctx: Ctx): Promise<FanoutRow[]> {
  const f = ctx.cfg.fanout;
  const topic = "bench:fanout";
  return withServer(ctx, f.gens + 1, async (server, all) => {
    const pub = all[all.length - 1];
    const subs = all.slice(0, -1);
    await pub.request("publisher", { topic, maxInFlight: f.maxInFlight });
    const rows: FanoutRow[] = [];
    let connected = 0;
    let connectFailed = 0;
    for (const n of [...f.subscribers].sort((a, b) => a - b)) {
      const c = await connectAll(ctx, subs, n - connected, topic, f.concurrency);
      connected += c.ok;
      connectFailed += c.failed;
      await sleep(300);

      rows.push({ server: ctx.kind, subscribers: connected, connectFailed, ...(await measureFanout(f, [server.pid], pub, subs, connected)) });
      ctx.log(`  fanout ${ctx.kind} ${connected}: ${Math.round(rows.at(-1)!.deliveriesPerSec)} deliveries/s, p99 ${rows.at(-1)!.p99Ms?.toFixed(1)} ms`);
    }
    return rows;
  });
}

export interface MemoryRow extends Repeated {
  server: ServerKind;
  connections: number;
  connectFailed: number;
  baselineRssBytes: number;
  rssBytes: number;
  bytesPerConnection: number;
  /** JS heap + external still held after a full GC, per connection (null: not measured). */
  retainedBytesPerConnection: number | null;
  settledMs: number;
  /** Server CPU while idle (heartbeats only), over the settling window. */
  idleServerCpuPct: number;
}

/** Samples RSS (summed over `pids`) every second until three samples agree within 1 % (bounded by settleMaxMs). */
export async function settle(pids: number | number[], minMs: number, maxMs: number): Promise<{ rss: number; ms: number }> {
  const t0 = performance.now();
  const samples: number[] = [];
  const all = Array.isArray(pids) ? pids : [pids];
  for (;;) {
    await sleep(Math.min(1000, Math.max(100, minMs / 3)));
    samples.push(all.reduce((sum, pid) => sum + rssBytes(pid), 0));
    const last = samples.slice(-3);
    const elapsed = performance.now() - t0;
    const stable = last.length === 3 && Math.max(...last) - Math.min(...last) <= 0.01 * Math.max(...last);
    if ((stable && elapsed >= minMs) || elapsed >= maxMs) return { rss: samples.at(-1)!, ms: elapsed };
  }
}

export async function memory(ctx: Ctx): Promise<MemoryRow[]> {
  const m = ctx.cfg.memory;
  return withServer(ctx, m.gens, async (server, gens) => {
    await sleep(1000);
    const baseline = rssBytes(server.pid);
    const retainedBaseline = await server.retained();
    const rows: MemoryRow[] = [];
    let connected = 0;
    let connectFailed = 0;
    for (const n of [...m.connections].sort((a, b) => a - b)) {
      const c = await connectAll(ctx, gens, n - connected, "bench:idle", m.concurrency);
      connected += c.ok;
      connectFailed += c.failed;
      const a = cpuSnap([server.pid]);
      const s = await settle(server.pid, m.settleMinMs, m.settleMaxMs);
      const b = cpuSnap([server.pid]);
      const retained = retainedBaseline === null ? null : await server.retained();
      rows.push({
        server: ctx.kind,
        connections: connected,
        connectFailed,
        baselineRssBytes: baseline,
        rssBytes: s.rss,
        bytesPerConnection: (s.rss - baseline) / Math.max(1, connected),
        retainedBytesPerConnection: retained === null || retainedBaseline === null ? null : (retained - retainedBaseline) / Math.max(1, connected),
        settledMs: s.ms,
        idleServerCpuPct: procPercent(a, b, [server.pid]),
      });
      ctx.log(`  memory ${ctx.kind} ${connected}: ${((s.rss - baseline) / Math.max(1, connected) / 1024).toFixed(1)} KB/connection`);
    }
    return rows;
  });
}

export interface JoinRow extends CpuFigures, Repeated {
  server: ServerKind;
  clients: number;
  failed: number;
  joinsPerSec: number;
  seconds: number;
}

export async function join(ctx: Ctx): Promise<JoinRow[]> {
  const j = ctx.cfg.join;
  return withServer(ctx, j.gens, async (server, gens) => {
    await sleep(500); // let the generators finish starting: their startup is not the server's cost
    const pids = gens.map((g) => g.pid);
    const a = cpuSnap([server.pid, ...pids]);
    const c = await connectAll(ctx, gens, j.clients, "bench:join", j.concurrency);
    const b = cpuSnap([server.pid, ...pids]);
    const seconds = c.ms / 1000;
    ctx.log(`  join ${ctx.kind}: ${Math.round(c.ok / seconds)} joins/s`);
    return [{ server: ctx.kind, clients: j.clients, failed: c.failed, joinsPerSec: c.ok / seconds, seconds, ...cpuFigures(a, b, server.pid, pids) }];
  });
}

export interface RttRow extends CpuFigures, Repeated {
  server: ServerKind;
  clients: number;
  repliesPerSec: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export async function rtt(ctx: Ctx): Promise<RttRow[]> {
  const r = ctx.cfg.rtt;
  return withServer(ctx, r.gens, async (server, gens) => {
    const c = await connectAll(ctx, gens, r.clients, "bench:rtt", r.clients);
    const pids = gens.map((g) => g.pid);
    const running = Promise.all(
      gens.map((g) =>
        g.request<{ replies: number; errors: number; hist: SparseHist }>(
          "rtt",
          { warmupMs: r.warmupMs, durationMs: r.durationMs },
          r.warmupMs + r.durationMs + 30_000,
        ),
      ),
    );
    await sleep(r.warmupMs);
    const a = cpuSnap([server.pid, ...pids]);
    await sleep(r.durationMs);
    const b = cpuSnap([server.pid, ...pids]);
    const results = await running;
    const replies = results.reduce((n, x) => n + x.replies, 0);
    const h = merged(results.map((x) => x.hist));
    ctx.log(`  rtt ${ctx.kind}: ${Math.round(replies / (r.durationMs / 1000))} replies/s`);
    return [
      {
        server: ctx.kind,
        clients: c.ok,
        repliesPerSec: replies / (r.durationMs / 1000),
        errors: results.reduce((n, x) => n + x.errors, 0) + c.failed,
        p50Ms: ms(h.quantile(0.5)),
        p99Ms: ms(h.quantile(0.99)),
        ...cpuFigures(a, b, server.pid, pids),
      },
    ];
  });
}
