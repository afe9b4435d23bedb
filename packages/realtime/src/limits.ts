/**
 * The limits a public deployment needs, with their defaults. Every one is answered the way
 * realtime-js understands — a `system` event with `status: "error"` (and an error reply to an
 * acknowledged push) — never by a silent drop. None of them closes the channel: the client
 * backs off instead of reconnecting into the same wall.
 */
export interface RealtimeLimits {
  /** Presence `track`/`untrack` pushes per client and channel in each window (default 5, Supabase's). */
  presenceEventsPerWindow?: number;
  /** The presence window in ms (default 30 000). */
  presenceWindowMs?: number;
  /** Broadcast pushes per second on one channel of one client (default 100). */
  broadcastsPerSecond?: number;
  /** How many broadcasts may come at once before the rate applies (default: `broadcastsPerSecond`). */
  broadcastBurst?: number;
  /** Largest broadcast payload or presence meta, in bytes (default 262 144: 256 KiB). */
  maxPayloadBytes?: number;
  /** Channels one connection may join (default 100). */
  channelsPerConnection?: number;
  /** Largest HTTP broadcast request body, in bytes (default 1 MiB). */
  maxHttpBodyBytes?: number;
}

export type ResolvedLimits = Required<RealtimeLimits>;

export function resolveLimits(limits: RealtimeLimits = {}): ResolvedLimits {
  const broadcastsPerSecond = limits.broadcastsPerSecond ?? 100;
  return {
    presenceEventsPerWindow: limits.presenceEventsPerWindow ?? 5,
    presenceWindowMs: limits.presenceWindowMs ?? 30_000,
    broadcastsPerSecond,
    broadcastBurst: limits.broadcastBurst ?? broadcastsPerSecond,
    maxPayloadBytes: limits.maxPayloadBytes ?? 262_144,
    channelsPerConnection: limits.channelsPerConnection ?? 100,
    maxHttpBodyBytes: limits.maxHttpBodyBytes ?? 1_048_576,
  };
}

/** A token bucket: `rate` per second, holding at most `burst`. */
export interface Bucket {
  tokens: number;
  at: number;
}

export function takeToken(bucket: Bucket, rate: number, burst: number, now: number): boolean {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/** A fixed window counter, as Supabase counts presence events per client. */
export interface Window {
  count: number;
  resetAt: number;
}

export function countInWindow(window: Window, max: number, windowMs: number, now: number): boolean {
  if (now >= window.resetAt) {
    window.count = 0;
    window.resetAt = now + windowMs;
  }
  if (window.count >= max) return false;
  window.count += 1;
  return true;
}
