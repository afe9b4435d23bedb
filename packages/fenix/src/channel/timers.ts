import type { TimerRef } from "./types.js";

/**
 * A channel's `sendAfter`/`sendInterval` timers. They deliver into the channel's mailbox and all
 * die with the channel — the BEAM drops a dead process's timers for free; Node must do it by hand.
 */
export class ChannelTimers {
  // Created on first use: most channels never set a timer.
  private handles: Set<NodeJS.Timeout> | undefined;

  start(ms: number, repeat: boolean, fire: () => void): TimerRef {
    // Global timer functions are read at call time, so tests can fake the clock.
    const handles = (this.handles ??= new Set());
    const handle = repeat
      ? setInterval(fire, ms)
      : setTimeout(() => {
          handles.delete(handle);
          fire();
        }, ms);
    handles.add(handle);
    return handle as unknown as TimerRef;
  }

  cancel(timer: TimerRef): void {
    const handle = timer as unknown as NodeJS.Timeout;
    if (handle && this.handles?.delete(handle)) clearTimeout(handle);
  }

  clear(): void {
    if (this.handles === undefined) return;
    for (const handle of this.handles) clearTimeout(handle);
    this.handles.clear();
  }

  get size(): number {
    return this.handles?.size ?? 0;
  }
}
