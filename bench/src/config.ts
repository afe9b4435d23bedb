// What a run measures and for how long. Every loop in the bench is bounded by these counts and
// durations (and by request timeouts), never by "until it stops".
import { ALL_SERVER_KINDS, type ServerKind } from "./control.js";

export type ScenarioName = "fanout" | "memory" | "join" | "rtt" | "launch" | "presence" | "cluster" | "scale";
export const SCENARIOS: ScenarioName[] = ["fanout", "memory", "join", "rtt", "launch", "presence", "cluster", "scale"];
/** Scenarios of several nodes on one Redis: the servers that have a Redis adapter. */
export const CLUSTER_ONLY: ScenarioName[] = ["cluster"];
/** Scenarios that run against one app of their own rather than against every server. */
export const FENIX_ONLY: ScenarioName[] = ["launch", "presence", "scale"];
export type Mode = "full" | "quick" | "smoke";

export interface BenchConfig {
  mode: Mode;
  servers: ServerKind[];
  scenarios: ScenarioName[];
  /** Where the variants (VARIANT_KINDS: Fenix with metrics off) run; the other scenarios skip them. */
  variantScenarios: ScenarioName[];
  /** Client source addresses: several, so no single address runs out of ephemeral ports. */
  addresses: string[];
  /** Client heartbeat period (Phoenix heartbeat, ws ping; Socket.IO's server pings on its own). */
  heartbeatMs: number;
  /** Rounds of every scenario; the tables show medians (see median.ts). */
  repeat: number;
  /** A whole scenario (one server) is abandoned, its processes killed, after this long. */
  scenarioTimeoutMs: number;
  fanout: {
    subscribers: number[];
    gens: number;
    /** Handshakes in progress at once, per generator. */
    concurrency: number;
    warmupMs: number;
    measureMs: number;
    /** Saturation: deliveries allowed to be published but not yet received (bounds server buffers). */
    outstandingDeliveries: number;
    maxInFlight: number;
    /** The fixed, moderate rate for latency, in deliveries per second (messages × subscribers). */
    fixedDeliveriesPerSec: number;
    fixedMs: number;
  };
  memory: { connections: number[]; gens: number; concurrency: number; settleMinMs: number; settleMaxMs: number };
  join: { clients: number; gens: number; concurrency: number };
  rtt: { clients: number; gens: number; warmupMs: number; durationMs: number };
  /** Sneakers23 (apps/sneakers) sold out under the eyes of `shoppers` joined to both products. */
  launch: {
    shoppers: number;
    gens: number;
    /** Handshakes in progress at once, per generator. */
    concurrency: number;
    /** `sell-until-gone`'s defaults: sales asked for per tick, pause after each tick's answer. */
    perTick: number;
    tickMs: number;
    /** Sets every size that has stock to this count before the launch (smoke only: a short sale). */
    stockPerItem?: number;
    /** Selling stops (and the scenario fails) if the store is not sold out by then. */
    sellMaxMs: number;
    /** After the sell-out, how long shoppers get to see every size "out". */
    settleMaxMs: number;
  };
  /** `nodes` servers on one private Redis, `subscribers` spread evenly, published on the first. */
  cluster: {
    nodes: number;
    subscribers: number;
    concurrency: number;
    warmupMs: number;
    measureMs: number;
    fixedMs: number;
  };
  /** `clients` join one Presence topic at once; each count runs once per `coalesceMs` value. */
  presence: {
    clients: number[];
    coalesceMs: number[];
    gens: number;
    /** Handshakes in progress at once, per generator. */
    concurrency: number;
    /** A client that has not listed everyone by then counts as not converged. */
    convergeMaxMs: number;
  };
  /**
   * Idle joined connections with heartbeats on: each run is `connections` over `nodes` Fenix
   * processes (several nodes share one private Redis), then single broadcasts from node 0.
   */
  scale: {
    runs: Array<{ nodes: number; connections: number }>;
    /** Clients per generator process at most (a process may hold 20,000 files here). */
    perGen: number;
    /** Source addresses 127.0.0.1 … 127.0.0.n (each has ~28,000 ephemeral ports). */
    addresses: number;
    /** Handshakes in progress at once, per generator. */
    concurrency: number;
    settleMinMs: number;
    settleMaxMs: number;
    /** The idle-CPU window: at least one heartbeat period, so every client beats in it. */
    idleMs: number;
    broadcasts: number;
    broadcastGapMs: number;
  };
}

const ADDRESSES = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];

