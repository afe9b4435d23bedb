// One bench run: every selected scenario against every selected server, in one process tree, then
// the JSON, Markdown and SVG reports. The CLI (run.ts) and the smoke test both call runBench.
import { closeSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join as joinPath } from "node:path";
import { type ClusterRow, cluster } from "./cluster.js";
import { type BenchConfig, CLUSTER_ONLY, FENIX_ONLY, type ScenarioName } from "./config.js";
import { GEN_CPU, SERVER_CPU, type ServerKind, VARIANT_KINDS } from "./control.js";
import { type LaunchRow, launch } from "./launch.js";
import { type PresenceRow, presence } from "./presence.js";
import { type ScaleRow, scale } from "./scale.js";
import { aggregate } from "./median.js";
import { canPin, fileLimit, killAll } from "./procs.js";
import { type Ctx, type FanoutRow, type JoinRow, type MemoryRow, type RttRow, fanout, join, memory, rtt } from "./scenarios.js";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  pinned: boolean;
  serverCpu: number;
  generatorCpu: number;
  openFileLimit: number;
}

export interface BenchResult {
  mode: BenchConfig["mode"];
  startedAt: string;
  seconds: number;
  machine: Machine;
  config: BenchConfig;
  fanout: FanoutRow[];
  memory: MemoryRow[];
  join: JoinRow[];
  rtt: RttRow[];
  /** Fenix only (apps/sneakers): the store sold out in front of its shoppers. */
  launch: LaunchRow[];
  presence: PresenceRow[];
  cluster: ClusterRow[];
  /** Fenix only: idle joined connections on one process and across several on one Redis. */
  scale: ScaleRow[];
  errors: Array<{ scenario: ScenarioName; server: ServerKind; error: string; round: number }>;
  /** With `repeat` > 1: every round's rows (the tables show their medians). */
  rounds?: {
    fanout: FanoutRow[];
    memory: MemoryRow[];
    join: JoinRow[];
    rtt: RttRow[];
    launch: LaunchRow[];
    presence: PresenceRow[];
    cluster: ClusterRow[];
    scale: ScaleRow[];
  };
  /** Per server: the .cpuprofile files written, if profiling was on. */
  profiles: string[];
}

export interface RunOptions {
  /** Where server and generator output goes (a file; the run prints its path). */
  logFile: string;
  /** Servers to run under `--cpu-prof` / `--heap-prof`, writing into profileDir. */
  cpuProfile?: ServerKind[];
  heapProfile?: ServerKind[];
  profileDir?: string;
  log?: (line: string) => void;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    pinned: canPin(),
    serverCpu: SERVER_CPU,
    generatorCpu: GEN_CPU,
    openFileLimit: fileLimit(),
  };
}

