/** Something that can be closed for inactivity. */
export interface IdleTarget {
  /** Set by the transport on every inbound frame; cleared by the sweeper. */
  seen: boolean;
  idleTicks: number;
  onIdle(): void;
}

const TICKS_PER_TIMEOUT = 4;

/**
 * One timer per timeout value serves every connection: each tick, a connection that saw no
 * frame since the last tick ages by one; after a timeout's worth of ticks it is closed. A
 * connection is thus closed between `timeout` and `timeout × 1.25` after its last frame.
 */
export class IdleWheel {
  private readonly targets = new Set<IdleTarget>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  add(target: IdleTarget): void {
    target.seen = true;
    target.idleTicks = 0;
    this.targets.add(target);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), Math.max(5, Math.floor(this.timeoutMs / TICKS_PER_TIMEOUT)));
      this.timer.unref();
    }
  }

  delete(target: IdleTarget): void {
    this.targets.delete(target);
    if (this.targets.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.targets.size;
  }

  private tick(): void {
    for (const target of this.targets) {
      if (target.seen) {
        target.seen = false;
        target.idleTicks = 0;
      } else if (++target.idleTicks >= TICKS_PER_TIMEOUT) {
        this.delete(target);
        target.onIdle();
      }
    }
  }
}
