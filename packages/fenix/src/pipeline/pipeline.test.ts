import { describe, expect, it } from "vitest";
import { captureLog } from "../testing/index.js";
import { createLogger } from "../util/log.js";
import { Pipeline } from "./pipeline.js";

const logger = createLogger({ name: "pipeline-test", level: "debug" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("Pipeline", () => {
  it("runs at most maxDemand workers at once, in waves for equal work, each item exactly once", async () => {
    const starts: { n: number; at: number }[] = [];
    let running = 0;
    let peak = 0;
    const pipeline = new Pipeline<number>({
      maxDemand: 10,
      logger,
      worker: async ({ item }) => {
        starts.push({ n: item, at: performance.now() });
        peak = Math.max(peak, ++running);
        await sleep(40);
        running--;
      },
    });
    for (let n = 1; n <= 50; n++) pipeline.push(n);
    await pipeline.idle();
    expect(peak).toBe(10);
    // Items start in push order, ten at a time: each wave starts when the one before has finished.
    expect(starts.map((s) => s.n)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (let wave = 1; wave < 5; wave++) {
      const first = starts[wave * 10].at;
      expect(first - starts[wave * 10 - 1].at).toBeGreaterThanOrEqual(35);
      expect(starts[wave * 10 + 9].at - first).toBeLessThan(35);
    }
    expect(pipeline.processed).toBe(50);
  });

  it("with maxDemand 1 handles one item at a time, in order", async () => {
    const log: string[] = [];
    const pipeline = new Pipeline<number>({
      maxDemand: 1,
      logger,
      worker: async ({ item }) => {
        log.push(`start ${item}`);
        await sleep(2);
        log.push(`end ${item}`);
      },
    });
    for (let n = 1; n <= 3; n++) pipeline.push(n);
    await pipeline.idle();
    expect(log).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("push is synchronous and never runs a worker inline", async () => {
    const seen: number[] = [];
    const pipeline = new Pipeline<number>({ logger, worker: ({ item }) => void seen.push(item) });
    pipeline.push(1);
    expect(seen).toEqual([]);
    expect(pipeline.buffered).toBe(1);
    await pipeline.idle();
    expect(seen).toEqual([1]);
  });

  it("pushTimed stamps the item in the caller, before it waits", async () => {
    const { opened, open } = gate();
    const stamps: (number | undefined)[] = [];
    const pipeline = new Pipeline<string>({
      maxDemand: 1,
      logger,
      worker: async ({ enqueuedAt }) => {
        stamps.push(enqueuedAt);
        await opened;
      },
    });
    const before = Date.now();
    pipeline.pushTimed("a");
    pipeline.pushTimed("b");
    pipeline.push("c");
    const after = Date.now();
    await sleep(20);
    open();
    await pipeline.idle();
    expect(stamps).toHaveLength(3);
    for (const stamp of stamps.slice(0, 2)) {
      expect(stamp).toBeGreaterThanOrEqual(before);
      expect(stamp).toBeLessThanOrEqual(after);
    }
    expect(stamps[2]).toBeUndefined();
  });

  it("keeps at most bufferSize waiting: the oldest are dropped, logged once per burst", async () => {
    const { opened, open } = gate();
    const handled: number[] = [];
    const pipeline = new Pipeline<number>({
      maxDemand: 1,
      bufferSize: 5,
      logger,
      worker: async ({ item }) => {
        await opened;
        handled.push(item);
      },
    });
    const log = await captureLog(async () => {
      pipeline.push(0);
      await Promise.resolve();
      for (let n = 1; n <= 12; n++) pipeline.push(n);
      expect(pipeline.buffered).toBe(5);
      open();
      await pipeline.idle();
    });
    expect(pipeline.dropped).toBe(7);
    expect(handled).toEqual([0, 8, 9, 10, 11, 12]);
    expect(log.match(/buffer full/g)).toHaveLength(1);
    expect(log).toMatch(/dropped 7 items in that burst/);
  });

  it("a failing worker drops its item only; the pipeline goes on", async () => {
    const handled: number[] = [];
    const pipeline = new Pipeline<number>({
      maxDemand: 2,
      logger,
      worker: async ({ item }) => {
        if (item === 2) throw new Error("boom");
        if (item === 3) return Promise.reject(new Error("rejected"));
        handled.push(item);
      },
    });
    const log = await captureLog(async () => {
      for (let n = 1; n <= 5; n++) pipeline.push(n);
      await pipeline.idle();
    });
    expect(handled.sort()).toEqual([1, 4, 5]);
    expect(pipeline.failed).toBe(2);
    expect(log).toMatch(/a worker failed, item dropped: boom/);
    expect(log).toMatch(/a worker failed, item dropped: rejected/);
  });

  it("reports each worker's time, and a stopped pipeline takes nothing more", async () => {
    const times: number[] = [];
    const pipeline = new Pipeline<number>({ logger, worker: () => sleep(5), onProcessed: (ms) => times.push(ms) });
    pipeline.push(1);
    await pipeline.idle();
    expect(times).toHaveLength(1);
    expect(times[0]).toBeGreaterThanOrEqual(4);
    await pipeline.stop();
    pipeline.push(2);
    expect(pipeline.buffered).toBe(0);
  });

  it("refuses a nonsensical configuration", () => {
    expect(() => new Pipeline({ maxDemand: 0, worker: () => {} })).toThrow(/maxDemand/);
    expect(() => new Pipeline({ bufferSize: -1, worker: () => {} })).toThrow(/bufferSize/);
  });
});
