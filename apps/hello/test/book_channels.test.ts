// The book's chapter 5 ExUnit tests (UserSocketTest, AuthSocketTest, WildcardChannelTest,
// DedupeChannelTest), ported to fenix/testing.
import { sign } from "fenix";
import { captureLog, channelTest } from "fenix/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TOKEN_SALT, UserSocket, authSocket, createHelloApp } from "../src/app.js";

const SECRET = "hello-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz";
const endpoint = createHelloApp({ secretKeyBase: SECRET, apiKey: "k" });
const AuthSocket = authSocket(5_000);

function generateToken(id: unknown, salt = TOKEN_SALT): string {
  return sign(SECRET, salt, id);
}

describe("UserSocket", () => {
  it("can be connected to without parameters", async () => {
    const t = channelTest({ endpoint });
    const result = await t.connect(UserSocket, {});
    expect(result.ok).toBe(true);
  });

  it("provides no identifier", async () => {
    const t = channelTest({ endpoint });
    const result = await t.connect(UserSocket, {});
    if (!result.ok) throw new Error("connect failed");
    expect(result.socket.id).toBeNull();
  });
});

describe("AuthSocket", () => {
  it("can be connected to with a valid token, for any user", async () => {
    const t = channelTest({ endpoint });
    expect((await t.connect(AuthSocket, { token: generateToken(1) })).ok).toBe(true);
    expect((await t.connect(AuthSocket, { token: generateToken(2) })).ok).toBe(true);
  });

  it("cannot be connected to with an invalid salt", async () => {
    const t = channelTest({ endpoint });
    let result: Awaited<ReturnType<typeof t.connect>> | undefined;
    const log = await captureLog(async () => {
      result = await t.connect(AuthSocket, { token: generateToken(1, "invalid") });
    });
    expect(result?.ok).toBe(false);
    expect(log).toContain("[error] AuthSocket connect error :invalid");
  });

  it("cannot be connected to without a token", async () => {
    const t = channelTest({ endpoint });
    let result: Awaited<ReturnType<typeof t.connect>> | undefined;
    const log = await captureLog(async () => {
      result = await t.connect(AuthSocket, {});
    });
    expect(result?.ok).toBe(false);
    expect(log).toContain("[error] AuthSocket connect error missing params");
  });

  it("cannot be connected to with a nonsense token", async () => {
    const t = channelTest({ endpoint });
    let result: Awaited<ReturnType<typeof t.connect>> | undefined;
    const log = await captureLog(async () => {
      result = await t.connect(AuthSocket, { token: "nonsense" });
    });
    expect(result?.ok).toBe(false);
    expect(log).toContain("[error] AuthSocket connect error :invalid");
  });

  it("identifies the socket by the connected user", async () => {
    const t = channelTest({ endpoint });
    const one = await t.connect(AuthSocket, { token: generateToken(1) });
    const two = await t.connect(AuthSocket, { token: generateToken(2) });
    if (!one.ok || !two.ok) throw new Error("connect failed");
    expect(one.socket.id).toBe("auth_socket:1");
    expect(two.socket.id).toBe("auth_socket:2");
    expect(two.socket.assigns).toEqual({ user_id: 2 });
  });
});

describe("WildcardChannel", () => {
  it("joins when the second number is twice the first", async () => {
    const t = channelTest({ endpoint });
    expect((await t.subscribeAndJoin(t.socket(UserSocket), "wild:2:4")).ok).toBe(true);
    expect((await t.subscribeAndJoin(t.socket(UserSocket), "wild:100:200")).ok).toBe(true);
  });

  it("refuses other numbers with exactly {}", async () => {
    const t = channelTest({ endpoint });
    expect(await t.subscribeAndJoin(t.socket(UserSocket), "wild:1:3")).toStrictEqual({ ok: false, reply: {} });
    expect(await t.subscribeAndJoin(t.socket(UserSocket), "wild:1:2:3")).toStrictEqual({ ok: false, reply: {} });
  });

  it("logs an exception and refuses the join for non-numbers", async () => {
    const t = channelTest({ endpoint });
    let result: unknown;
    const log = await captureLog(async () => {
      result = await t.subscribeAndJoin(t.socket(UserSocket), "wild:invalid");
    });
    expect(log).toContain("[error] an exception was raised");
    expect(result).toStrictEqual({ ok: false, reply: { reason: "join crashed" } });
  });

  it("replies to ping with exactly {ping: pong}", async () => {
    const t = channelTest({ endpoint });
    const joined = await t.subscribeAndJoin(t.socket(UserSocket), "wild:2:4");
    if (!joined.ok) throw new Error("join failed");
    const ref = t.push(joined.channel, "ping", {});
    await t.assertReply(ref, "ok", { ping: "pong" });
    await expect(t.assertReply(t.push(joined.channel, "ping", {}), "ok", { ping: "pong", extra: true })).rejects.toThrow(/expected a reply/);
  });
});

describe("DedupeChannel", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function joinDupe() {
    const t = channelTest({ endpoint });
    const joined = await t.subscribeAndJoin(t.socket(UserSocket), "dupe", {});
    if (!joined.ok) throw new Error("join failed");
    return { t, channel: joined.channel };
  }

  it("maintains a buffer as numbers are broadcast", async () => {
    const { t, channel } = await joinDupe();
    await t.broadcastFrom(channel, "number", { number: 1 });
    expect(t.channelState(channel)).toStrictEqual({ awaiting_buffer: true, buffer: [1] });
    await t.broadcastFrom(channel, "number", { number: 1 });
    expect(t.channelState(channel)).toStrictEqual({ awaiting_buffer: true, buffer: [1, 1] });
    await t.broadcastFrom(channel, "number", { number: 2 });
    expect(t.channelState(channel)).toStrictEqual({ awaiting_buffer: true, buffer: [2, 1, 1] });
    await t.refutePush();
    await t.cleanup();
  });

  it("drains the buffer one second after a number is first added", async () => {
    vi.useFakeTimers();
    const { t, channel } = await joinDupe();
    for (const n of [1, 1, 2]) await t.broadcastFrom(channel, "number", { number: n });
    await vi.advanceTimersByTimeAsync(1_000);
    await t.assertPush("number", { value: 1 }, 0);
    await t.refutePush("number", { value: 1 }, 0);
    await t.assertPush("number", { value: 2 }, 0);
    await t.cleanup();
  });

  it("drains unique values in first-seen order", async () => {
    vi.useFakeTimers();
    const { t, channel } = await joinDupe();
    for (const n of [1, 2, 3, 2]) await t.broadcastFrom(channel, "number", { number: n });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.mailbox.all()).toStrictEqual([
      { kind: "push", topic: "dupe", event: "number", payload: { value: 1 }, joinRef: channel.joinRef },
      { kind: "push", topic: "dupe", event: "number", payload: { value: 2 }, joinRef: channel.joinRef },
      { kind: "push", topic: "dupe", event: "number", payload: { value: 3 }, joinRef: channel.joinRef },
    ]);
    await t.cleanup();
  });
});
