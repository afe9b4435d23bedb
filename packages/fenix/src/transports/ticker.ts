/**
 * One interval per period serves every transport duty that repeats — idle sweeps, SSE
 * keep-alives, long-poll inactivity — for every connection in the process: never a timer per
 * connection. A group runs on its period's interval only while it has targets.
 */
export class TickGroup<T> {
  private readonly targets = new Set<T>();
  private joined = false;

  constructor(
    readonly periodMs: number,
    private readonly onTick: (targets: Set<T>) => void,
  ) {}

  add(target: T): void {
    this.targets.add(target);
    if (!this.joined) {
      this.joined = true;
      clock(this.periodMs).add(this as TickGroup<unknown>);
    }
  }

  delete(target: T): void {
    this.targets.delete(target);
    if (this.targets.size === 0) this.leave();
  }

  /** Stops ticking and forgets every target. */
  clear(): void {
    this.targets.clear();
    this.leave();
  }

  get size(): number {
    return this.targets.size;
  }

  /** Whether this group is on a running interval. */
  get running(): boolean {
    return this.joined;
  }

  /** @internal */
  tick(): void {
    if (this.targets.size > 0) this.onTick(this.targets);
  }

  private leave(): void {
    if (!this.joined) return;
    this.joined = false;
    clock(this.periodMs).delete(this as TickGroup<unknown>);
  }
}

class Clock {
  private readonly groups = new Set<TickGroup<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {}

  add(group: TickGroup<unknown>): void {
    this.groups.add(group);
    if (this.timer === undefined) {
      // Global timer functions are read at call time, so tests can fake the clock.
      this.timer = setInterval(() => {
        for (const g of this.groups) g.tick();
      }, this.periodMs);
      this.timer.unref();
    }
  }

  delete(group: TickGroup<unknown>): void {
    this.groups.delete(group);
    if (this.groups.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

const clocks = new Map<number, Clock>();

function clock(periodMs: number): Clock {
  let c = clocks.get(periodMs);
  if (c === undefined) {
    c = new Clock(periodMs);
    clocks.set(periodMs, c);
  }
  return c;
}
