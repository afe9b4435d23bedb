import { type Logger, defaultLogger } from "../util/log.js";
import type { MaybePromise } from "../util/maybe.js";

/** One item as a worker sees it; `enqueuedAt` (ms since the epoch) only for `pushTimed`. */
export interface PipelineEvent<T> {
  item: T;
  enqueuedAt?: number;
}

export interface PipelineOptions<T> {
  /** Handles one item. Runs at most `maxDemand` at once; a throw or rejection is logged and the item dropped. */
  worker: (event: PipelineEvent<T>) => MaybePromise<void>;
  /** Items handled at the same time (the book's ConsumerSupervisor `max_demand`), default 10. */
  maxDemand?: number;
  /** Items waiting for a worker, default 10,000; past it the oldest are dropped. */
  bufferSize?: number;
  /** Called with each item's worker time (ms), e.g. to record `pipeline.worker.process_time`. */
  onProcessed?: (durationMs: number, event: PipelineEvent<T>) => void;
  logger?: Logger;
  /** For log lines, default "pipeline". */
  name?: string;
}

/**
 * The book's data pipeline (GenStage producer + ConsumerSupervisor) in one small class: `push`
 * is synchronous and cheap for the caller, items wait in a bounded FIFO, and at most `maxDemand`
 * workers run at once, a new one starting as soon as one finishes. Order is kept when items
 * start; items running at the same time may finish in any order. On overflow the oldest waiting
 * items are dropped (GenStage's `buffer_keep: :last`), logged once per burst. Everything is in
 * memory: a crash loses what was waiting (a durable source such as pg-boss or BullMQ is the
 * upgrade path). Workers share one thread: the concurrency helps I/O-bound work; CPU-bound work
 * belongs in a worker pool (piscina).
 *
 * @example
 * const pipeline = new Pipeline<{ userId: number; data: object }>({
 *   maxDemand: 10,
 *   worker: ({ item, enqueuedAt }) => endpoint.broadcast(`user:${item.userId}`, "push_timed", { data: item.data, at: enqueuedAt }),
 * });
 * pipeline.pushTimed({ userId: 1, data: { n: 1 } });
 */
export class Pipeline<T> {
  readonly maxDemand: number;
  readonly bufferSize: number;
  private readonly worker: PipelineOptions<T>["worker"];
  private readonly onProcessed: PipelineOptions<T>["onProcessed"];
  private readonly logger: Logger;
  private readonly name: string;
  // A FIFO as an array with a moving head: O(1) push and take, compacted as it drains.
  private queue: (PipelineEvent<T> | undefined)[] = [];
  private head = 0;
  private active = 0;
  private scheduled = false;
  private stopped = false;
  private droppedInBurst = 0;
  private idleWaiters: (() => void)[] = [];
  /** Items dropped on overflow since the start. */
  dropped = 0;
  /** Items whose worker threw or rejected. */
  failed = 0;
  /** Items whose worker finished. */
  processed = 0;

  constructor(options: PipelineOptions<T>) {
    this.maxDemand = options.maxDemand ?? 10;
    this.bufferSize = options.bufferSize ?? 10_000;
    if (!Number.isInteger(this.maxDemand) || this.maxDemand < 1) throw new Error(`maxDemand must be a positive integer, got ${options.maxDemand}`);
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1) throw new Error(`bufferSize must be a positive integer, got ${options.bufferSize}`);
    this.worker = options.worker;
    this.onProcessed = options.onProcessed;
    this.logger = options.logger ?? defaultLogger();
    this.name = options.name ?? "pipeline";
  }

  /** Enqueues an item (fire and forget). */
  push(item: T): void {
    this.enqueue({ item });
  }

  /**
   * Enqueues an item stamped with `Date.now()` here, in the caller: the time spent waiting in the
   * pipeline is part of what a delivery measurement should see. Wall-clock time, because the item
   * may be delivered on another node.
   */
  pushTimed(item: T): void {
    this.enqueue({ item, enqueuedAt: Date.now() });
  }

  /** Items waiting for a worker. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  /** Workers running now. */
  get running(): number {
    return this.active;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.buffered === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new items and drops what is waiting; resolves when the running workers have finished. */
  stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    return this.idle();
  }

  private enqueue(event: PipelineEvent<T>): void {
    if (this.stopped) {
      this.logger.warn(`${this.name}: stopped, dropping an item`);
      return;
    }
    if (this.buffered >= this.bufferSize) {
      this.head++;
      this.dropped++;
      if (this.droppedInBurst++ === 0) this.logger.warn(`${this.name}: buffer full (${this.bufferSize} items): dropping the oldest items until it drains`);
    }
    this.queue.push(event);
    // Workers start after the caller's turn, as a cast would: pushing never runs a worker inline.
    if (!this.scheduled && this.active < this.maxDemand) {
      this.scheduled = true;
      queueMicrotask(() => this.dispatch());
    }
  }

  private take(): PipelineEvent<T> | undefined {
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head];
    this.queue[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return event;
  }

  private dispatch(): void {
    this.scheduled = false;
    while (this.active < this.maxDemand) {
      const event = this.take();
      if (event === undefined) break;
      this.run(event);
    }
    if (this.buffered === 0 && this.droppedInBurst > 0) {
      this.logger.warn(`${this.name}: dropped ${this.droppedInBurst} items in that burst`);
      this.droppedInBurst = 0;
    }
    this.checkIdle();
  }

  private run(event: PipelineEvent<T>): void {
    this.active++;
    const started = performance.now();
    let result: MaybePromise<void>;
    try {
      result = this.worker(event);
    } catch (err) {
      this.finish(event, started, err);
      return;
    }
    Promise.resolve(result).then(
      () => this.finish(event, started, undefined),
      (err) => this.finish(event, started, err ?? new Error("worker rejected")),
    );
  }

  private finish(event: PipelineEvent<T>, started: number, err: unknown): void {
    this.active--;
    if (err !== undefined) {
      this.failed++;
      this.logger.error({ err }, `${this.name}: a worker failed, item dropped: ${(err as Error)?.message ?? String(err)}`);
    } else {
      this.processed++;
      try {
        this.onProcessed?.(performance.now() - started, event);
      } catch (hookErr) {
        this.logger.error({ err: hookErr }, `${this.name}: onProcessed threw: ${(hookErr as Error)?.message}`);
      }
    }
    if (this.buffered > 0) {
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.dispatch());
      }
    } else {
      this.checkIdle();
    }
  }

  private checkIdle(): void {
    if (this.buffered === 0 && this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
