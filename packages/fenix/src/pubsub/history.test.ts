import { describe, expect, it } from "vitest";
import { MemoryHistory, formatId, parsePosition, resolveHistoryOptions } from "./history.js";

const options = resolveHistoryOptions({ size: 3, ttlMs: 1_000 });

describe("MemoryHistory", () => {
  it("numbers messages per topic from 1 within one epoch", () => {
    const h = new MemoryHistory();
    const a = h.append("t", "e", { n: 1 }, options);
    const b = h.append("t", "e", { n: 2 }, options);
    expect([a.offset, b.offset]).toEqual([1, 2]);
    expect(a.epoch).toBe(b.epoch);
    expect(h.append("other", "e", {}, options).offset).toBe(1);
    expect(h.position("t", options)).toEqual({ epoch: a.epoch, offset: 2 });
  });

  it("returns what came after a position, oldest first", () => {
    const h = new MemoryHistory();
    const { epoch } = h.append("t", "e", { n: 1 }, options);
    h.append("t", "e", { n: 2 }, options);
    h.append("t", "f", { n: 3 }, options);
    const result = h.since("t", { epoch, offset: 1 }, options);
    expect(result.recovered).toBe(true);
    expect(result.messages.map((m) => [m.offset, m.event, m.payload])).toEqual([
      [2, "e", { n: 2 }],
      [3, "f", { n: 3 }],
    ]);
    expect(h.since("t", { epoch, offset: 3 }, options)).toEqual({ recovered: true, messages: [] });
  });

  it("cannot recover a gap longer than the kept size, another epoch, or a future offset", () => {
    const h = new MemoryHistory();
    const { epoch } = h.append("t", "e", 1, options);
    for (let i = 2; i <= 5; i++) h.append("t", "e", i, options);
    expect(h.since("t", { epoch, offset: 1 }, options).recovered).toBe(false);
    expect(h.since("t", { epoch, offset: 2 }, options)).toMatchObject({ recovered: true });
    expect(h.since("t", { epoch: "other", offset: 4 }, options).recovered).toBe(false);
    expect(h.since("t", { epoch, offset: 9 }, options).recovered).toBe(false);
  });

  it("drops messages older than the TTL", () => {
    let now = 0;
    const h = new MemoryHistory(() => now);
    const { epoch } = h.append("t", "e", 1, options);
    now = 600;
    h.append("t", "e", 2, options);
    now = 1_300;
    expect(h.since("t", { epoch, offset: 0 }, options).recovered).toBe(false);
    expect(h.since("t", { epoch, offset: 1 }, options)).toMatchObject({ recovered: true, messages: [{ payload: 2 }] });
    h.stop();
  });
});

describe("ids", () => {
  it("formats and parses epoch:offset", () => {
    expect(formatId({ epoch: "ab:c", offset: 12 })).toBe("ab:c:12");
    expect(parsePosition("ab:c:12")).toEqual({ epoch: "ab:c", offset: 12 });
    expect(parsePosition({ epoch: "x", offset: "7" })).toEqual({ epoch: "x", offset: 7 });
    for (const bad of ["", "nocolon", ":5", "x:-1", "x:1.5", { epoch: 1, offset: 1 }, null, 5]) expect(parsePosition(bad)).toBeUndefined();
  });

  it("rejects bad options", () => {
    expect(() => resolveHistoryOptions({ size: 0 })).toThrow(/size/);
    expect(() => resolveHistoryOptions({ ttlMs: 0 })).toThrow(/ttlMs/);
  });
});
