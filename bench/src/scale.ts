// The scale scenario (issue 13, item 1): many idle joined connections with heartbeats on, first
// on one Fenix process (as many as its 20,000 open files allow), then across several processes on
// one private Redis (one process per core is how a many-core machine runs Node anyway). Reported:
// connect+join time, RSS and retained heap per connection after settling, idle server CPU over a
// whole heartbeat period, and how long the last client waits for one broadcast published on the
// first node (the slowest delivery, from the payload's send timestamp).
import type { ChildProcess } from "node:child_process";
import { startRedis } from "./cluster.js";
import type { BenchConfig } from "./config.js";
import { GEN_CPU, type Gen, SERVER_CPU, type Server, shares, spawnGens, startServer } from "./control.js";
import { Histogram, type SparseHist } from "./hist.js";
import { median } from "./median.js";
import { corePercent, cpuSnap, procPercent, rssBytes, sleep } from "./procs.js";
import { type Ctx, connectAll, drain, settle } from "./scenarios.js";

export interface ScaleRow {
  server: "fenix";
  nodes: number;
  generators: number;
  /** Source addresses the clients were spread over. */
  addresses: number;
  connections: number;
  connectFailed: number;
  /** Wall time until the last client had its join reply. */
  connectMs: number;
  joinsPerSec: number;
  /** Every server's RSS before the first connection and after settling, summed. */
  baselineRssBytes: number;
  rssBytes: number;
  bytesPerConnection: number;
  /** Heap + external after a full GC, per connection (null: a server could not say). */
  retainedBytesPerConnection: number | null;
  /** Server CPU (all nodes, % of one core) over `idleMs` of heartbeats only. */
  idleServerCpuPct: number;
  /** The same, per 20,000 connections: the yardstick. */
  idleCpuPctPer20k: number;
  idleMs: number;
  heartbeatMs: number;
  /** Single broadcasts published on node 0, one at a time. */
  broadcasts: number;
  /** Median over the broadcasts of the slowest client's wait, and the worst of them. */
  lastDeliveryMs: number | null;
  lastDeliveryWorstMs: number | null;
  /** Median over the broadcasts of the median client's wait. */
  medianDeliveryMs: number | null;
  /** Deliveries that never arrived (within 20 s) over all broadcasts. */
  lost: number;
  /** Busy % of the server core and the generator core while a broadcast spread (median over the broadcasts). */
  broadcastCore0Pct: number | null;
  broadcastCore1Pct: number | null;
}

export type ScaleRun = BenchConfig["scale"]["runs"][number];

