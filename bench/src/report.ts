// Turns a BenchResult into the Markdown tables (with the issue's goals checked) and an SVG chart.
import type { BenchResult } from "./bench.js";
import { SCRAPE_MS, SERVER_KINDS, SERVER_LABELS, type ServerKind } from "./control.js";
import type { CpuFigures, Repeated } from "./scenarios.js";

export interface Goal {
  goal: string;
  fenix: number | null;
  reference: number | null;
  ratio: number | null;
  target: string;
  pass: boolean | null;
  /** Which core limited each side: a ratio against a generator-bound figure is only a bound. */
  limits: string;
}

const KB = 1024;

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A figure, with its min–max over the rounds when there were several. */
function fig(row: Repeated & object, field: string, digits = 0, scale = 1): string {
  const v = (row as Record<string, unknown>)[field] as number | null;
  const s = row.spread?.[field];
  const main = fmt(v === null ? null : v / scale, digits);
  return s ? `${main} (${fmt(s[0] / scale, digits)}–${fmt(s[1] / scale, digits)})` : main;
}

const pct = (n: number | null) => (n === null ? "–" : `${Math.round(n)} %`);
const cores = (c: CpuFigures) => `${pct(c.core0Pct)} / ${pct(c.core1Pct)}`;
const label = (k: ServerKind) => SERVER_LABELS[k];