const RUNNERS = { fanout, memory, join, rtt, launch, presence, cluster, scale } as const;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Killing the children makes every pending request fail, so `p` settles too.
      killAll();
      reject(new Error(`${what} exceeded ${ms} ms: its processes were killed`));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function runBench(cfg: BenchConfig, opts: RunOptions): Promise<BenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const result: BenchResult = {
    mode: cfg.mode,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    machine: machine(),
    config: cfg,
    fanout: [],
    memory: [],
    join: [],
    rtt: [],
    launch: [],
    presence: [],
    cluster: [],
    scale: [],
    errors: [],
    profiles: [],
  };
  const needed = Math.max(...cfg.memory.connections, ...cfg.fanout.subscribers) + 100;
  if (result.machine.openFileLimit < needed) log(`bench: open-file limit ${result.machine.openFileLimit} < ${needed}: the largest counts may fail`);
  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  if (cfg.scenarios.some((s) => FENIX_ONLY.includes(s)) && !cfg.servers.includes("fenix")) log("bench: launch, presence and scale run on Fenix only: skipped");
  const logFd = openSync(opts.logFile, "a");
  const raw = {
    fanout: [] as FanoutRow[],
    memory: [] as MemoryRow[],
    join: [] as JoinRow[],
    rtt: [] as RttRow[],
    launch: [] as LaunchRow[],
    presence: [] as PresenceRow[],
    cluster: [] as ClusterRow[],
    scale: [] as ScaleRow[],
  };
  try {
    // Scenario by scenario, the three servers back to back: they meet the same machine state.
    // Repeated rounds interleave too, so slow drift of the machine hits every server alike.
    for (let round = 1; round <= cfg.repeat; round++) {
      for (const scenario of cfg.scenarios) {
        // An app of its own on Fenix (launch) runs once, when Fenix is among the servers.
        const kinds = FENIX_ONLY.includes(scenario)
          ? cfg.servers.filter((k) => k === "fenix")
          : CLUSTER_ONLY.includes(scenario)
            ? cfg.servers.filter((k) => k === "fenix" || k === "socketio")
            : cfg.servers.filter((k) => !VARIANT_KINDS.includes(k) || cfg.variantScenarios.includes(scenario));
        for (const kind of kinds) {
          log(`${scenario} · ${kind}${cfg.repeat > 1 ? ` · round ${round}/${cfg.repeat}` : ""}`);
          const ctx: Ctx = {
            kind,
            cfg,
            logFd,
            log,
            server: {
              cpuProfDir: opts.cpuProfile?.includes(kind) ? opts.profileDir : undefined,
              heapProfDir: opts.heapProfile?.includes(kind) ? opts.profileDir : undefined,
            },
          };
          try {
            const runner = RUNNERS[scenario] as (ctx: Ctx) => Promise<unknown[]>;
            const rows = await withTimeout(runner(ctx), cfg.scenarioTimeoutMs, `${scenario} on ${kind}`);
            (raw[scenario] as unknown[]).push(...rows);
          } catch (err) {
            const error = (err as Error).message;
            result.errors.push({ scenario, server: kind, error, round });
            log(`  ${scenario} on ${kind} FAILED: ${error} (see ${opts.logFile})`);
          }
        }
      }
    }
  } finally {
    killAll();
    closeSync(logFd);
  }
  result.fanout = aggregate(raw.fanout, (r) => `${r.server}:${r.subscribers}`, "deliveriesPerSec", ["deliveriesPerSec", "serverCpuUsPerDelivery", "p99Ms"]);
  result.memory = aggregate(raw.memory, (r) => `${r.server}:${r.connections}`, "bytesPerConnection", ["bytesPerConnection", "retainedBytesPerConnection"]);
  result.join = aggregate(raw.join, (r) => r.server, "joinsPerSec", ["joinsPerSec"]);
  result.rtt = aggregate(raw.rtt, (r) => r.server, "repliesPerSec", ["repliesPerSec"]);
  result.launch = aggregate(raw.launch, (r) => r.server, "salesPerSec", [
    "salesPerSec",
    "sales",
    "p50Ms",
    "p99Ms",
    "maxMs",
    "stockChangeFrames",
    "shoppersNotAllOut",
  ]);
  result.presence = aggregate(raw.presence, (r) => `${r.clients}:${r.coalesceMs}`, "framesPerClient", [
    "convergeMs",
    "framesPerClient",
    "bytesPerClient",
    "serverCpuSeconds",
  ]);
  result.cluster = aggregate(raw.cluster, (r) => r.server, "deliveriesPerSec", ["deliveriesPerSec", "serverCpuUsPerDelivery", "p99Ms"]);
  result.scale = aggregate(raw.scale, (r) => String(r.nodes), "bytesPerConnection", [
    "connectMs",
    "bytesPerConnection",
    "retainedBytesPerConnection",
    "idleCpuPctPer20k",
    "lastDeliveryMs",
  ]);
  if (cfg.repeat > 1) result.rounds = raw;
  if (opts.profileDir && (opts.cpuProfile?.length || opts.heapProfile?.length)) {
    result.profiles = readdirSync(opts.profileDir).map((f) => joinPath(opts.profileDir!, f));
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
