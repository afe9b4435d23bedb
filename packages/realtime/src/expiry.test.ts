import { afterEach, describe, expect, it, vi } from "vitest";
import { ExpiryWheel } from "./expiry.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("ExpiryWheel", () => {
  it("fires each entry once its slot has passed, with one interval for all", async () => {
    vi.useFakeTimers({ now: 10_000 });
    const wheel = new ExpiryWheel(1000);
    const fired: string[] = [];
    wheel.at(11_500, () => fired.push("a"));
    wheel.at(12_000, () => fired.push("b"));
    const c = wheel.at(13_000, () => fired.push("c"));
    wheel.at(5_000, () => fired.push("past"));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toEqual(["past"]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toEqual(["past", "a", "b"]);
    c.cancel();
    c.cancel();
    expect(wheel.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fired).toEqual(["past", "a", "b"]);
  });

  it("keeps sweeping after a callback throws", async () => {
    vi.useFakeTimers({ now: 0 });
    const errors: unknown[] = [];
    const wheel = new ExpiryWheel(100, (err) => errors.push(err));
    const fired: number[] = [];
    wheel.at(100, () => {
      throw new Error("boom");
    });
    wheel.at(100, () => fired.push(1));
    await vi.advanceTimersByTimeAsync(200);
    expect(fired).toEqual([1]);
    expect(errors).toHaveLength(1);
    wheel.close();
  });
});