export function goals(r: BenchResult): Goal[] {
  const top = Math.max(0, ...r.fanout.filter((x) => x.server === "fenix").map((x) => x.subscribers));
  const fan = (k: ServerKind) => r.fanout.find((x) => x.server === k && x.subscribers === top) ?? r.fanout.find((x) => x.server === k && x.subscribers >= top);
  const lim = (a?: { limit: string }, b?: { limit: string }, bk = "ref") => `Fenix ${a?.limit ?? "–"}-bound, ${bk} ${b?.limit ?? "–"}-bound`;
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : a / b);
  const out: Goal[] = [];
  const add = (goal: string, f: number | null | undefined, ref: number | null | undefined, target: string, test: (x: number) => boolean, limits: string) => {
    const x = ratio(f, ref);
    out.push({ goal, fenix: f ?? null, reference: ref ?? null, ratio: x, target, pass: x === null ? null : test(x), limits });
  };
  const [F, S, W] = [fan("fenix"), fan("socketio"), fan("ws")];
  add(`fanout ${fmt(top)}: deliveries/s vs Socket.IO`, F?.deliveriesPerSec, S?.deliveriesPerSec, "≥ 2", (x) => x >= 2, lim(F, S, "Socket.IO"));
  add(`fanout ${fmt(top)}: deliveries/s vs raw ws`, F?.deliveriesPerSec, W?.deliveriesPerSec, "≥ 0.9", (x) => x >= 0.9, lim(F, W, "ws"));
  add(
    `fanout ${fmt(top)}: server CPU µs per delivery vs raw ws`,
    F?.serverCpuUsPerDelivery,
    W?.serverCpuUsPerDelivery,
    "≤ 1.2",
    (x) => x <= 1.2,
    lim(F, W, "ws"),
  );
  add(`fanout ${fmt(top)}: fixed-rate p99 ms vs raw ws`, F?.p99Ms, W?.p99Ms, "≤ 1.2", (x) => x <= 1.2, lim(F?.fixed, W?.fixed, "ws"));
  const mem = r.memory.filter((x) => x.server === "fenix");
  const worst = mem.length ? Math.max(...mem.map((x) => x.bytesPerConnection)) / KB : null;
  out.push({
    goal: "memory: KB (1,024 B) of server RSS per idle joined connection, worst count",
    fenix: worst,
    reference: 8,
    ratio: worst === null ? null : worst / 8,
    target: "≤ 8 KB",
    pass: worst === null ? null : worst <= 8,
    limits: "–",
  });
  const j = (k: ServerKind) => r.join.find((x) => x.server === k);
  add(
    "join: connects + joins/s vs Socket.IO",
    j("fenix")?.joinsPerSec,
    j("socketio")?.joinsPerSec,
    "≥ 1.5",
    (x) => x >= 1.5,
    lim(j("fenix"), j("socketio"), "Socket.IO"),
  );
  const t = (k: ServerKind) => r.rtt.find((x) => x.server === k);
  add(
    "rtt: replies/s vs Socket.IO",
    t("fenix")?.repliesPerSec,
    t("socketio")?.repliesPerSec,
    "≥ 1.2",
    (x) => x >= 1.2,
    lim(t("fenix"), t("socketio"), "Socket.IO"),
  );
  // Issue 13, item 0: as lean as a bare ws server, in the same run.
  add(`lean: fanout ${fmt(top)} deliveries/s vs raw ws`, F?.deliveriesPerSec, W?.deliveriesPerSec, "≥ 2", (x) => x >= 2, lim(F, W, "ws"));
  add("lean: rtt replies/s vs raw ws", t("fenix")?.repliesPerSec, t("ws")?.repliesPerSec, "≥ 0.9", (x) => x >= 0.9, lim(t("fenix"), t("ws"), "ws"));
  add("lean: connects + joins/s vs raw ws", j("fenix")?.joinsPerSec, j("ws")?.joinsPerSec, "≥ 0.9", (x) => x >= 0.9, lim(j("fenix"), j("ws"), "ws"));
  const worstOf = (k: ServerKind) => {
    const rows = r.memory.filter((x) => x.server === k);
    return rows.length ? Math.max(...rows.map((x) => x.bytesPerConnection)) / KB : null;
  };
  add("lean: KB RSS per idle joined connection vs raw ws, worst count", worstOf("fenix"), worstOf("ws"), "≤ 1.0", (x) => x <= 1, "–");
  // Issue 8, item 8: what metrics on (Prometheus, its telemetry subscribers, a scrape every
  // SCRAPE_MS) costs against the same app with metrics off, in the same run.
  const off = fan("fenix-nometrics");
  add(
    `metrics cost: fanout ${top ? fmt(top) : "–"} deliveries/s, on vs off`,
    F?.deliveriesPerSec,
    off?.deliveriesPerSec,
    "≥ 0.97",
    (x) => x >= 0.97,
    lim(F, off, "off"),
  );
  // The bound is on what a connection keeps: the heap after a full GC. RSS (in the table too)
  // also carries when V8 last collected, which moves by more than the bound between rounds.
  const extra = memoryCost(r).filter((x) => x.retainedExtraKB !== null);
  const worstExtra = extra.length ? extra.reduce((a, b) => (b.retainedExtraKB! > a.retainedExtraKB! ? b : a)) : undefined;
  out.push({
    goal: "metrics cost: KB retained per idle connection (heap after GC), on minus off, worst count",
    fenix: worstExtra?.retainedOnKB ?? null,
    reference: worstExtra?.retainedOffKB ?? null,
    ratio: worstExtra?.retainedOnKB != null && worstExtra.retainedOffKB ? worstExtra.retainedOnKB / worstExtra.retainedOffKB : null,
    target: "on − off ≤ 0.3 KB",
    pass: worstExtra ? worstExtra.retainedExtraKB! <= 0.3 : null,
    limits: "–",
  });
  // Issue 13, item 2: three nodes on one Redis, Fenix's adapter vs Socket.IO's.
  const [CF, CS] = [r.cluster.find((x) => x.server === "fenix"), r.cluster.find((x) => x.server === "socketio")];
  const clim = lim(CF, CS, "Socket.IO");
  const nodes = CF?.nodes ?? CS?.nodes ?? 0;
  add(`cluster ${nodes} nodes: deliveries/s vs Socket.IO + Redis adapter`, CF?.deliveriesPerSec, CS?.deliveriesPerSec, "≥ 3", (x) => x >= 3, clim);
  add(`cluster ${nodes} nodes: fixed-rate p99 ms vs Socket.IO`, CF?.p99Ms, CS?.p99Ms, "≤ 1", (x) => x <= 1, clim);
  add(
    `cluster ${nodes} nodes: server CPU µs per delivery vs Socket.IO`,
    CF?.serverCpuUsPerDelivery,
    CS?.serverCpuUsPerDelivery,
    "≤ 0.2",
    (x) => x <= 0.2,
    clim,
  );
  // Issue 13, item 3: a crowd joining one Presence topic, coalescing on (the largest window run).
  const on = Math.max(0, ...r.presence.map((x) => x.coalesceMs));
  const crowd = (n: number, ms: number) => r.presence.find((x) => x.clients === n && x.coalesceMs === ms);
  for (const [n, boundS] of [
    [2000, 5],
    [5000, 10],
  ] as const) {
    const x = crowd(n, on);
    out.push({
      goal: `presence: ${fmt(n)} clients list all, coalescing ${on} ms (s)`,
      fenix: x ? (x.convergeMs === null ? null : x.convergeMs / 1000) : null,
      reference: null,
      ratio: null,
      target: `≤ ${boundS} s`,
      pass: x ? x.convergeMs !== null && x.convergeMs / 1000 <= boundS : null,
      limits: x ? x.limit : "–",
    });
  }
  const most = Math.max(0, ...r.presence.filter((x) => crowd(x.clients, 0) && crowd(x.clients, on)).map((x) => x.clients));
  const [unmerged, merged] = [crowd(most, 0), crowd(most, on)];
  add(`presence: ${fmt(most)} clients, frames per client, off vs ${on} ms`, unmerged?.framesPerClient, merged?.framesPerClient, "≥ 20", (x) => x >= 20, "–");
  // Issue 13, item 1: one process near its open-file limit, and the most nodes run.
  const scaleRows = r.scale ?? [];
  const one = scaleRows.find((x) => x.nodes === 1);
  const many = scaleRows.filter((x) => x.nodes > 1).sort((a, b) => b.connections - a.connections)[0];
  const bound = (goal: string, value: number | null | undefined, target: string, limit: number) =>
    out.push({
      goal,
      fenix: value ?? null,
      reference: limit,
      ratio: value == null ? null : value / limit,
      target,
      pass: value == null ? null : value <= limit,
      limits: "–",
    });
  for (const [x, lastBound] of [
    [one, 500],
    [many, 1500],
  ] as const) {
    const name = x ? `scale ${x.nodes} node${x.nodes > 1 ? "s" : ""} × ${fmt(Math.round(x.connections / x.nodes))}` : "scale";
    bound(`${name}: KB RSS per joined connection`, x ? x.bytesPerConnection / KB : null, "≤ 7 KB", 7);
    bound(`${name}: idle server CPU % of a core per 20,000`, x?.idleCpuPctPer20k, "≤ 10 %", 10);
    bound(`${name}: ms until the last client has one broadcast`, x?.lastDeliveryMs, `≤ ${fmt(lastBound)} ms`, lastBound);
  }
  return out;
}

