import { CloseCode } from "../protocol/close.js";
import type { Frame, SharedFrame } from "../protocol/message.js";
import type { Connection } from "../socket/connection.js";
import type { TransportSession } from "../socket/session.js";
import type { Logger } from "../util/log.js";
import { isThenable } from "../util/maybe.js";

/** What a GET gets: the buffered frames, nothing within the window, or the news that the session is gone. */
export type PollOutcome = { status: 200; messages: string[] } | { status: 204 } | { status: 410 };

/** 200 every line was dispatched, 408 one took longer than the window, 410 the session is gone. */
export type DispatchStatus = 200 | 408 | 410;

/** One frame from a POST body: text, or the bytes of a V2 binary frame. */
export type InboundFrame = { binary: false; data: string } | { binary: true; data: Buffer };

export interface SessionLimits {
  windowMs: number;
  maxBufferedMessages: number;
  maxBufferedBytes: number;
}

interface Waiter {
  answer(outcome: PollOutcome): void;
  timer: NodeJS.Timeout;
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
function settlesWithin(promise: PromiseLike<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/**
 * The server half of one long-poll client, Phoenix's LongPoll.Server: it buffers the frames
 * the connection writes until a GET takes them, and feeds POSTed frames to the connection.
 * It knows nothing about HTTP, so a poll relayed from another node is served the same way.
 */
export class LongPollSession implements TransportSession {
  readonly name = "longpoll";
  connection: Connection | undefined;
  /** When a GET last started or finished; the transport's sweep ends sessions nobody polls. */
  lastPoll = Date.now();
  private buffer: string[] = [];
  private bytes = 0;
  private waiter: Waiter | undefined;
  private flushQueued = false;
  private ended = false;
  private warnedBinary = false;
  /** How the transport closes a slow consumer (one log line, one close code for every transport). */
  onSlow: ((connection: Connection, buffered: number, limit: number, unit: "bytes" | "messages") => unknown) | undefined;

  constructor(
    readonly id: string,
    private readonly limits: SessionLimits,
    private readonly logger: Logger,
    private readonly onEnd: (session: LongPollSession) => void,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  bufferedBytes(): number {
    return this.bytes;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** True while nobody has polled for longer than `ms` (a waiting GET counts as polling). */
  idleLongerThan(ms: number, now: number): boolean {
    return this.waiter === undefined && now - this.lastPoll > ms;
  }

  send(frame: Frame): void {
    if (this.ended) return;
    if (frame.binary || typeof frame.data !== "string") {
      // Phoenix's long-poll carries text only; a binary push has no representation in `messages`.
      // Once per session: a binary broadcast would otherwise log once for every long-poll client.
      if (this.warnedBinary) return;
      this.warnedBinary = true;
      this.logger.warn({ session: this.id }, "long-poll: dropping a binary frame (long-poll carries text frames only; use the WebSocket for binary payloads)");
      return;
    }
    this.buffer.push(frame.data);
    this.bytes += Buffer.byteLength(frame.data);
    if (this.buffer.length > this.limits.maxBufferedMessages || this.bytes > this.limits.maxBufferedBytes) {
      this.slowConsumer();
      return;
    }
    if (this.waiter !== undefined && !this.flushQueued) {
      // Frames written in one burst (a join reply and its pushes) go out in one response.
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        if (this.waiter !== undefined && this.buffer.length > 0) this.answerWaiter(this.take());
      });
    }
  }

  sendShared(frame: SharedFrame): void {
    this.send(frame);
  }

  /** Called by the Connection when it closes (disconnect, shutdown, fatal frame). */
  close(_code: number, _reason?: string): void {
    this.end();
  }

  /**
   * A GET: answers at once when frames are buffered, else waits up to the window. A newer GET
   * answers the older one with 204, so one client never holds two. Returns a cancel function
   * for when the requester goes away before the answer.
   */
  poll(answer: (outcome: PollOutcome) => void): () => void {
    this.lastPoll = Date.now();
    if (this.ended) {
      answer({ status: 410 });
      return () => {};
    }
    if (this.waiter !== undefined) this.answerWaiter({ status: 204 });
    if (this.buffer.length > 0) {
      answer(this.take());
      return () => {};
    }
    const waiter: Waiter = {
      answer,
      timer: setTimeout(() => {
        if (this.waiter === waiter) this.answerWaiter({ status: 204 });
      }, this.limits.windowMs),
    };
    this.waiter = waiter;
    return () => {
      if (this.waiter !== waiter) return;
      clearTimeout(waiter.timer);
      this.waiter = undefined;
      this.lastPoll = Date.now();
    };
  }

  /**
   * A POST: hands each frame to the connection in order. Fenix dispatches synchronously, so
   * only a connection whose dispatch returns a promise can exceed the window (→ 408).
   */
  async dispatch(frames: readonly InboundFrame[]): Promise<DispatchStatus> {
    for (const frame of frames) {
      const connection = this.connection;
      if (this.ended || connection === undefined) return 410;
      const result: unknown = connection.handleFrame(frame.data, frame.binary);
      if (isThenable(result) && !(await settlesWithin(result, this.limits.windowMs))) return 408;
    }
    return this.ended ? 410 : 200;
  }

  private take(): PollOutcome {
    const messages = this.buffer;
    this.buffer = [];
    this.bytes = 0;
    return { status: 200, messages };
  }

  private answerWaiter(outcome: PollOutcome): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    this.lastPoll = Date.now();
    waiter.answer(outcome);
  }

  private slowConsumer(): void {
    const byCount = this.buffer.length > this.limits.maxBufferedMessages;
    const buffered = byCount ? this.buffer.length : this.bytes;
    const limit = byCount ? this.limits.maxBufferedMessages : this.limits.maxBufferedBytes;
    const connection = this.connection;
    const onSlow = this.onSlow;
    this.end();
    // We are inside a channel's write; closing the connection from here would re-enter it.
    queueMicrotask(() => {
      if (connection === undefined) return;
      if (onSlow) onSlow(connection, buffered, limit, byCount ? "messages" : "bytes");
      else void connection.close(CloseCode.SLOW_CONSUMER, "slow consumer", { shutdown: "slow_consumer" });
    });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer = [];
    this.bytes = 0;
    // The client holds a token for a session that no longer exists: 410 makes phoenix.js reconnect.
    this.answerWaiter({ status: 410 });
    this.onEnd(this);
  }
}
