// The presence scenario: N clients join one Presence topic as fast as they can connect, each
// keeping the list as phoenix.js does, once with every join sent as its own presence_diff (0 ms,
// Phoenix's behaviour) and once with the node's diffs coalesced over a window. Reported: the time
// until the last client lists all N, presence frames and bytes per client, and CPU. Fenix only:
// it prices one Fenix option against another, not servers against each other.
import { type Gen, type Server, type ServerKind, shares, startBenchServer } from "./control.js";
import { cpuSnap, procSeconds } from "./procs.js";
import { type CpuFigures, type Ctx, type Repeated, cpuFigures, withServer } from "./scenarios.js";

export interface PresenceRow extends CpuFigures, Repeated {
  server: ServerKind;
  clients: number;
  coalesceMs: number;
  joined: number;
  joinFailed: number;
  /** Clients that listed every key before the scenario's bound. */
  converged: number;
  /** From the first connect to the moment the last client listed all N (null: some never did). */
  convergeMs: number | null;
  framesPerClient: number;
  bytesPerClient: number;
  /** Server CPU seconds from the first connect to convergence. */
  serverCpuSeconds: number;
}

const clock = () => performance.timeOrigin + performance.now();

export async function presence(ctx: Ctx): Promise<PresenceRow[]> {
  const p = ctx.cfg.presence;
  const rows: PresenceRow[] = [];
  for (const clients of p.clients) {
    for (const coalesceMs of p.coalesceMs) {
      const row = await withServer(
        ctx,
        p.gens,
        (server, gens) => crowd(ctx, server, gens, clients, coalesceMs),
        (opts) => startBenchServer("fenix_presence", { PRESENCE_COALESCE_MS: String(coalesceMs) }, opts),
      );
      ctx.log(
        `  presence ${clients} clients, coalesce ${coalesceMs} ms: ${row.convergeMs === null ? `${row.converged} of ${clients} converged` : `all listed all in ${(row.convergeMs / 1000).toFixed(2)} s`}, ${row.framesPerClient.toFixed(0)} frames/client`,
      );
      rows.push(row);
    }
  }
  return rows;
}

async function crowd(ctx: Ctx, server: Server, gens: Gen[], clients: number, coalesceMs: number): Promise<PresenceRow> {
  const p = ctx.cfg.presence;
  const parts = shares(clients, gens.length);
  const topic = "presence:lobby";
  const pids = gens.map((g) => g.pid);
  const a = cpuSnap([server.pid, ...pids]);
  const t0 = clock();
  let first = 0;
  const joins = await Promise.all(
    gens.map((g, i) => {
      const args = { topic, first, count: parts[i], total: clients, concurrency: p.concurrency };
      first += parts[i];
      return g.request<{ ok: number; failed: number; firstError?: string }>("presenceJoin", args, p.convergeMaxMs + 30_000);
    }),
  );
  const waits = await Promise.all(
    gens.map((g) =>
      g.request<{ clients: number; converged: number; lastAt: number; frames: number; bytes: number }>(
        "presenceWait",
        { timeoutMs: p.convergeMaxMs },
        p.convergeMaxMs + 30_000,
      ),
    ),
  );
  const b = cpuSnap([server.pid, ...pids]);
  const converged = waits.reduce((n, w) => n + w.converged, 0);
  const frames = waits.reduce((n, w) => n + w.frames, 0);
  const bytes = waits.reduce((n, w) => n + w.bytes, 0);
  await Promise.all(gens.map((g) => g.request("close")));
  return {
    server: ctx.kind,
    clients,
    coalesceMs,
    joined: joins.reduce((n, j) => n + j.ok, 0),
    joinFailed: joins.reduce((n, j) => n + j.failed, 0),
    converged,
    convergeMs: converged === clients ? Math.max(...waits.map((w) => w.lastAt)) - t0 : null,
    framesPerClient: frames / clients,
    bytesPerClient: bytes / clients,
    serverCpuSeconds: procSeconds(a, b, [server.pid]),
    ...cpuFigures(a, b, server.pid, pids),
  };
}
