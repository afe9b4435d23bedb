// Unit tests of the per-connection limiter, with explicit clock values (milliseconds).
import { describe, expect, it } from "vitest";
import { TokenBucket } from "../util/bucket.js";
import { ConnectionLimiter, resolveLimits } from "./limits.js";

describe("TokenBucket", () => {
  it("starts full: `burst` takes succeed at once, the next one fails", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
  });

  it("refills at `rate` per second, fractions included", () => {
    const bucket = new TokenBucket(10, 3, 0);
    for (let i = 0; i < 3; i++) bucket.take(0);
    expect(bucket.take(50)).toBe(false); // half a token
    expect(bucket.take(100)).toBe(true); // the half from before plus another half
    expect(bucket.take(100)).toBe(false);
    expect(bucket.take(200)).toBe(true);
    expect(bucket.take(200)).toBe(false);
  });

  it("never holds more than `burst` tokens, however long it was idle", () => {
    const bucket = new TokenBucket(10, 3, 0);
    bucket.take(0);
    const later = 60_000;
    expect([bucket.take(later), bucket.take(later), bucket.take(later), bucket.take(later)]).toEqual([true, true, true, false]);
  });

  it("a failed take does not lose the fraction accrued so far", () => {
    const bucket = new TokenBucket(4, 1, 0);
    expect(bucket.take(0)).toBe(true);
    // Quarters of a token (exact in binary floating point) accrue across failed takes.
    for (const t of [62.5, 125, 187.5]) expect(bucket.take(t)).toBe(false);
    expect(bucket.take(250)).toBe(true);
  });
});

describe("resolveLimits", () => {
  it("has the documented defaults", () => {
    expect(resolveLimits()).toEqual({
      messagesPerSecond: 500,
      messageBurst: 1000,
      joinsPerSecond: 20,
      joinBurst: 200,
      maxPayloadBytes: 1_000_000,
      floodThreshold: 1000,
    });
  });

  it("derives the flood threshold from the message rate unless given", () => {
    expect(resolveLimits({ messagesPerSecond: 7 }).floodThreshold).toBe(14);
    expect(resolveLimits({ messagesPerSecond: 7, floodThreshold: 3 }).floodThreshold).toBe(3);
  });

  it("the default join burst lets a reconnect rejoin the default 100 channels", () => {
    expect(resolveLimits().joinBurst).toBeGreaterThanOrEqual(100);
    expect(resolveLimits().messageBurst).toBeGreaterThanOrEqual(100);
  });
});

describe("ConnectionLimiter", () => {
  const limiter = (limits: Parameters<typeof resolveLimits>[0]) => new ConnectionLimiter(resolveLimits(limits), 0);

  it("admits messages up to the burst, then refuses with rate_limited until tokens refill", () => {
    const l = limiter({ messagesPerSecond: 10, messageBurst: 2, floodThreshold: 100 });
    expect([l.check("e", 10, 0), l.check("e", 10, 0), l.check("e", 10, 0)]).toEqual(["ok", "ok", "rate_limited"]);
    expect(l.check("e", 10, 50)).toBe("rate_limited");
    expect(l.check("e", 10, 100)).toBe("ok");
  });

  it("refuses a frame over maxPayloadBytes with payload_too_large, at any rate", () => {
    const l = limiter({ maxPayloadBytes: 100, floodThreshold: 100 });
    expect(l.check("e", 100, 0)).toBe("ok");
    expect(l.check("e", 101, 0)).toBe("payload_too_large");
    expect(l.check("e", 100, 0)).toBe("ok");
  });

  it("limits joins on their own bucket, on top of the message bucket", () => {
    const l = limiter({ messagesPerSecond: 100, messageBurst: 100, joinsPerSecond: 1, joinBurst: 2, floodThreshold: 100 });
    expect([l.check("phx_join", 10, 0), l.check("phx_join", 10, 0), l.check("phx_join", 10, 0)]).toEqual(["ok", "ok", "rate_limited"]);
    // Other events are still admitted while joins are exhausted.
    expect(l.check("new_msg", 10, 0)).toBe("ok");
    expect(l.check("phx_join", 10, 999)).toBe("rate_limited");
    expect(l.check("phx_join", 10, 1000)).toBe("ok");
  });

  it("a join also spends a message token", () => {
    const l = limiter({ messagesPerSecond: 1, messageBurst: 2, joinsPerSecond: 100, joinBurst: 100, floodThreshold: 100 });
    expect([l.check("phx_join", 10, 0), l.check("phx_join", 10, 0), l.check("new_msg", 10, 0)]).toEqual(["ok", "ok", "rate_limited"]);
  });

  it("reports a flood once refusals pass the threshold", () => {
    const l = limiter({ messagesPerSecond: 10, messageBurst: 1, floodThreshold: 3 });
    expect(l.check("e", 10, 0)).toBe("ok");
    expect([l.check("e", 10, 0), l.check("e", 10, 0), l.check("e", 10, 0)]).toEqual(["rate_limited", "rate_limited", "rate_limited"]);
    expect(l.check("e", 10, 0)).toBe("flood");
  });

  it("refusals decay at the message rate, so occasional ones never add up to a flood", () => {
    // Oversized frames do not spend tokens, so only the refusal count moves.
    const l = limiter({ messagesPerSecond: 10, maxPayloadBytes: 10, floodThreshold: 3 });
    for (let i = 0; i < 3; i++) expect(l.check("e", 11, 0)).toBe("payload_too_large"); // excess 3
    expect(l.check("e", 11, 200)).toBe("payload_too_large"); // 3 − 2 + 1 = 2
    expect(l.check("e", 11, 200)).toBe("payload_too_large"); // 3
    expect(l.check("e", 11, 200)).toBe("flood"); // 4 > 3
    // One refusal every 100 ms decays exactly as fast as it accrues.
    const steady = limiter({ messagesPerSecond: 10, maxPayloadBytes: 10, floodThreshold: 3 });
    for (let t = 0; t <= 10_000; t += 100) expect(steady.check("e", 11, t)).toBe("payload_too_large");
  });

  it("the refusal count never goes negative after a long quiet spell", () => {
    const l = limiter({ messagesPerSecond: 10, maxPayloadBytes: 10, floodThreshold: 3 });
    l.check("e", 11, 0);
    for (let i = 0; i < 3; i++) expect(l.check("e", 11, 60_000)).toBe("payload_too_large");
    expect(l.check("e", 11, 60_000)).toBe("flood");
  });
});
