// The runner's handles on its children: a server under test (pinned to the server core) and the
// generator processes (pinned to the generator core), driven over IPC.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Protocol } from "./gen/clients.js";
import type { GenConfig } from "./gen/main.js";
import { spawnPinned, stop, waitForPort } from "./procs.js";

export type ServerKind = "fenix" | "fenix-nometrics" | "socketio" | "ws";
/** The servers compared side by side: every chart and the goals against Socket.IO and raw ws. */
export const SERVER_KINDS: ServerKind[] = ["fenix", "socketio", "ws"];
/**
 * Fenix variants priced against "fenix" in the same run: apps/hello with metrics off. A default
 * run starts them for the cost scenarios only (config `variantScenarios`).
 */
export const VARIANT_KINDS: ServerKind[] = ["fenix-nometrics"];
export const ALL_SERVER_KINDS: ServerKind[] = [...SERVER_KINDS, ...VARIANT_KINDS];
export const SERVER_LABELS: Record<ServerKind, string> = {
  fenix: "Fenix",
  "fenix-nometrics": "Fenix, metrics off",
  socketio: "Socket.IO 4.8",
  ws: "raw ws",
};

/** The wire protocol a server speaks (what its generators' clients speak). */
export function protocolOf(kind: ServerKind): Protocol {
  return kind === "fenix-nometrics" ? "fenix" : kind;
}

/**
 * How often the runner scrapes a metrics-on Fenix's `GET /metrics` during a scenario, as Prometheus
 * would (env BENCH_SCRAPE_MS; 0 turns scraping off, to tell the scrape's cost from the rest).
 */
export const SCRAPE_MS = process.env.BENCH_SCRAPE_MS ? Number(process.env.BENCH_SCRAPE_MS) : 2_000;

export const SERVER_CPU = 0;
export const GEN_CPU = 1;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = `${ROOT}bench/dist/`;
export const API_KEY = "bench-api-key";
export const SECRET_KEY_BASE = "bench-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz0123456789";

// Server ports lie below the ephemeral range (32768+), and every server gets a new one, so a
// new server never meets its predecessor's TIME_WAIT sockets or a client's ephemeral port.
let nextPort = 21000 + (process.pid % 800) * 10;

export interface Server {
  kind: ServerKind;
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
  /** JS heap + external bytes the server holds after a full GC (bench/src/watchdog.ts), or null. */
  retained(): Promise<number | null>;
  /** The watchdog's whole answer: live heap, RSS after the GC, each V8 space's physical size. */
  heap(): Promise<HeapReport | null>;
}

export interface HeapReport {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  spaces: Record<string, number>;
}

export interface ServerOptions {
  logFd?: number;
  /** Directory for `--cpu-prof` output, if the server is to be profiled. */
  cpuProfDir?: string;
  heapProfDir?: string;
  /** Extra environment for the server (e.g. apps/hello's PIPELINE_MAX_DEMAND). */
  env?: Record<string, string>;
}

/** Starts a server; a port someone else holds gets two more tries on the next ports. */
export async function startServer(kind: ServerKind, opts: ServerOptions = {}): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(nextPort++, kind, opts);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOn(port: number, kind: ServerKind, opts: ServerOptions): Promise<Server> {
  const script = kind === "fenix" ? `${ROOT}apps/hello/dist/main.js` : `${DIST}servers/${kind.replace("-", "_")}.js`;
  const env: NodeJS.ProcessEnv = {
    PORT: String(port),
    LOG_LEVEL: "warn",
    // apps/hello: benches must not meet the public-node protections.
    SECRET_KEY_BASE,
    API_KEY,
    REALTIME_JWT_SECRET: "bench-realtime-jwt-secret-0123456789abcdef",
    MESSAGES_PER_SECOND: "1000000",
    CONNECTS_PER_SECOND: "0",
    DRAIN_MS: "200",
    NODE_ENV: "production",
    ...opts.env,
  };
  return spawnServer(port, kind, kind, script, env, opts);
}

