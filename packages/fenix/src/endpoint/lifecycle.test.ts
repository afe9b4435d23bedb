// Unit tests of Lifecycle: probes, connection admission (draining, connect rate) and the
// batched drain, with fake requests and fake connections.
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { Lifecycle } from "./lifecycle.js";
import { createLogger } from "../util/log.js";
import type { Connection } from "../socket/connection.js";
import { captureLog } from "../testing/index.js";

const silent = createLogger({ level: "silent" });

interface Answer {
  handled: boolean;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

function probe(lifecycle: Lifecycle, path: string, method = "GET"): Answer {
  const answer: Answer = { handled: false };
  const res = {
    writeHead(status: number, headers: Record<string, string>) {
      answer.status = status;
      answer.headers = headers;
      return res;
    },
    end(body: string) {
      answer.body = body;
      return res;
    },
  };
  answer.handled = lifecycle.handleProbe(path, { method } as IncomingMessage, res as unknown as ServerResponse);
  return answer;
}

interface Closed {
  index: number;
  code: number;
  reason: string;
  channelReason: unknown;
  at: number;
  done: boolean;
}

/** Connections whose close records when and how it was called, and ends `terminateMs` later. */
function fakeConnections(n: number, terminateMs = 0) {
  const closed: Closed[] = [];
  const started = performance.now();
  const connections = Array.from({ length: n }, (_, index) => ({
    close(code: number, reason: string, channelReason: unknown): Promise<void> {
      const entry: Closed = { index, code, reason, channelReason, at: performance.now() - started, done: false };
      closed.push(entry);
      return new Promise((resolve) =>
        setTimeout(() => {
          entry.done = true;
          resolve();
        }, terminateMs),
      );
    },
  }));
  return { connections: connections as unknown as Connection[], closed };
}

describe("probes", () => {
  it("answers /health 200 ok and /ready 200 ready, as uncached JSON", () => {
    const lifecycle = new Lifecycle(silent);
    const health = probe(lifecycle, "/health");
    expect(health).toMatchObject({ handled: true, status: 200 });
    expect(JSON.parse(health.body ?? "")).toEqual({ status: "ok" });
    expect(health.headers?.["content-type"]).toBe("application/json");
    expect(health.headers?.["cache-control"]).toBe("no-store");
    const ready = probe(lifecycle, "/ready");
    expect(ready).toMatchObject({ handled: true, status: 200 });
    expect(JSON.parse(ready.body ?? "")).toEqual({ status: "ready" });
  });

  it("fails readiness (503 draining) the moment a drain starts, while liveness stays 200", async () => {
    const lifecycle = new Lifecycle(silent);
    const { connections } = fakeConnections(2, 50);
    const draining = lifecycle.drain(connections, { windowMs: 100, batches: 2 });
    const ready = probe(lifecycle, "/ready");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body ?? "")).toEqual({ status: "draining" });
    expect(probe(lifecycle, "/health").status).toBe(200);
    await draining;
  });

  it("leaves other paths, other methods and disabled probes alone", () => {
    const lifecycle = new Lifecycle(silent);
    expect(probe(lifecycle, "/healthz").handled).toBe(false);
    expect(probe(lifecycle, "/health", "POST").handled).toBe(false);
    expect(probe(lifecycle, "/health", "HEAD").handled).toBe(true);
    const off = new Lifecycle(silent, {}, false);
    expect(probe(off, "/health").handled).toBe(false);
    expect(probe(off, "/ready").handled).toBe(false);
  });

  it("serves configured probe paths instead of the defaults", () => {
    const lifecycle = new Lifecycle(silent, {}, { healthPath: "/livez", readyPath: "/readyz" });
    expect(probe(lifecycle, "/livez")).toMatchObject({ handled: true, status: 200 });
    expect(probe(lifecycle, "/readyz")).toMatchObject({ handled: true, status: 200 });
    expect(probe(lifecycle, "/health").handled).toBe(false);
    expect(probe(lifecycle, "/ready").handled).toBe(false);
  });
});

