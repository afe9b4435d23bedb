import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IdleWheel } from "./idle.js";
import type { IdleTarget } from "./idle.js";

const target = () => ({ seen: false as boolean, idleTicks: 0, onIdle: vi.fn<() => void>() }) satisfies IdleTarget;

describe("IdleWheel", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps a target alive while it keeps being touched", () => {
    const wheel = new IdleWheel(1000);
    const t = target();
    wheel.add(t);
    for (let i = 0; i < 40; i++) {
      vi.advanceTimersByTime(200);
      t.seen = true;
    }
    expect(t.onIdle).not.toHaveBeenCalled();
    expect(wheel.size).toBe(1);
    wheel.delete(t);
  });

  it("closes an untouched target between timeout and 1.25 × timeout", () => {
    const wheel = new IdleWheel(1000);
    const t = target();
    wheel.add(t);
    vi.advanceTimersByTime(999);
    expect(t.onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(251);
    expect(t.onIdle).toHaveBeenCalledTimes(1);
    expect(wheel.size).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(t.onIdle).toHaveBeenCalledTimes(1);
  });

  it("measures the idle time from the last touch", () => {
    const wheel = new IdleWheel(1000);
    const t = target();
    wheel.add(t);
    vi.advanceTimersByTime(2000);
    expect(t.onIdle).toHaveBeenCalledTimes(1);
    const u = target();
    wheel.add(u);
    vi.advanceTimersByTime(700);
    u.seen = true; // last frame at t0 + 700
    vi.advanceTimersByTime(999);
    expect(u.onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(251 + 250); // worst case: touched right after a tick
    expect(u.onIdle).toHaveBeenCalledTimes(1);
  });

  it("only closes the idle one of several targets", () => {
    const wheel = new IdleWheel(400);
    const busy = target();
    const idle = target();
    wheel.add(busy);
    wheel.add(idle);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(100);
      busy.seen = true;
    }
    expect(idle.onIdle).toHaveBeenCalledTimes(1);
    expect(busy.onIdle).not.toHaveBeenCalled();
    expect(wheel.size).toBe(1);
    wheel.delete(busy);
  });

  it("never calls onIdle after delete", () => {
    const wheel = new IdleWheel(1000);
    const t = target();
    const other = target();
    wheel.add(t);
    wheel.add(other);
    wheel.delete(t);
    vi.advanceTimersByTime(5000);
    expect(t.onIdle).not.toHaveBeenCalled();
    expect(other.onIdle).toHaveBeenCalledTimes(1);
  });

  it("runs one interval while it has targets and clears it when empty", () => {
    expect(vi.getTimerCount()).toBe(0);
    const wheel = new IdleWheel(1000);
    const a = target();
    const b = target();
    wheel.add(a);
    wheel.add(b);
    expect(vi.getTimerCount()).toBe(1);
    wheel.delete(a);
    expect(vi.getTimerCount()).toBe(1);
    wheel.delete(b);
    expect(vi.getTimerCount()).toBe(0);
    wheel.add(a);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1250);
    expect(a.onIdle).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("add resets a target's state", () => {
    const wheel = new IdleWheel(1000);
    const t = target();
    t.idleTicks = 99;
    wheel.add(t);
    expect(t.seen).toBe(true);
    expect(t.idleTicks).toBe(0);
    wheel.delete(t);
  });
});