interface MemoryCost {
  connections: number;
  onKB: number;
  offKB: number;
  extraKB: number;
  retainedOnKB: number | null;
  retainedOffKB: number | null;
  retainedExtraKB: number | null;
}

/** Per idle-connection count, Fenix's KB per connection (RSS, and heap after GC) with metrics on and off. */
function memoryCost(r: BenchResult): MemoryCost[] {
  const rows: MemoryCost[] = [];
  const kb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : bytes / KB);
  for (const on of r.memory.filter((x) => x.server === "fenix")) {
    const off = r.memory.find((x) => x.server === "fenix-nometrics" && x.connections === on.connections);
    if (!off) continue;
    const [onKB, offKB] = [on.bytesPerConnection / KB, off.bytesPerConnection / KB];
    const [retainedOnKB, retainedOffKB] = [kb(on.retainedBytesPerConnection), kb(off.retainedBytesPerConnection)];
    const retainedExtraKB = retainedOnKB === null || retainedOffKB === null ? null : retainedOnKB - retainedOffKB;
    rows.push({ connections: on.connections, onKB, offKB, extraKB: onKB - offKB, retainedOnKB, retainedOffKB, retainedExtraKB });
  }
  return rows;
}

export function markdown(r: BenchResult): string {
  const m = r.machine;
  const L: string[] = [];
  const rounds = r.config.repeat > 1 ? ` Every figure is the median of ${r.config.repeat} interleaved rounds; (min–max) in brackets.` : "";
  L.push(`Run: \`${r.mode}\`, ${r.startedAt}, ${Math.round(r.seconds)} s.${rounds}`);
  L.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; ` +
      (m.pinned ? `servers pinned to CPU ${m.serverCpu}, generators to CPU ${m.generatorCpu}` : "**not pinned** (taskset missing)") +
      `; open-file limit ${m.openFileLimit}; loopback, clients spread over ${r.config.addresses.join(", ")}.`,
  );
  L.push("", "CPU columns are the busy share of CPU 0 (server) / CPU 1 (generators); *limit* names the core at ≥ 90 %.", "");
  const f = r.config.fanout;
  L.push(
    `### Fanout — one topic, ~100-byte messages with a send timestamp`,
    "",
    `Saturated: published as fast as the server takes it for ${f.measureMs / 1000} s (after ${f.warmupMs / 1000} s warm-up), deliveries counted at the clients. Latency: ${fmt(f.fixedDeliveriesPerSec)} deliveries/s for ${f.fixedMs / 1000} s.`,
    "",
    "| Subscribers | Server | Deliveries/s | Server CPU µs/delivery | CPU 0 / 1 | Limit | p50 ms | p99 ms | CPU 0 / 1 at fixed rate |",
    "|---:|---|---:|---:|---|---|---:|---:|---|",
  );
  for (const x of r.fanout) {
    const warn = x.connectFailed || x.lost || x.publishErrors ? ` ⚠ ${x.connectFailed} failed, ${x.lost} lost, ${x.publishErrors} publish errors` : "";
    L.push(
      `| ${fmt(x.subscribers)} | ${label(x.server)} | ${fig(x, "deliveriesPerSec")} | ${fig(x, "serverCpuUsPerDelivery", 2)} | ${cores(x)} | ${x.limit}${warn} | ${fmt(x.p50Ms, 2)} | ${fig(x, "p99Ms", 1)} | ${cores(x.fixed)} |`,
    );
  }
  L.push(
    "",
    "### Memory — idle connections, each joined to a channel, heartbeats on",
    "",
    "| Connections | Server | RSS baseline MB | RSS growth MB | KB per connection | Retained KB per connection (heap after GC) | Idle server CPU |",
    "|---:|---|---:|---:|---:|---:|---:|",
  );
  for (const x of r.memory) {
    L.push(
      `| ${fmt(x.connections)}${x.connectFailed ? ` (⚠ ${x.connectFailed} failed)` : ""} | ${label(x.server)} | ${fmt(x.baselineRssBytes / 2 ** 20, 1)} | ${fmt((x.rssBytes - x.baselineRssBytes) / 2 ** 20, 1)} | ${fig(x, "bytesPerConnection", 2, KB)} | ${x.retainedBytesPerConnection == null ? "–" : fig(x, "retainedBytesPerConnection", 2, KB)} | ${pct(x.idleServerCpuPct)} |`,
    );
  }
  L.push(
    "",
    "### Join — connect + join, all clients at once (bounded handshakes in flight)",
    "",
    "| Clients | Server | Joins/s | CPU 0 / 1 | Limit |",
    "|---:|---|---:|---|---|",
  );
  for (const x of r.join)
    L.push(`| ${fmt(x.clients)}${x.failed ? ` (⚠ ${x.failed} failed)` : ""} | ${label(x.server)} | ${fig(x, "joinsPerSec")} | ${cores(x)} | ${x.limit} |`);
  L.push(
    "",
    `### RTT — each client pushes and awaits the reply, ${r.config.rtt.durationMs / 1000} s`,
    "",
    "| Clients | Server | Replies/s | p50 ms | p99 ms | CPU 0 / 1 | Limit |",
    "|---:|---|---:|---:|---:|---|---|",
  );
  for (const x of r.rtt) {
    L.push(
      `| ${x.clients}${x.errors ? ` (⚠ ${x.errors} errors)` : ""} | ${label(x.server)} | ${fig(x, "repliesPerSec")} | ${fmt(x.p50Ms, 2)} | ${fmt(x.p99Ms, 2)} | ${cores(x)} | ${x.limit} |`,
    );
  }
  if (r.launch.length) {
    const c = r.config.launch;
    L.push(
      "",
      "### Launch — Sneakers23 (apps/sneakers, embedded SQLite) sold out in front of its shoppers",
      "",
      `Shoppers are Phoenix clients joined to both products; \`sell-until-gone\`'s ticks (${c.perTick} sales, then ${c.tickMs} ms) run until 0 units are left. ` +
        "Delay: a `stock_change`'s arrival at a shopper minus the commit of the latest sale of that item committed before it (every shopper's copy counts).",
      "",
      '| Shoppers | Sales | Sales/s | Tick p50 / max ms | stock_change frames | Delay p50 ms | p99 ms | max ms | Shoppers not all "out" | CPU 0 / 1 | Limit |',
      "|---:|---:|---:|---|---:|---:|---:|---:|---|---|---|",
    );
    for (const x of r.launch) {
      const failed = x.connectFailed ? ` (⚠ ${x.connectFailed} failed)` : "";
      const check = x.shoppersNotAllOut === 0 && x.unitsLeft === 0 && x.itemsNotOut === 0 ? "0 ✅" : `${fig(x, "shoppersNotAllOut")} ❌`;
      L.push(
        `| ${fmt(x.shoppers)}${failed} | ${fig(x, "sales")} | ${fig(x, "salesPerSec")} | ${fmt(x.tickP50Ms, 0)} / ${fmt(x.tickMaxMs, 0)} | ${fig(x, "stockChangeFrames")} | ${fig(x, "p50Ms", 2)} | ${fig(x, "p99Ms", 2)} | ${fig(x, "maxMs", 1)} | ${check} | ${cores(x)} | ${x.limit} |`,
      );
    }
    for (const x of r.launch) {
      const skew = x.clockSkewMs ? `${fmt(x.clockSkewMs[0], 2)} … ${fmt(x.clockSkewMs[1], 2)} ms` : "–";
      L.push(
        "",
        `${fmt(x.unitsAtStart)} pairs in ${x.items} sizes (${x.itemsOutAtStart} seeded at 0: "out" from the page on) over ${x.ticks} ticks in ${fmt(x.sellSeconds, 1)} s (the first took ${fmt(x.firstTickMs, 0)} ms); ` +
          `${fmt(x.notAvailable)} picks found the size gone; server CPU ${pct(x.serverSellCpuPct)} during the sale. ` +
          `Every shopper showed every size "out" ${x.settleMs === null ? "**never** (within the wait)" : `${fmt(x.settleMs, 0)} ms after the last tick`}. ` +
          `Counting only the receipts that changed a page (a new level, the first "out": ${fmt(x.changeSamples)} of the ${fmt(x.delaySamples)}), delay p50 ${fmt(x.changeP50Ms, 2)} / p99 ${fmt(x.changeP99Ms, 2)} ms. ` +
          `${x.unmatched} receipts matched no earlier commit; ${x.connectRetries} connects were retried after a 503. ` +
          `Clock check: commit clock minus shoppers' clock within ${skew} (the delays are exact only up to that).`,
      );
    }
  }
  if (r.cluster.length) {
    L.push(
      "",
      "### Cluster — servers on one Redis, subscribers spread evenly, published on the first node",
      "",
      "| Nodes | Subscribers | Server | Deliveries/s | Server CPU µs/delivery (all nodes) | CPU 0 / 1 | Limit | p50 ms | p99 ms |",
      "|---:|---:|---|---:|---:|---|---|---:|---:|",
    );
    for (const x of r.cluster) {
      const warn = x.lost ? ` (⚠ ${fmt(x.lost)} lost)` : "";
      L.push(
        `| ${x.nodes} | ${fmt(x.subscribers)}${x.connectFailed ? ` (⚠ ${x.connectFailed} failed)` : ""} | ${label(x.server)} | ${fig(x, "deliveriesPerSec")}${warn} | ${fig(x, "serverCpuUsPerDelivery", 2)} | ${cores(x)} | ${x.limit} | ${fmt(x.p50Ms, 2)} | ${fig(x, "p99Ms", 1)} |`,
      );
    }
  }
  if (r.presence.length) {
    L.push(
      "",
      "### Presence — clients join one topic at once, each applying presence_state/presence_diff as phoenix.js does",
      "",
      "| Clients | Coalescing | All listed all after | Presence frames per client | KB per client | Server CPU s | CPU 0 / 1 | Limit |",
      "|---:|---:|---:|---:|---:|---:|---|---|",
    );
    for (const x of r.presence) {
      const failed = x.joinFailed ? ` (⚠ ${x.joinFailed} failed)` : "";
      const done = x.convergeMs === null ? `**${fmt(x.converged)} of ${fmt(x.clients)}** within the bound` : `${fig(x, "convergeMs", 0)} ms`;
      L.push(
        `| ${fmt(x.clients)}${failed} | ${x.coalesceMs ? `${x.coalesceMs} ms` : "off"} | ${done} | ${fig(x, "framesPerClient", 1)} | ${fig(x, "bytesPerClient", 1, KB)} | ${fig(x, "serverCpuSeconds", 2)} | ${cores(x)} | ${x.limit} |`,
      );
    }
  }
  if (r.scale?.length) {
    L.push(
      "",
      `### Scale — idle joined connections, heartbeats every ${r.config.heartbeatMs / 1000} s; one broadcast at a time from node 0`,
      "",
      "Several nodes share one private Redis. RSS and heap are summed over the nodes; idle CPU is over a whole heartbeat period; the wait is the slowest client's, from the payload's send time (median of the broadcasts, worst in brackets).",
      "",
      "| Nodes | Connections | Generators · addresses | Connect + join s | Joins/s | KB RSS per connection | KB retained per connection | Idle server CPU | per 20,000 | Last client's wait ms | Median wait ms | CPU 0 / 1 while it spreads |",
      "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    );
    for (const x of r.scale) {
      const warn = x.connectFailed || x.lost ? ` (⚠ ${fmt(x.connectFailed)} failed, ${fmt(x.lost)} lost)` : "";
      L.push(
        `| ${x.nodes} | ${fmt(x.connections)}${warn} | ${x.generators} · ${x.addresses} | ${fig(x, "connectMs", 1, 1000)} | ${fmt(x.joinsPerSec)} | ${fig(x, "bytesPerConnection", 2, KB)} | ${x.retainedBytesPerConnection == null ? "–" : fig(x, "retainedBytesPerConnection", 2, KB)} | ${pct(x.idleServerCpuPct)} | ${fig(x, "idleCpuPctPer20k", 1)} % | ${fig(x, "lastDeliveryMs", 0)} (${fmt(x.lastDeliveryWorstMs, 0)}) | ${fmt(x.medianDeliveryMs, 0)} | ${pct(x.broadcastCore0Pct)} / ${pct(x.broadcastCore1Pct)} |`,
      );
    }
  }
  const costFan = r.fanout.filter((x) => x.server === "fenix-nometrics");
  if (costFan.length || memoryCost(r).length) {
    L.push(
      "",
      "### Cost of metrics — Fenix with metrics on (Prometheus, scraped every " + `${SCRAPE_MS / 1000} s) vs off, same run`,
      "",
      "| Scenario | Count | On | Off | On / off |",
      "|---|---:|---:|---:|---:|",
    );
    for (const off of costFan) {
      const on = r.fanout.find((x) => x.server === "fenix" && x.subscribers === off.subscribers);
      L.push(
        `| fanout deliveries/s | ${fmt(off.subscribers)} | ${on ? fig(on, "deliveriesPerSec") : "–"} | ${fig(off, "deliveriesPerSec")} | ${fmt(on ? on.deliveriesPerSec / off.deliveriesPerSec : null, 3)} |`,
      );
    }
    const delta = (on: number, off: number) => `${fmt(on / off, 3)} (${on >= off ? "+" : ""}${fmt(on - off, 2)} KB)`;
    for (const m of memoryCost(r)) {
      L.push(`| KB per idle connection (RSS) | ${fmt(m.connections)} | ${fmt(m.onKB, 2)} | ${fmt(m.offKB, 2)} | ${delta(m.onKB, m.offKB)} |`);
      if (m.retainedOnKB !== null && m.retainedOffKB !== null)
        L.push(
          `| KB retained per idle connection (heap after GC) | ${fmt(m.connections)} | ${fmt(m.retainedOnKB, 2)} | ${fmt(m.retainedOffKB, 2)} | ${delta(m.retainedOnKB, m.retainedOffKB)} |`,
        );
    }
  }
  L.push(
    "",
    "### Goals (issue 5, item 3; metrics cost: issue 8, item 8; scale: issue 13)",
    "",
    "| Goal | Fenix | Reference | Ratio | Target | Status | Limits |",
    "|---|---:|---:|---:|---|---|---|",
  );
  for (const g of goals(r)) {
    const status = g.pass === null ? "n/a" : g.pass ? "✅ pass" : "❌ fail";
    const num = (n: number | null) => fmt(n, n !== null && Math.abs(n) >= 100 ? 0 : 2);
    L.push(`| ${g.goal} | ${num(g.fenix)} | ${num(g.reference)} | ${fmt(g.ratio, 3)} | ${g.target} | ${status} | ${g.limits} |`);
  }
  if (r.errors.length) {
    L.push("", "### Errors", "");
    for (const e of r.errors) L.push(`- ${e.scenario} on ${label(e.server)}: ${e.error}`);
  }
  return `${L.join("\n")}\n`;
}

