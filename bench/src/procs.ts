// Child processes of a bench run: pinned to a core, with the open-file limit raised, tracked so
// that every one of them dies with the run, and measured through /proc.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";

const live = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: used on errors and interrupts, never to measure). */
export function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

let pinning: boolean | undefined;
/** Whether `taskset` works here and there are at least two cores to keep apart. */
export function canPin(): boolean {
  if (pinning === undefined) {
    const ok = spawnSync("taskset", ["-c", "1", "true"]).status === 0;
    pinning = ok;
    if (!ok) console.warn("bench: taskset is missing or core 1 does not exist: server and generators are NOT pinned; core limits are guesses");
  }
  return pinning;
}

/**
 * The open-file limit children get: 65536 if the hard limit allows it, else the hard limit (a
 * container may refuse to raise it; 15,000 connections still fit under 20,000).
 */
export function fileLimit(): number {
  const r = spawnSync("sh", ["-c", 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ulimit -n'], { encoding: "utf8" });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : 1024;
}

export interface SpawnOptions {
  name: string;
  /** The core to pin to, if pinning works. */
  cpu: number;
  nodeArgs: string[];
  env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr go (a file descriptor), else they are ignored. */
  logFd?: number;
}

/**
 * `sh -c 'ulimit …; exec taskset -c CPU node …'`: both sh and taskset exec, so the pid we get is
 * the node process itself, which is what /proc sampling needs. Every child gets an IPC channel:
 * generators are driven through it, and servers (through watchdog.js) exit when it closes, so
 * nothing outlives the runner even if the runner is SIGKILLed.
 */
export function spawnPinned(opts: SpawnOptions): ChildProcess {
  const pin = canPin() ? ["taskset", "-c", String(opts.cpu)] : [];
  const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  const out = opts.logFd ?? "ignore";
  const child = spawn("sh", ["-c", script, "sh", ...pin, process.execPath, ...opts.nodeArgs], {
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", out, out, "ipc"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Resolves when the child has exited; SIGKILLs it if it has not after `graceMs`. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls until something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- /proc -------------------------------------------------------------------------------------

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Node runs on

/** CPU seconds [user, system] (all threads) the process has used. */
export function cpuTimes(pid: number): [number, number] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [Number(fields[11]) / TICKS_PER_SECOND, Number(fields[12]) / TICKS_PER_SECOND];
  } catch {
    return [0, 0];
  }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies per core from /proc/stat (busy excludes idle and iowait). */
export function coreTimes(): Map<number, { busy: number; total: number }> {
  const out = new Map<number, { busy: number; total: number }>();
  try {
    for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
      const m = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const v = m[2].trim().split(/\s+/).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is already inside user)
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      out.set(Number(m[1]), { busy: total - v[3] - v[4], total });
    }
  } catch {
    // not Linux: no per-core figures
  }
  return out;
}

/** A point in time for CPU accounting: wall clock, per-process CPU seconds, per-core jiffies. */
export interface CpuSnap {
  at: number;
  procs: Map<number, [number, number]>;
  cores: Map<number, { busy: number; total: number }>;
}

export function cpuSnap(pids: number[]): CpuSnap {
  return { at: performance.now(), procs: new Map(pids.map((p) => [p, cpuTimes(p)])), cores: coreTimes() };
}

/** CPU seconds a set of processes used between two snapshots: [user, system]. */
export function procSplit(a: CpuSnap, b: CpuSnap, pids: number[]): [number, number] {
  let user = 0;
  let sys = 0;
  for (const p of pids) {
    const [u0, s0] = a.procs.get(p) ?? [0, 0];
    const [u1, s1] = b.procs.get(p) ?? [0, 0];
    user += u1 - u0;
    sys += s1 - s0;
  }
  return [user, sys];
}

/** CPU seconds a set of processes used between two snapshots. */
export function procSeconds(a: CpuSnap, b: CpuSnap, pids: number[]): number {
  const [user, sys] = procSplit(a, b, pids);
  return user + sys;
}

/** Percent of one core a set of processes used between two snapshots. */
export function procPercent(a: CpuSnap, b: CpuSnap, pids: number[]): number {
  const wall = (b.at - a.at) / 1000;
  return wall > 0 ? (100 * procSeconds(a, b, pids)) / wall : 0;
}

/** Percent busy of one core between two snapshots (null when /proc/stat has no such core). */
export function corePercent(a: CpuSnap, b: CpuSnap, core: number): number | null {
  const x = a.cores.get(core);
  const y = b.cores.get(core);
  if (!x || !y || y.total === x.total) return null;
  return (100 * (y.busy - x.busy)) / (y.total - x.total);
}