export function preset(mode: Mode): BenchConfig {
  const base: BenchConfig = {
    mode,
    servers: [...ALL_SERVER_KINDS],
    scenarios: [...SCENARIOS],
    // The cost of metrics is priced where issue 8 sets its bounds: fan-out and idle memory.
    variantScenarios: ["fanout", "memory"],
    addresses: ADDRESSES,
    heartbeatMs: 30_000,
    repeat: 1,
    scenarioTimeoutMs: 10 * 60_000,
    fanout: {
      subscribers: [1000, 5000, 10_000],
      gens: 4,
      concurrency: 50,
      warmupMs: 1000,
      measureMs: 8000,
      outstandingDeliveries: 60_000,
      maxInFlight: 8,
      fixedDeliveriesPerSec: 20_000,
      fixedMs: 8000,
    },
    memory: { connections: [10_000, 15_000], gens: 4, concurrency: 50, settleMinMs: 5000, settleMaxMs: 20_000 },
    // One generator with many handshakes in flight: more processes on the one generator core
    // only added overhead and left the servers' core idle part of the time.
    join: { clients: 5000, gens: 1, concurrency: 200 },
    rtt: { clients: 100, gens: 2, warmupMs: 1000, durationMs: 10_000 },
    // The launch: 2,000 shoppers, the CLI's pace (200 sales, then 250 ms). Connects stay
    // within Fenix's default connect rate (2,000/s, burst 2,000); a 503 is retried after 1 s.
    launch: { shoppers: 2000, gens: 2, concurrency: 100, perTick: 200, tickMs: 250, sellMaxMs: 180_000, settleMaxMs: 10_000 },
    // Issue 13, item 2: three nodes of 1,000 subscribers each, Fenix beside Socket.IO's Redis adapter.
    cluster: { nodes: 3, subscribers: 3000, concurrency: 50, warmupMs: 1000, measureMs: 8000, fixedMs: 8000 },
    // Issue 13, item 3: 2,000 and 5,000 people joining one topic, without and with coalescing.
    presence: { clients: [2000, 5000], coalesceMs: [0, 100], gens: 2, concurrency: 100, convergeMaxMs: 120_000 },
    // Issue 13, item 1: 19,500 on one process (under its 20,000 open files), 100,000 over six.
    scale: {
      runs: [
        { nodes: 1, connections: 19_500 },
        { nodes: 6, connections: 100_000 },
      ],
      perGen: 17_000,
      addresses: 16,
      concurrency: 50,
      settleMinMs: 5000,
      settleMaxMs: 30_000,
      idleMs: 30_000,
      broadcasts: 5,
      broadcastGapMs: 500,
    },
  };
  if (mode === "quick") {
    // About a minute: the goal-bearing counts only (10,000 subscribers, 10,000 idle connections)
    // plus 1,000 for shape, and short windows.
    base.fanout = { ...base.fanout, subscribers: [1000, 10_000], warmupMs: 300, measureMs: 1500, fixedMs: 1500 };
    base.memory = { ...base.memory, connections: [10_000], settleMinMs: 1500, settleMaxMs: 3000 };
    base.rtt = { ...base.rtt, warmupMs: 300, durationMs: 1500 };
    // The same sale at the same pace (~30 s: the stock decides), watched by a tenth of the shoppers.
    base.launch = { ...base.launch, shoppers: 200 };
    base.presence = { ...base.presence, clients: [2000] };
    base.cluster = { ...base.cluster, warmupMs: 300, measureMs: 1500, fixedMs: 1500 };
    base.scale = { ...base.scale, runs: [{ nodes: 1, connections: 19_500 }], settleMinMs: 1500, settleMaxMs: 5000, idleMs: 10_000, broadcasts: 3 };
  }
  if (mode === "smoke") {
    base.scenarioTimeoutMs = 30_000;
    base.fanout = {
      ...base.fanout,
      subscribers: [20],
      gens: 2,
      warmupMs: 100,
      measureMs: 400,
      fixedMs: 400,
      fixedDeliveriesPerSec: 200,
      outstandingDeliveries: 200,
    };
    base.memory = { ...base.memory, connections: [10, 20], gens: 2, settleMinMs: 200, settleMaxMs: 400 };
    base.join = { ...base.join, clients: 20, concurrency: 10 };
    base.rtt = { ...base.rtt, clients: 4, gens: 1, warmupMs: 100, durationMs: 400 };
    base.launch = { ...base.launch, shoppers: 20, gens: 1, concurrency: 10, tickMs: 20, stockPerItem: 15, sellMaxMs: 20_000, settleMaxMs: 5000 };
    base.presence = { ...base.presence, clients: [30], concurrency: 10, convergeMaxMs: 10_000 };
    base.cluster = { ...base.cluster, subscribers: 30, concurrency: 10, warmupMs: 100, measureMs: 400, fixedMs: 400 };
    base.scale = {
      ...base.scale,
      runs: [
        { nodes: 1, connections: 20 },
        { nodes: 2, connections: 40 },
      ],
      perGen: 15,
      addresses: 2,
      concurrency: 10,
      settleMinMs: 200,
      settleMaxMs: 400,
      idleMs: 300,
      broadcasts: 2,
      broadcastGapMs: 50,
    };
  }
  return base;
}