describe("admission", () => {
  it("admits a burst of connects, then refuses with 503 and Retry-After: 1 until the rate refills", async () => {
    const lifecycle = new Lifecycle(silent, { perSecond: 5, burst: 5 });
    for (let i = 0; i < 5; i++) expect(lifecycle.admit()).toBeNull();
    const refusal = lifecycle.admit();
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers).toEqual({ "retry-after": "1" });
    await new Promise((resolve) => setTimeout(resolve, 250)); // 5/s: one new connect per 200 ms
    expect(lifecycle.admit()).toBeNull();
    expect(lifecycle.admit()?.status).toBe(503);
  });

  it("burst defaults to the rate; connectRate false never refuses", () => {
    const capped = new Lifecycle(silent, { perSecond: 3 });
    expect([capped.admit(), capped.admit(), capped.admit()]).toEqual([null, null, null]);
    expect(capped.admit()?.status).toBe(503);
    const uncapped = new Lifecycle(silent, false);
    for (let i = 0; i < 10_000; i++) expect(uncapped.admit()).toBeNull();
  });

  it("refuses every connect with 503 and Retry-After once draining, even with tokens left", async () => {
    const lifecycle = new Lifecycle(silent, { perSecond: 1000 });
    await lifecycle.drain(fakeConnections(1).connections, { windowMs: 10 });
    const refusal = lifecycle.admit();
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers["retry-after"]).toBeDefined();
    expect(Number(refusal?.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("logs refusals as one summary line per second, not one per connect", async () => {
    const lifecycle = new Lifecycle(createLogger({ level: "info" }), { perSecond: 1, burst: 1 });
    const log = await captureLog(() => {
      for (let i = 0; i < 50; i++) lifecycle.admit();
    });
    const lines = log.split("\n").filter((line) => line.includes("refused"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[warning\] refused 1 new connection/);
  });
});

describe("drain", () => {
  it("closes every connection with 1012 and {shutdown: restart}", async () => {
    const lifecycle = new Lifecycle(silent);
    const { connections, closed } = fakeConnections(7);
    await lifecycle.drain(connections, { windowMs: 60, batches: 3 });
    expect(closed.map((c) => c.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const c of closed) {
      expect(c.code).toBe(1012);
      expect(c.channelReason).toEqual({ shutdown: "restart" });
    }
  });

  it("spreads the closes over the window in batches, not all at one instant", async () => {
    const lifecycle = new Lifecycle(silent);
    const { connections, closed } = fakeConnections(30);
    const started = performance.now();
    await lifecycle.drain(connections, { windowMs: 600, batches: 3 });
    const elapsed = performance.now() - started;
    const times = closed.map((c) => c.at);
    expect(closed).toHaveLength(30);
    // Batch b starts in [b·200, b·200 + 100) ms: the last batch comes at least 400 ms after the first.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(600 + 200);
    // Three batches of ten, each closed at one instant.
    const batches = new Map<number, number>();
    for (const t of times) batches.set(Math.floor(t / 200), (batches.get(Math.floor(t / 200)) ?? 0) + 1);
    expect([...batches.values()]).toEqual([10, 10, 10]);
  });

  it("shuffles: the first batch is not always the first connections", async () => {
    const firsts = new Set<string>();
    for (let run = 0; run < 5; run++) {
      const { connections, closed } = fakeConnections(30);
      await new Lifecycle(silent).drain(connections, { windowMs: 20, batches: 3 });
      firsts.add(
        closed
          .slice(0, 10)
          .map((c) => c.index)
          .sort((a, b) => a - b)
          .join(","),
      );
    }
    expect(firsts.size).toBeGreaterThan(1);
  });

  it("resolves only after every close (and so every terminate) has finished", async () => {
    const lifecycle = new Lifecycle(silent);
    const { connections, closed } = fakeConnections(5, 150);
    await lifecycle.drain(connections, { windowMs: 50, batches: 5 });
    expect(closed).toHaveLength(5);
    expect(closed.every((c) => c.done)).toBe(true);
  });

  it("with no connections resolves at once and still marks the node draining", async () => {
    const lifecycle = new Lifecycle(silent);
    const started = performance.now();
    await lifecycle.drain([], { windowMs: 2_000 });
    expect(performance.now() - started).toBeLessThan(100);
    expect(lifecycle.draining).toBe(true);
  });

  it("never uses more batches than connections, so a few connections do not wait out empty batches", async () => {
    const lifecycle = new Lifecycle(silent);
    const { connections, closed } = fakeConnections(1);
    const started = performance.now();
    await lifecycle.drain(connections, { windowMs: 1_000, batches: 10 });
    expect(closed).toHaveLength(1);
    // One batch, due within the first half of the window; ten batches would sleep through ~900 ms of empty slots.
    expect(performance.now() - started).toBeLessThan(600);
  });
});