// ---- SVG -------------------------------------------------------------------------------------

const COLORS: Record<ServerKind, string> = { fenix: "#e4572e", "fenix-nometrics": "#f4a582", socketio: "#4c6ef5", ws: "#6c757d" };

interface Panel {
  title: string;
  /** A dashed line, e.g. the goal. */
  target?: { value: number; label: string };
  groups: string[];
  value: (kind: ServerKind, group: number) => number | null;
}

function panelSvg(p: Panel, x0: number, y0: number, w: number, h: number): string {
  const vals = p.groups.flatMap((_, g) => SERVER_KINDS.map((k) => p.value(k, g) ?? 0)).concat(p.target ? [p.target.value] : []);
  const max = Math.max(1e-9, ...vals) * 1.15;
  const top = y0 + 28;
  const bottom = y0 + h - 24;
  const groupW = (w - 20) / Math.max(1, p.groups.length);
  const barW = Math.min(40, (groupW - 16) / SERVER_KINDS.length);
  const out = [`<text x="${x0 + w / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold">${p.title}</text>`];
  out.push(`<line x1="${x0 + 10}" y1="${bottom}" x2="${x0 + w - 10}" y2="${bottom}" stroke="#999"/>`);
  if (p.target) {
    const ty = (bottom - ((bottom - top) * p.target.value) / max).toFixed(1);
    out.push(`<line x1="${x0 + 10}" y1="${ty}" x2="${x0 + w - 10}" y2="${ty}" stroke="#2b8a3e" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${x0 + w - 12}" y="${Number(ty) - 4}" text-anchor="end" font-size="10" fill="#2b8a3e">${p.target.label}</text>`);
  }
  p.groups.forEach((name, g) => {
    const gx = x0 + 10 + g * groupW + (groupW - barW * SERVER_KINDS.length) / 2;
    SERVER_KINDS.forEach((k, i) => {
      const v = p.value(k, g);
      if (v === null) return;
      const bh = ((bottom - top) * v) / max;
      const bx = gx + i * barW;
      out.push(`<rect x="${bx.toFixed(1)}" y="${(bottom - bh).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLORS[k]}"/>`);
      const text = v >= 10_000 ? `${fmt(v / 1000, v >= 100_000 ? 0 : 1)}k` : v >= 100 ? fmt(v) : fmt(v, v >= 10 ? 1 : 2);
      out.push(`<text x="${(bx + barW / 2 - 1).toFixed(1)}" y="${(bottom - bh - 3).toFixed(1)}" text-anchor="middle" font-size="9">${text}</text>`);
    });
    out.push(`<text x="${(gx + (barW * SERVER_KINDS.length) / 2).toFixed(1)}" y="${bottom + 15}" text-anchor="middle" font-size="11">${name}</text>`);
  });
  return out.join("\n");
}

