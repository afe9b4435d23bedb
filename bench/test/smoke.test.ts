// The bench's smoke run: every scenario, tiny counts, all three servers plus Fenix with metrics off (launch: Fenix's
// apps/sneakers, 20 shoppers and a small stock), through the same code
// `npm run bench` uses. It asserts only that results were produced: timings on a shared test
// machine mean nothing. Servers and generators run from the built dist (npm test builds first).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "../src/bench.js";
import { preset } from "../src/config.js";
import { SERVER_KINDS, VARIANT_KINDS } from "../src/control.js";
import { goals, markdown, svg } from "../src/report.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bench smoke run", () => {
  it("runs fanout, memory, join and rtt against Fenix, Socket.IO and raw ws, and launch on apps/sneakers", async () => {
    for (const built of ["bench/dist/gen/main.js", "bench/dist/servers/ws.js", "apps/hello/dist/main.js", "apps/sneakers/dist/main.js"]) {
      expect(existsSync(ROOT + built), `${built} is missing: run npm run build`).toBe(true);
    }
    const logFile = join(dir, "children.log");
    const r = await runBench(preset("smoke"), { logFile, log: () => {} });
    expect(r.errors, `see ${logFile}`).toEqual([]);
    for (const kind of SERVER_KINDS) {
      const fanout = r.fanout.filter((x) => x.server === kind);
      expect(fanout).toHaveLength(1);
      expect(fanout[0].subscribers).toBe(20);
      expect(fanout[0].deliveriesPerSec).toBeGreaterThan(0);
      expect(fanout[0].fixedSamples).toBeGreaterThan(0);
      const memory = r.memory.filter((x) => x.server === kind);
      expect(memory.map((x) => x.connections)).toEqual([10, 20]);
      expect(memory.every((x) => x.rssBytes > 0)).toBe(true);
      // Every server's watchdog answers with its heap after a full GC (--expose-gc).
      expect(memory.every((x) => typeof x.retainedBytesPerConnection === "number" && Number.isFinite(x.retainedBytesPerConnection))).toBe(true);
      const joins = r.join.filter((x) => x.server === kind);
      expect(joins).toHaveLength(1);
      expect(joins[0].failed).toBe(0);
      expect(joins[0].joinsPerSec).toBeGreaterThan(0);
      const rtt = r.rtt.filter((x) => x.server === kind);
      expect(rtt).toHaveLength(1);
      expect(rtt[0].repliesPerSec).toBeGreaterThan(0);
    }
    // Fenix with metrics off runs where its cost is priced (fan-out, memory) and nowhere else.
    for (const kind of VARIANT_KINDS) {
      expect(r.fanout.filter((x) => x.server === kind).map((x) => x.deliveriesPerSec > 0)).toEqual([true]);
      expect(r.memory.filter((x) => x.server === kind).map((x) => x.connections)).toEqual([10, 20]);
      expect(r.join.concat(r.rtt as never[]).filter((x) => x.server === kind)).toEqual([]);
    }
    expect(r.launch).toHaveLength(1);
    const launch = r.launch[0];
    expect(launch.shoppers).toBe(20);
    expect(launch.sales).toBe(launch.unitsAtStart);
    expect(launch.sales).toBeGreaterThan(0);
    expect(launch.unitsLeft).toBe(0);
    expect(launch.stockChangeFrames).toBeGreaterThan(0);
    expect(launch.delaySamples).toBe(launch.stockChangeFrames);
    expect(launch.unmatched).toBe(0);
    expect(launch.shoppersNotAllOut).toBe(0);
    // Presence: the crowd lists everyone, with coalescing off and on, and coalescing sends fewer frames.
    expect(r.presence.map((x) => [x.clients, x.coalesceMs, x.converged, x.joinFailed])).toEqual([
      [30, 0, 30, 0],
      [30, 100, 30, 0],
    ]);
    expect(r.presence[1].framesPerClient).toBeLessThan(r.presence[0].framesPerClient);
    expect(markdown(r)).toContain("### Presence");
    // Cluster: three nodes on a private Redis, Fenix beside Socket.IO's Redis adapter, nothing lost.
    expect(r.cluster.map((x) => [x.server, x.nodes, x.subscribers, x.lost])).toEqual([
      ["fenix", 3, 30, 0],
      ["socketio", 3, 30, 0],
    ]);
    expect(r.cluster.every((x) => x.deliveriesPerSec > 0 && x.fixedSamples > 0)).toBe(true);
    expect(markdown(r)).toContain("### Cluster");
    // Scale: one node, then two on a private Redis; every client joined and got every broadcast.
    expect(r.scale.map((x) => [x.nodes, x.connections, x.connectFailed, x.lost, x.broadcasts])).toEqual([
      [1, 20, 0, 0, 2],
      [2, 40, 0, 0, 2],
    ]);
    expect(r.scale.every((x) => x.lastDeliveryMs !== null && x.lastDeliveryMs > 0 && x.rssBytes > 0)).toBe(true);
    // The second run's generators: 20 clients per node at 15 per generator need two generators each.
    expect(r.scale[1].generators).toBe(4);
    expect(markdown(r)).toContain("### Scale");
    expect(goals(r)).toHaveLength(25);
    expect(
      goals(r)
        .filter((g) => g.goal.startsWith("lean:") || g.goal.startsWith("scale"))
        .every((g) => g.fenix !== null),
    ).toBe(true);
    expect(
      goals(r)
        .filter((g) => g.goal.startsWith("metrics cost"))
        .every((g) => g.ratio !== null),
    ).toBe(true);
    expect(markdown(r)).toContain("### Cost of metrics");
    expect(markdown(r)).toContain("### Goals");
    expect(markdown(r)).toContain("### Launch");
    expect(svg(r)).toContain("<svg");
  }, 90_000);
});
