import { describe, expect, it } from "vitest";
import { PingTicker, SEND_PING, nextDue } from "./ping_ticker.js";

const member = () => {
  const got: unknown[] = [];
  return { got, send: (message: unknown) => got.push(message) };
};

describe("PingTicker", () => {
  it("sends each member its ping every everyMs after it was added, not before", () => {
    const ticker = new PingTicker({ everyMs: 2_000 });
    const a = member();
    const b = member();
    ticker.add(a, 0);
    ticker.add(b, 1_500);
    ticker.tick(1_999);
    expect([a.got.length, b.got.length]).toEqual([0, 0]);
    ticker.tick(2_000);
    expect([a.got, b.got.length]).toEqual([[SEND_PING], 0]);
    ticker.tick(3_500);
    expect([a.got.length, b.got.length]).toEqual([1, 1]);
    ticker.tick(4_000);
    expect([a.got.length, b.got.length]).toEqual([2, 1]);
    ticker.stop();
  });

  it("runs its one timer only while it has members", () => {
    const ticker = new PingTicker();
    const a = member();
    const b = member();
    expect(ticker.running).toBe(false);
    ticker.add(a);
    ticker.add(b);
    expect([ticker.size, ticker.running]).toEqual([2, true]);
    ticker.delete(a);
    expect([ticker.size, ticker.running]).toEqual([1, true]);
    ticker.delete(b);
    expect([ticker.size, ticker.running]).toEqual([0, false]);
  });

  it("skips pings missed while the event loop was busy instead of bursting", () => {
    expect(nextDue(2_000, 2_000, 2_000)).toBe(4_000);
    expect(nextDue(2_000, 7_100, 2_000)).toBe(8_000);
    const ticker = new PingTicker({ everyMs: 2_000 });
    const a = member();
    ticker.add(a, 0);
    ticker.tick(9_000);
    expect(a.got).toHaveLength(1);
    ticker.stop();
  });
});