export function svg(r: BenchResult): string {
  const subs = [...new Set(r.fanout.map((x) => x.subscribers))].sort((a, b) => a - b);
  const conns = [...new Set(r.memory.map((x) => x.connections))].sort((a, b) => a - b);
  const fan = (k: ServerKind, g: number) => r.fanout.find((x) => x.server === k && x.subscribers === subs[g]);
  const panels: Panel[] = [
    { title: "Fanout deliveries/s (saturated)", groups: subs.map((s) => `${fmt(s)} subs`), value: (k, g) => fan(k, g)?.deliveriesPerSec ?? null },
    { title: "Fanout server CPU µs / delivery", groups: subs.map((s) => `${fmt(s)} subs`), value: (k, g) => fan(k, g)?.serverCpuUsPerDelivery ?? null },
    { title: "Fanout p99 latency ms (fixed rate)", groups: subs.map((s) => `${fmt(s)} subs`), value: (k, g) => fan(k, g)?.p99Ms ?? null },
    {
      title: "Idle memory KB / joined connection",
      target: { value: 8, label: "goal ≤ 8 KB" },
      groups: conns.map((c) => `${fmt(c)} conns`),
      value: (k, g) => {
        const m = r.memory.find((x) => x.server === k && x.connections === conns[g]);
        return m ? m.bytesPerConnection / KB : null;
      },
    },
    { title: "Connects + joins / s", groups: [`${fmt(r.config.join.clients)} clients`], value: (k) => r.join.find((x) => x.server === k)?.joinsPerSec ?? null },
    { title: "RTT replies / s", groups: [`${r.config.rtt.clients} clients`], value: (k) => r.rtt.find((x) => x.server === k)?.repliesPerSec ?? null },
  ];
  const W = 1020;
  const pw = W / 3;
  const ph = 240;
  const H = 50 + ph * 2;
  const body = panels.map((p, i) => panelSvg(p, (i % 3) * pw, 40 + Math.floor(i / 3) * ph, pw, ph - 10));
  const legend = SERVER_KINDS.map(
    (k, i) => `<rect x="${20 + i * 150}" y="10" width="12" height="12" fill="${COLORS[k]}"/><text x="${38 + i * 150}" y="20">${label(k)}</text>`,
  ).join("");
  const note = `<text x="${W - 10}" y="20" text-anchor="end" font-size="11">${r.mode} run ${r.startedAt.slice(0, 16)} · ${r.machine.cores} cores · server CPU 0, generators CPU 1</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${legend}
${note}
${body.join("\n")}
</svg>
`;
}
