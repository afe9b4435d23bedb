import { TickGroup } from "./ticker.js";

/** Something that can be closed for inactivity. */
export interface IdleTarget {
  /** Set by the transport on every inbound frame; cleared by the sweeper. */
  seen: boolean;
  idleTicks: number;
  onIdle(): void;
}

const TICKS_PER_TIMEOUT = 4;

/**
 * Closes connections that went quiet, on the shared ticker: each tick, a connection that saw no
 * frame since the last tick ages by one; after a timeout's worth of ticks it is closed. A
 * connection is thus closed between `timeout` and `timeout × 1.25` after its last frame.
 */
export class IdleWheel {
  private readonly group: TickGroup<IdleTarget>;

  constructor(readonly timeoutMs: number) {
    this.group = new TickGroup(Math.max(5, Math.floor(timeoutMs / TICKS_PER_TIMEOUT)), (targets) => {
      for (const target of targets) {
        if (target.seen) {
          target.seen = false;
          target.idleTicks = 0;
        } else if (++target.idleTicks >= TICKS_PER_TIMEOUT) {
          this.delete(target);
          target.onIdle();
        }
      }
    });
  }

  add(target: IdleTarget): void {
    target.seen = true;
    target.idleTicks = 0;
    this.group.add(target);
  }

  delete(target: IdleTarget): void {
    this.group.delete(target);
  }

  get size(): number {
    return this.group.size;
  }
}
