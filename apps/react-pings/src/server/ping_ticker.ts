/** Anything that can be told to send its next ping: a channel's socket (`socket.send`). */
export interface PingMember {
  send(message: unknown): void;
}

/** The message a member receives when its ping is due. */
export const SEND_PING = "send_ping";

export interface PingTickerOptions {
  /** Time between two pings of one member (the book's 2 s). */
  everyMs?: number;
  /** How often the shared timer looks for due members; a ping is late by at most this. */
  tickMs?: number;
}

/**
 * One shared timer for every joined ping channel, instead of one timer per channel: each member is
 * due `everyMs` after its previous ping, the timer runs only while there are members, and removing
 * the last member stops it.
 *
 * @example
 * const ticker = new PingTicker({ everyMs: 2_000 });
 * ticker.add(socket);      // socket.send("send_ping") every 2 s
 * ticker.delete(socket);   // on leave or close
 */
export class PingTicker {
  readonly everyMs: number;
  readonly tickMs: number;
  private readonly due = new Map<PingMember, number>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: PingTickerOptions = {}) {
    this.everyMs = options.everyMs ?? 2_000;
    this.tickMs = options.tickMs ?? 100;
  }

  /** Members with a running ping schedule. */
  get size(): number {
    return this.due.size;
  }

  /** Whether the shared timer is running. */
  get running(): boolean {
    return this.timer !== null;
  }

  /** Schedules `member`'s next ping `everyMs` from `now` (the join's own ping is sent by the channel). */
  add(member: PingMember, now = Date.now()): void {
    this.due.set(member, now + this.everyMs);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(Date.now()), this.tickMs);
      this.timer.unref();
    }
  }

  delete(member: PingMember): void {
    this.due.delete(member);
    if (this.due.size === 0) this.stop();
  }

  /** Sends `SEND_PING` to every member due at `now` and reschedules it. */
  tick(now: number): void {
    for (const [member, at] of this.due) {
      if (at > now) continue;
      this.due.set(member, nextDue(at, now, this.everyMs));
      member.send(SEND_PING);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The next due time after `now` on the `at + k·every` grid, skipping pings missed while the loop was busy. */
export function nextDue(at: number, now: number, every: number): number {
  return at + every * (Math.floor((now - at) / every) + 1);
}