/** A bench-only Fenix server (`bench/src/servers/<name>.ts`), pinned like every server under test. */
export async function startBenchServer(name: string, env: Record<string, string>, opts: ServerOptions = {}): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = nextPort++;
    try {
      return await spawnServer(port, "fenix", name, `${DIST}servers/${name}.js`, { PORT: String(port), NODE_ENV: "production", ...env }, opts);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** The path of apps/sneakers' server (`npm run build -w apps/sneakers`). */
export const SNEAKERS_MAIN = `${ROOT}apps/sneakers/dist/main.js`;

/**
 * apps/sneakers (the book's store, on Fenix with its defaults: connect rate included) on its
 * embedded SQLite in `sqlitePath`, pinned to the server core like every server under test.
 */
export async function startSneakers(sqlitePath: string, opts: ServerOptions = {}): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = nextPort++;
    const env: NodeJS.ProcessEnv = {
      PORT: String(port),
      DATABASE_URL: `sqlite:${sqlitePath}`,
      LOG_LEVEL: "warn",
      SECRET_KEY_BASE,
      API_KEY,
      NODE_ENV: "production",
    };
    try {
      return await spawnServer(port, "fenix", "sneakers", SNEAKERS_MAIN, env, opts);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function spawnServer(port: number, kind: ServerKind, name: string, script: string, env: NodeJS.ProcessEnv, opts: ServerOptions): Promise<Server> {
  const prof: string[] = [];
  if (opts.cpuProfDir) prof.push("--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`, `--cpu-prof-name=${name}-${port}.cpuprofile`);
  if (opts.heapProfDir) prof.push("--heap-prof", `--heap-prof-dir=${opts.heapProfDir}`, `--heap-prof-name=${name}-${port}.heapprofile`);
  const child = spawnPinned({ name, cpu: SERVER_CPU, nodeArgs: [...prof, "--expose-gc", "--import", `${DIST}watchdog.js`, script], env, logFd: opts.logFd });
  try {
    await waitForPort(port, child);
  } catch (err) {
    await stop(child, "SIGKILL");
    throw err;
  }
  return {
    kind,
    port,
    pid: child.pid!,
    child,
    stop: () => stop(child, "SIGTERM", 10_000),
    retained: async () => {
      const h = await heapReport(child);
      return h === null ? null : h.heapUsed + h.external;
    },
    heap: () => heapReport(child),
  };
}

let nextHeapRequest = 1;

/** Asks a server's watchdog for its heap after a full GC; null if it cannot say within 10 s. */
function heapReport(child: ChildProcess): Promise<HeapReport | null> {
  if (!child.connected) return Promise.resolve(null);
  const id = nextHeapRequest++;
  return new Promise((resolve) => {
    const done = (value: HeapReport | null) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(value);
    };
    const onMessage = (m: { benchHeap?: number; collected?: boolean } & HeapReport) => {
      if (m?.benchHeap === id) done(m.collected ? m : null);
    };
    const timer = setTimeout(() => done(null), 10_000);
    child.on("message", onMessage);
    child.send({ benchHeap: id });
  });
}

interface Waiter {
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** A generator process. */
export class Gen {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  /** The delivered count it last reported (see `progress`). */
  delivered = 0;
  onProgress: (() => void) | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on("message", (msg: { id?: number; ok?: boolean; result?: unknown; error?: string; progress?: number }) => {
      if (msg.progress !== undefined) {
        this.delivered = msg.progress;
        this.onProgress?.();
        return;
      }
      const w = this.waiting.get(msg.id!);
      if (!w) return;
      this.waiting.delete(msg.id!);
      clearTimeout(w.timer);
      if (msg.ok) w.resolve(msg.result);
      else w.reject(new Error(`${name}: ${msg.error}`));
    });
    child.once("exit", (code, signal) => {
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error(`${name} exited (${code ?? signal}) during a request`));
      }
      this.waiting.clear();
    });
  }

  static spawn(kind: ServerKind, port: number, name: string, addresses: string[], logFd?: number): Gen {
    const config: GenConfig = { protocol: protocolOf(kind), port, addresses, apiKey: API_KEY, timeoutMs: 20_000 };
    const child = spawnPinned({ name, cpu: GEN_CPU, nodeArgs: [`${DIST}gen/main.js`], env: { BENCH_GEN: JSON.stringify(config) }, logFd });
    return new Gen(child, name);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a command and waits (at most `timeoutMs`) for its answer. */
  request<T = any>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error(`${this.name} is not running`));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: ${cmd} took over ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.child.send({ id, cmd, args });
    });
  }

  /** A command with no answer. */
  tell(cmd: string, args: unknown): void {
    if (this.child.connected) this.child.send({ id: 0, cmd, args });
  }

  async exit(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    await stop(this.child, "SIGTERM", 5000);
  }
}

/** `n` generators against one server; they share the source addresses round-robin. */
export function spawnGens(kind: ServerKind, port: number, n: number, addresses: string[], logFd?: number): Gen[] {
  return Array.from({ length: n }, (_, i) => Gen.spawn(kind, port, `gen${i}`, addresses, logFd));
}

/** Splits `total` into `parts` near-equal shares. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
