import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineChannel } from "../channel/definition.js";
import { error, ok } from "../channel/results.js";
import type { StopReason } from "../channel/results.js";
import { defineSocket } from "../socket/definition.js";
import { captureLog, channelTest } from "./channel_test.js";
import { settle } from "./mailbox.js";
import type { ChannelTest, TestChannel } from "./channel_test.js";
import { any, like, partial } from "./match.js";

const terminate = vi.fn((_reason: StopReason) => {});

const Room = defineChannel<{ count: number; user?: string }>({
  name: "RoomChannel",
  intercepts: ["filtered"],
  join(_topic, payload, socket) {
    if (payload.deny) return error({ reason: "denied" });
    socket.assign("count", 0);
    return ok({ welcome: true });
  },
  handleIn: {
    ping: () => ok({ ping: "pong" }),
    extra: (_p, s) => s.push("pong", { ping: "pong", extra: true }),
    many: (_p, s) => {
      s.push("a", { n: 1 });
      s.push("b", { n: 2 });
      s.push("a", { n: 3 });
    },
    late: (_p, s) => {
      setTimeout(() => s.push("late", {}), 30);
    },
    boom: () => {
      throw new Error("kaboom");
    },
    shout: (p, s) => {
      void s.broadcast("shout", p);
    },
    incr: (_p, s) => {
      s.assign("count", s.assigns.count + 1);
      return ok({ count: s.assigns.count });
    },
    later: (p, s) => {
      s.sendAfter({ tick: p.n }, 1000);
    },
  },
  handleOut: {
    filtered: (p, s) => s.push("filtered", { ...p, seen: true }),
  },
  handleInfo: (msg, s) => s.push("tick", msg),
  terminate: (reason) => terminate(reason),
});

const UserSocket = defineSocket({
  name: "UserSocket",
  channels: [["room:*", Room]],
  connect(params, socket) {
    if (params.refuse) return false;
    socket.assign({ params });
  },
  id: (socket) => (socket.assigns.params?.user ? `user:${socket.assigns.params.user}` : null),
});

let t: ChannelTest;

