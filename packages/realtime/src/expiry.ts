/** A scheduled expiry; `cancel` is idempotent. */
export interface ExpiryHandle {
  cancel(): void;
}

/**
 * One timer for every channel's token expiry: entries sit in slots of `tickMs`, and a single
 * interval (running only while something is scheduled) fires each slot once its time has come.
 * A channel costs a set entry, not a `setTimeout`.
 *
 * @example
 * const wheel = new ExpiryWheel(1000);
 * const handle = wheel.at(claims.exp * 1000, () => socket.send("token_expired"));
 * handle.cancel(); // on refresh or when the channel ends
 */
export class ExpiryWheel {
  private readonly slots = new Map<number, Set<() => void>>();
  private size = 0;
  private swept = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tickMs = 1000,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `fire` at (or within one tick after) `timeMs`, epoch milliseconds. */
  at(timeMs: number, fire: () => void): ExpiryHandle {
    if (this.timer === undefined) {
      this.swept = Math.floor(this.now() / this.tickMs);
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
    const slot = Math.max(this.swept + 1, Math.ceil(timeMs / this.tickMs));
    let entries = this.slots.get(slot);
    if (entries === undefined) this.slots.set(slot, (entries = new Set()));
    entries.add(fire);
    this.size++;
    let live = true;
    return {
      cancel: () => {
        if (!live) return;
        live = false;
        const current = this.slots.get(slot);
        if (current?.delete(fire)) {
          this.size--;
          if (current.size === 0) this.slots.delete(slot);
          if (this.size === 0) this.stop();
        }
      },
    };
  }

  /** Entries scheduled (for tests and metrics). */
  get pending(): number {
    return this.size;
  }

  private sweep(): void {
    const current = Math.floor(this.now() / this.tickMs);
    for (let slot = this.swept + 1; slot <= current; slot++) {
      const entries = this.slots.get(slot);
      if (entries === undefined) continue;
      this.slots.delete(slot);
      this.size -= entries.size;
      for (const fire of entries) {
        try {
          fire();
        } catch (err) {
          this.onError(err);
        }
      }
    }
    this.swept = current;
    if (this.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    this.slots.clear();
    this.size = 0;
  }
}