/** 127.0.0.1 … 127.0.0.n: Linux routes all of 127/8 to loopback, each with its own ephemeral ports. */
export function loopbackAddresses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}`);
}

async function measureRun(ctx: Ctx, run: ScaleRun): Promise<ScaleRow> {
  const s = ctx.cfg.scale;
  const topic = "bench:scale";
  const addresses = loopbackAddresses(s.addresses);
  const redis = run.nodes > 1 ? await startRedis() : undefined;
  const servers: Server[] = [];
  const gens: Gen[] = [];
  const exits: Array<{ child: ChildProcess; onExit: () => void }> = [];
  let publisher: Gen | undefined;
  try {
    for (let i = 0; i < run.nodes; i++) {
      const env: Record<string, string> = redis ? { REDIS_URL: redis.url, NODE_NAME: `scale-${i}` } : {};
      servers.push(await startServer("fenix", { ...ctx.server, logFd: ctx.logFd, env }));
    }
    // A server that dies fails the run at once (the next request to its generators fails).
    for (const server of servers) {
      const onExit = () => ctx.log(`  scale: a server exited (code ${server.child.exitCode ?? server.child.signalCode})`);
      server.child.once("exit", onExit);
      exits.push({ child: server.child, onExit });
    }
    // Each node gets generators of at most `perGen` clients: a generator holds one file per client
    // and may hold at most 20,000 files too.
    const perNode = Math.ceil(run.connections / run.nodes);
    const gensPerNode = Math.max(1, Math.ceil(perNode / s.perGen));
    for (const server of servers) gens.push(...spawnGens("fenix", server.port, gensPerNode, addresses, ctx.logFd));
    const [pub] = spawnGens("fenix", servers[0].port, 1, addresses, ctx.logFd);
    publisher = pub;
    await pub.request("publisher", { topic, maxInFlight: 1 });
    const pids = servers.map((x) => x.pid);
    await sleep(1000);
    const baseline = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
    const heap0 = await servers[0].heap();
    const retained0 = await Promise.all(servers.map((x) => x.retained()));

    // Every node's generators get the same share, so the nodes hold the same count.
    const parts = shares(run.connections, run.nodes);
    const t0 = performance.now();
    const joined = await Promise.all(
      servers.map((_, i) => connectAll(ctx, gens.slice(i * gensPerNode, (i + 1) * gensPerNode), parts[i], topic, s.concurrency)),
    );
    const connectMs = performance.now() - t0;
    const connections = joined.reduce((n, c) => n + c.ok, 0);
    const connectFailed = joined.reduce((n, c) => n + c.failed, 0);
    ctx.log(`  scale ${run.nodes} × ${Math.round(connections / run.nodes)}: joined in ${(connectMs / 1000).toFixed(1)} s (${connectFailed} failed)`);

    const settled = await settle(pids, s.settleMinMs, s.settleMaxMs);
    // Idle: heartbeats only, over at least one whole heartbeat period (the clients' phases are random).
    const a = cpuSnap(pids);
    await sleep(s.idleMs);
    const b = cpuSnap(pids);
    const idleServerCpuPct = procPercent(a, b, pids);
    // The full collections come after the idle window: their background sweeping is the
    // bench's doing, not the heartbeats'.
    const heap1 = await servers[0].heap();
    const retained1 = await Promise.all(servers.map((x) => x.retained()));
    if (heap0 && heap1) {
      // Where node 0's RSS went, per connection (MB → KB per connection of that node).
      const per = (a: number, b: number) => ((b - a) / 1024 / Math.max(1, joined[0].ok)).toFixed(2);
      const spaces = Object.keys(heap1.spaces)
        .map((k) => `${k} ${per(heap0.spaces[k] ?? 0, heap1.spaces[k])}`)
        .join(", ");
      ctx.log(
        `  scale node 0, KB per connection after GC: rss ${per(heap0.rss, heap1.rss)}, heap used ${per(heap0.heapUsed, heap1.heapUsed)}, external ${per(heap0.external, heap1.external)}; spaces: ${spaces}`,
      );
    }
    const retained =
      retained0.every((x) => x !== null) && retained1.every((x) => x !== null)
        ? retained1.reduce((a, b) => a! + b!, 0)! - retained0.reduce((a, b) => a! + b!, 0)!
        : null;

    // One broadcast at a time, each published on node 0 once the previous one has reached everyone.
    const lasts: number[] = [];
    const middles: number[] = [];
    const busy0: number[] = [];
    const busy1: number[] = [];
    let lost = 0;
    let expected = await drain(gens, 0, 0);
    for (let i = 0; i < s.broadcasts; i++) {
      await Promise.all(gens.map((g) => g.request("record", { on: true })));
      const c0 = cpuSnap([]);
      const sent = await pub.request<{ published: number; errors: number; firstError?: string }>("fixed", { durationMs: 1, rate: 1000 }, 30_000);
      if (sent.errors > 0) throw new Error(`scale: the broadcast was refused: ${sent.firstError}`);
      expected += connections;
      const got = await drain(gens, expected, 20_000);
      const c1 = cpuSnap([]);
      const [b0, b1] = [corePercent(c0, c1, SERVER_CPU), corePercent(c0, c1, GEN_CPU)];
      if (b0 !== null) busy0.push(b0);
      if (b1 !== null) busy1.push(b1);
      lost += expected - got;
      expected = got;
      const hists = await Promise.all(gens.map((g) => g.request<{ hist: SparseHist }>("hist")));
      const h = new Histogram();
      for (const x of hists) h.add(x.hist);
      const last = h.quantile(1);
      const mid = h.quantile(0.5);
      if (last !== null) lasts.push(last / 1000);
      if (mid !== null) middles.push(mid / 1000);
      await sleep(s.broadcastGapMs);
    }
    await Promise.all(gens.map((g) => g.request("record", { on: false })));
    const row: ScaleRow = {
      server: "fenix",
      nodes: run.nodes,
      generators: gens.length,
      addresses: addresses.length,
      connections,
      connectFailed,
      connectMs,
      joinsPerSec: connections / (connectMs / 1000),
      baselineRssBytes: baseline,
      rssBytes: settled.rss,
      bytesPerConnection: (settled.rss - baseline) / Math.max(1, connections),
      retainedBytesPerConnection: retained === null ? null : retained / Math.max(1, connections),
      idleServerCpuPct,
      idleCpuPctPer20k: (idleServerCpuPct * 20_000) / Math.max(1, connections),
      idleMs: s.idleMs,
      heartbeatMs: ctx.cfg.heartbeatMs,
      broadcasts: s.broadcasts,
      lastDeliveryMs: lasts.length ? median(lasts) : null,
      lastDeliveryWorstMs: lasts.length ? Math.max(...lasts) : null,
      medianDeliveryMs: middles.length ? median(middles) : null,
      lost,
      broadcastCore0Pct: busy0.length ? median(busy0) : null,
      broadcastCore1Pct: busy1.length ? median(busy1) : null,
    };
    ctx.log(
      `  scale ${run.nodes} × ${Math.round(connections / run.nodes)}: ${(row.bytesPerConnection / 1024).toFixed(2)} KB/connection, idle ${row.idleCpuPctPer20k.toFixed(1)} % per 20k, last delivery ${row.lastDeliveryMs?.toFixed(0)} ms`,
    );
    return row;
  } finally {
    for (const { child, onExit } of exits) child.off("exit", onExit);
    // Servers first, so TIME_WAIT lands on their ports rather than on the clients' source ports.
    await Promise.all(servers.map((x) => x.stop()));
    await Promise.all([...gens, ...(publisher ? [publisher] : [])].map((g) => g.exit()));
    redis?.child.kill("SIGKILL");
  }
}

export async function scale(ctx: Ctx): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const run of ctx.cfg.scale.runs) rows.push(await measureRun(ctx, run));
  return rows;
}