/** Bounds a promise so a hang fails fast instead of at the 30 s test timeout. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

beforeEach(() => {
  t = channelTest();
  terminate.mockClear();
});

afterEach(async () => {
  vi.useRealTimers();
  await t.cleanup();
});

async function joined(topic = "room:1", subscribe = true): Promise<TestChannel> {
  const result = subscribe ? await t.subscribeAndJoin(t.socket(UserSocket), topic) : await t.join(t.socket(UserSocket), topic);
  if (!result.ok) throw new Error("join refused");
  return result.channel;
}

describe("joining", () => {
  it("returns the join reply and the channel", async () => {
    const result = await t.subscribeAndJoin(t.socket(UserSocket), "room:1");
    expect(result.ok).toBe(true);
    expect(result.reply).toEqual({ welcome: true });
  });

  it("reports a refused join", async () => {
    expect(await t.join(t.socket(UserSocket), "room:1", { deny: true })).toEqual({ ok: false, reply: { reason: "denied" } });
  });

  it("throws for a topic with no route", async () => {
    await expect(t.join(t.socket(UserSocket), "lobby")).rejects.toThrow(/no channel found/);
  });
});

describe("assertPush / refutePush", () => {
  it("removes the first matching push and leaves the others in order", async () => {
    const channel = await joined();
    t.push(channel, "many");
    expect(await t.assertPush("a", any())).toEqual({ n: 1 });
    expect(t.mailbox.all().map((i) => [(i as { event?: string }).event, i.payload])).toEqual([
      ["b", { n: 2 }],
      ["a", { n: 3 }],
    ]);
    await t.assertPush("a", { n: 3 });
    await t.assertPush("b", { n: 2 });
    expect(t.mailbox.all()).toEqual([]);
  });

  it("compares payloads exactly unless a matcher is given", async () => {
    const channel = await joined();
    t.push(channel, "extra");
    await expect(t.assertPush("pong", { ping: "pong" }, 20)).rejects.toThrow(/expected a push matching/);
    await t.assertPush("pong", partial({ ping: "pong" }));
    t.push(channel, "extra");
    await t.assertPush(
      "pong",
      like((p) => (p as { extra?: boolean }).extra === true),
    );
    t.push(channel, "extra");
    await t.assertPush("pong", { ping: "pong", extra: true });
  });

  it("with timeout 0 succeeds only when the push is already in the mailbox", async () => {
    const channel = await joined();
    t.push(channel, "late");
    await expect(t.assertPush("late", {}, 0)).rejects.toThrow(/within 0ms/);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await t.assertPush("late", {}, 0);
    t.push(channel, "extra");
    await t.assertPush("pong", any(), 0);
  });

  it("refutePush() fails if any push arrives within the timeout", async () => {
    const channel = await joined();
    t.push(channel, "late");
    await expect(t.refutePush()).rejects.toThrow(/expected no push/);
  });

  it("refutePush() passes when nothing is pushed, and ignores replies", async () => {
    const channel = await joined();
    const ref = t.push(channel, "ping");
    const started = Date.now();
    await t.refutePush(undefined, undefined, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await t.assertReply(ref, "ok", { ping: "pong" });
  });

  it("refutePush(event) fails at once when a matching push is already there", async () => {
    const channel = await joined();
    t.push(channel, "many");
    await expect(t.refutePush("b", undefined, 0)).rejects.toThrow(/got/);
    await t.refutePush("c", undefined, 0);
  });
});

describe("assertReply", () => {
  it("matches ref, status and payload", async () => {
    const channel = await joined();
    const ref = t.push(channel, "ping");
    expect(await t.assertReply(ref, "ok", { ping: "pong" })).toEqual({ ping: "pong" });
  });

  it("fails on a status mismatch with a message showing what arrived", async () => {
    const channel = await joined();
    const ref = t.push(channel, "ping");
    const failure = t.assertReply(ref, "error", { ping: "pong" }, 30);
    await expect(failure).rejects.toThrow(/expected a reply matching \{kind: "reply", ref: "\d+", status: "error"/);
    await expect(failure).rejects.toThrow(/status: 'ok'/);
    await t.assertReply(ref, "ok", { ping: "pong" }, 0);
  });

  it("fails on a payload mismatch", async () => {
    const channel = await joined();
    const ref = t.push(channel, "ping");
    await expect(t.assertReply(ref, "ok", {}, 20)).rejects.toThrow(/ping: 'pong'/);
  });
});

describe("broadcasts", () => {
  it("assertBroadcast sees broadcasts only on topics joined with subscribeAndJoin", async () => {
    const plain = await joined("room:plain", false);
    t.push(plain, "shout", { m: 1 });
    await t.assertPush("shout", { m: 1 });
    await expect(t.assertBroadcast("shout", { m: 1 }, 20)).rejects.toThrow(/expected a broadcast/);

    const subscribed = await joined("room:sub");
    t.push(subscribed, "shout", { m: 2 });
    expect(await t.assertBroadcast("shout", { m: 2 })).toEqual({ m: 2 });
    await t.assertPush("shout", { m: 2 });
  });

  it("broadcastFrom skips the test but reaches the channel as a fastlaned push", async () => {
    const channel = await joined();
    await t.broadcastFrom(channel, "news", { x: 1 });
    await t.assertPush("news", { x: 1 });
    await t.refuteBroadcast("news", undefined, 20);
  });

  it("broadcastFrom of an intercepted event runs handleOut", async () => {
    const channel = await joined();
    await t.broadcastFrom(channel, "filtered", { x: 1 });
    await t.assertPush("filtered", { x: 1, seen: true });
    await t.refutePush("filtered", { x: 1 }, 20);
    await t.refuteBroadcast(undefined, undefined, 0);
  });
});

describe("ending channels", () => {
  it("leave replies ok, then closes, then terminates with {shutdown: left}", async () => {
    const channel = await joined();
    const ref = t.leave(channel);
    await t.assertReply(ref, "ok", {});
    await t.assertClose("room:1");
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(terminate).toHaveBeenCalledWith({ shutdown: "left" });
  });

  it("a crashing handleIn is reported by assertCrash", async () => {
    const channel = await joined();
    t.push(channel, "boom");
    await t.assertCrash("room:1");
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(terminate.mock.calls[0][0]).toEqual({ error: expect.any(Error) });
    await expect(t.assertClose("room:1", 20)).rejects.toThrow();
  });

  it("close runs terminate once with {shutdown: closed}, silently", async () => {
    const channel = await joined();
    await within(t.close(channel), 1000, "t.close(channel)");
    await within(t.close(channel), 1000, "a second t.close(channel)");
    expect(terminate).toHaveBeenCalledTimes(1);
    expect(terminate).toHaveBeenCalledWith({ shutdown: "closed" });
    await expect(t.assertClose("room:1", 20)).rejects.toThrow();
    await expect(t.assertCrash("room:1", 0)).rejects.toThrow();
  });

  it("timerCount drops to 0 after close", async () => {
    const channel = await joined();
    t.push(channel, "later", { n: 1 });
    t.push(channel, "later", { n: 2 });
    await t.refutePush(undefined, undefined, 0);
    expect(t.timerCount(channel)).toBe(2);
    void t.close(channel); // awaiting it is covered (and bounded) by the test above
    await settle();
    expect(t.timerCount(channel)).toBe(0);
    expect(terminate).toHaveBeenCalledWith({ shutdown: "closed" });
  });

  it("joining a joined topic again replaces the channel: new reply, then phx_close for the old join", async () => {
    const socket = t.socket(UserSocket);
    const first = await t.join(socket, "room:1");
    if (!first.ok) throw new Error("join refused");
    const second = await within(t.join(socket, "room:1"), 1000, "the duplicate join");
    expect(second.ok).toBe(true);
    await t.assertClose("room:1");
    expect(terminate).toHaveBeenCalledWith({ shutdown: "duplicate_join" });
  });
});

describe("state, timers and logs", () => {
  it("channelState reflects the assigns, starting from the socket's", async () => {
    const result = await t.subscribeAndJoin(t.socket(UserSocket, null, { user: "ann" }), "room:1");
    if (!result.ok) throw new Error("join refused");
    expect(t.channelState(result.channel)).toEqual({ user: "ann", count: 0 });
    const ref = t.push(result.channel, "incr");
    await t.assertReply(ref, "ok", { count: 1 });
    await t.assertReply(t.push(result.channel, "incr"), "ok", { count: 2 });
    expect(t.channelState<{ count: number }>(result.channel).count).toBe(2);
  });

  it("fake timers drive sendAfter", async () => {
    vi.useFakeTimers();
    const channel = await joined();
    t.push(channel, "later", { n: 7 });
    await vi.advanceTimersByTimeAsync(999);
    await t.refutePush("tick", undefined, 0);
    await vi.advanceTimersByTimeAsync(1);
    await t.assertPush("tick", { tick: 7 }, 0);
    expect(t.timerCount(channel)).toBe(0);
  });

  it("captureLog returns [error] lines for a crashing channel", async () => {
    const channel = await joined();
    const log = await captureLog(async () => {
      t.push(channel, "boom");
      await t.assertCrash("room:1");
    });
    expect(log).toMatch(/^\[error\] an exception was raised in RoomChannel\.handleIn\("boom"\) on room:1: kaboom/m);
    expect(log).toContain("Error: kaboom");
  });

  it("captureLog captures nothing outside its callback", async () => {
    const log = await captureLog(() => {});
    expect(log).toBe("");
  });
});

describe("connect", () => {
  it("stringifies params as JSON: a Date becomes a string, undefined keys vanish", async () => {
    const result = await t.connect(UserSocket, { when: new Date(0), gone: undefined, n: 1, nested: { d: new Date(1000) } });
    if (!result.ok) throw new Error("refused");
    const params = result.socket.assigns.params as Record<string, unknown>;
    expect(params).toEqual({ when: "1970-01-01T00:00:00.000Z", n: 1, nested: { d: "1970-01-01T00:00:01.000Z" } });
    expect(Object.hasOwn(params, "gone")).toBe(false);
    expect(result.socket.id).toBeNull();
  });

  it("runs id and reports refusals", async () => {
    const accepted = await t.connect(UserSocket, { user: 42 });
    expect(accepted.ok && accepted.socket.id).toBe("user:42");
    expect(await t.connect(UserSocket, { refuse: true })).toEqual({ ok: false });
  });

  it("a connected socket can join, with its assigns", async () => {
    const accepted = await t.connect(UserSocket, { user: "bo" });
    if (!accepted.ok) throw new Error("refused");
    const result = await t.join(accepted.socket, "room:9");
    if (!result.ok) throw new Error("join refused");
    expect(t.channelState(result.channel)).toEqual({ params: { user: "bo" }, count: 0 });
  });
});
