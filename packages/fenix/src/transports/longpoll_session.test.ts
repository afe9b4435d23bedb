import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../util/log.js";
import type { Connection } from "../socket/connection.js";
import { LongPollSession } from "./longpoll_session.js";
import type { PollOutcome } from "./longpoll_session.js";

const logger = createLogger({ level: "silent" });
const text = (data: string) => ({ data, binary: false });

function fakeConnection(handleFrame: (data: string | Buffer, binary: boolean) => unknown = () => {}) {
  return { handleFrame: vi.fn(handleFrame), close: vi.fn() };
}

function session(limits: Partial<{ windowMs: number; maxBufferedMessages: number; maxBufferedBytes: number }> = {}) {
  const ended: LongPollSession[] = [];
  const s = new LongPollSession("sid", { windowMs: 1_000, maxBufferedMessages: 10, maxBufferedBytes: 10_000, ...limits }, logger, (x) => ended.push(x));
  const connection = fakeConnection();
  s.connection = connection as unknown as Connection;
  return { s, ended, connection };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("LongPollSession polls", () => {
  it("answers at once with everything buffered, in order", () => {
    const { s } = session();
    s.send(text("a"));
    s.sendShared(text("b"));
    const got: PollOutcome[] = [];
    s.poll((o) => got.push(o));
    expect(got).toStrictEqual([{ status: 200, messages: ["a", "b"] }]);
    expect(s.buffered).toBe(0);
  });

  it("waits for a burst and answers it in one response, or 204 after the window", async () => {
    const { s } = session();
    const got: PollOutcome[] = [];
    s.poll((o) => got.push(o));
    s.send(text("a"));
    s.send(text("b"));
    expect(got).toStrictEqual([]);
    await vi.advanceTimersToNextTimerAsync();
    expect(got).toStrictEqual([{ status: 200, messages: ["a", "b"] }]);
    s.poll((o) => got.push(o));
    vi.advanceTimersByTime(1_000);
    expect(got.at(-1)).toStrictEqual({ status: 204 });
  });

  it("a newer poll answers the older with 204; a cancelled poll gets nothing", () => {
    const { s } = session();
    const first: PollOutcome[] = [];
    const second: PollOutcome[] = [];
    s.poll((o) => first.push(o));
    const cancel = s.poll((o) => second.push(o));
    expect(first).toStrictEqual([{ status: 204 }]);
    cancel();
    vi.advanceTimersByTime(5_000);
    expect(second).toStrictEqual([]);
  });

  it("counts a waiting poll as activity", () => {
    const { s } = session();
    s.poll(() => {});
    vi.advanceTimersByTime(900);
    expect(s.idleLongerThan(500, Date.now())).toBe(false);
    vi.advanceTimersByTime(200); // the poll ended with 204 at 1000 ms
    expect(s.idleLongerThan(500, Date.now())).toBe(false);
    vi.advanceTimersByTime(500);
    expect(s.idleLongerThan(500, Date.now())).toBe(true);
  });

  it("drops binary frames and keeps going", () => {
    const { s } = session();
    s.send({ data: new Uint8Array([1]), binary: true });
    expect(s.buffered).toBe(0);
    expect(s.isEnded).toBe(false);
  });
});

describe("LongPollSession limits and ending", () => {
  it("ends as a slow consumer past maxBufferedMessages, closing the connection after the write", async () => {
    const { s, ended, connection } = session({ maxBufferedMessages: 2 });
    s.send(text("1"));
    s.send(text("2"));
    expect(s.isEnded).toBe(false);
    s.send(text("3"));
    expect(s.isEnded).toBe(true);
    expect(ended).toStrictEqual([s]);
    expect(connection.close).not.toHaveBeenCalled();
    await Promise.resolve();
    // 4008, the one slow-consumer close code every transport uses.
    expect(connection.close).toHaveBeenCalledWith(4008, "slow consumer", { shutdown: "slow_consumer" });
    const got: PollOutcome[] = [];
    s.poll((o) => got.push(o));
    expect(got).toStrictEqual([{ status: 410 }]);
  });

  it("ends as a slow consumer past maxBufferedBytes (UTF-8 bytes)", () => {
    const { s } = session({ maxBufferedBytes: 5 });
    s.send(text("éé"));
    expect(s.isEnded).toBe(false);
    s.send(text("é"));
    expect(s.isEnded).toBe(true);
  });

  it("close() answers a waiting poll with 410 and ends once", () => {
    const { s, ended } = session();
    const got: PollOutcome[] = [];
    s.poll((o) => got.push(o));
    s.close(1001);
    s.close(1001);
    expect(got).toStrictEqual([{ status: 410 }]);
    expect(ended).toHaveLength(1);
  });
});

describe("LongPollSession dispatch", () => {
  it("hands every frame to the connection in order", async () => {
    const { s, connection } = session();
    expect(
      await s.dispatch([
        { binary: false, data: "a" },
        { binary: true, data: Buffer.from([1]) },
      ]),
    ).toBe(200);
    expect(connection.handleFrame.mock.calls).toStrictEqual([
      ["a", false],
      [Buffer.from([1]), true],
    ]);
  });

  it("408 when an asynchronous dispatch outlasts the window; later frames are not dispatched", async () => {
    const { s } = session();
    const connection = fakeConnection(() => new Promise(() => {}));
    s.connection = connection as unknown as Connection;
    const status = s.dispatch([
      { binary: false, data: "a" },
      { binary: false, data: "b" },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await status).toBe(408);
    expect(connection.handleFrame).toHaveBeenCalledTimes(1);
  });

  it("410 when the session ends during or before dispatch", async () => {
    const { s } = session();
    s.connection = fakeConnection(() => s.close(1011)) as unknown as Connection;
    expect(await s.dispatch([{ binary: false, data: "x" }])).toBe(410);
    expect(await s.dispatch([{ binary: false, data: "y" }])).toBe(410);
  });
});
