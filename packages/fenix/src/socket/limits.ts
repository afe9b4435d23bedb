/** Per-connection limits. Every value is per connection; see the README's limits table. */
export interface ConnectionLimits {
  /** Sustained inbound messages per second (default 500); heartbeats are exempt. */
  messagesPerSecond?: number;
  /** Messages allowed in a burst above the rate (default 1000). */
  messageBurst?: number;
  /** Sustained joins per second (default 20). */
  joinsPerSecond?: number;
  /** Joins allowed in a burst, e.g. a reconnect rejoining every channel (default 200: twice the default maxChannels). */
  joinBurst?: number;
  /** Largest inbound frame whose event is handled, in bytes (default 1 000 000); larger → `payload_too_large`. */
  maxPayloadBytes?: number;
  /** Refused messages (decaying at the message rate) after which the connection is closed with 1008 (default 2 × messagesPerSecond). */
  floodThreshold?: number;
}

export type ResolvedLimits = Required<ConnectionLimits>;

export function resolveLimits(limits: ConnectionLimits = {}): ResolvedLimits {
  const messagesPerSecond = limits.messagesPerSecond ?? 500;
  return {
    messagesPerSecond,
    messageBurst: limits.messageBurst ?? 1000,
    joinsPerSecond: limits.joinsPerSecond ?? 20,
    joinBurst: limits.joinBurst ?? 200,
    maxPayloadBytes: limits.maxPayloadBytes ?? 1_000_000,
    floodThreshold: limits.floodThreshold ?? 2 * messagesPerSecond,
  };
}

export type Verdict = "ok" | "rate_limited" | "payload_too_large" | "flood";

/**
 * Decides, message by message, whether a connection is within its limits. A refusal is answered
 * with an error reply; refusals that keep coming faster than they decay mean a flood.
 */
export class ConnectionLimiter {
  // Two token buckets kept as plain fields (not bucket objects): one of these lives per connection.
  private messageTokens: number;
  private joinTokens: number;
  private refilledAt: number;
  private excess = 0;
  private excessAt: number;

  constructor(
    readonly limits: ResolvedLimits,
    now = performance.now(),
  ) {
    this.messageTokens = limits.messageBurst;
    this.joinTokens = limits.joinBurst;
    this.refilledAt = now;
    this.excessAt = now;
  }

  check(event: string, bytes: number, now = performance.now()): Verdict {
    const { limits } = this;
    const elapsed = (now - this.refilledAt) / 1000;
    this.refilledAt = now;
    this.messageTokens = Math.min(limits.messageBurst, this.messageTokens + elapsed * limits.messagesPerSecond);
    this.joinTokens = Math.min(limits.joinBurst, this.joinTokens + elapsed * limits.joinsPerSecond);
    let verdict: Verdict = "ok";
    if (bytes > limits.maxPayloadBytes) verdict = "payload_too_large";
    else if (this.messageTokens < 1) verdict = "rate_limited";
    else {
      this.messageTokens -= 1;
      if (event === "phx_join") {
        if (this.joinTokens < 1) verdict = "rate_limited";
        else this.joinTokens -= 1;
      }
    }
    if (verdict === "ok") return verdict;
    this.excess = Math.max(0, this.excess - ((now - this.excessAt) / 1000) * limits.messagesPerSecond) + 1;
    this.excessAt = now;
    return this.excess > limits.floodThreshold ? "flood" : verdict;
  }
}
