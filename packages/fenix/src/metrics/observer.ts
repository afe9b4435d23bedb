import { createHash } from "node:crypto";
import { type IntervalHistogram, PerformanceObserver, monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { ConnectionSnapshot, Runtime } from "../runtime/runtime.js";

export type ObserverSort = "memory" | "reductions" | "queue";

export interface ObserverQuery {
  /** memory: bytes buffered for the client; reductions: messages handled; queue: mailbox jobs, then bytes buffered. Default memory. */
  sort?: ObserverSort;
  /** 1-based, default 1. */
  page?: number;
  /** Default 50, at most 500. */
  pageSize?: number;
}

export interface NodeStats {
  node: { name: string; pid: number; uptimeSeconds: number; node: string };
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  gc: { count: number; pauseMs: number; byKind: Record<string, number> };
  eventLoop: { utilization: number; delayMs: { p50: number; p90: number; p99: number; max: number } };
  totals: { messagesIn: number; messagesOut: number; crashes: number; drops: Record<string, number> };
  rates: { messagesInPerSecond: number; messagesOutPerSecond: number; overSeconds: number };
}

const GC_KINDS: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" };

/**
 * Inspecting a running node (the book's `observer`, chapter 12): memory, GC, event-loop delay and
 * utilisation, counts and message rates, and the connections — sortable, paginated, with ids and
 * topic suffixes replaced by short hashes (the same value always gives the same hash, so a busy
 * client can be followed without showing who it is).
 *
 * @example
 * const observer = new Observer(endpoint);
 * res.end(JSON.stringify(observer.snapshot({ sort: "queue", page: 1 })));
 */
export class Observer {
  private readonly delay: IntervalHistogram;
  private readonly gcObserver: PerformanceObserver;
  private readonly gc = { count: 0, pauseMs: 0, byKind: {} as Record<string, number> };
  private last: { at: number; messagesIn: number; messagesOut: number; elu: ReturnType<typeof performance.eventLoopUtilization> };

  /** Admin actions (`disconnect`, `stopChannel`) are off unless `actions: true`. */
  readonly actions: boolean;

  constructor(
    private readonly runtime: Runtime,
    options: { actions?: boolean } = {},
  ) {
    this.actions = options.actions === true;
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.gc.count++;
        this.gc.pauseMs += entry.duration;
        const kind = GC_KINDS[(entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? "other";
        this.gc.byKind[kind] = (this.gc.byKind[kind] ?? 0) + 1;
      }
    });
    this.gcObserver.observe({ entryTypes: ["gc"] });
    this.last = {
      at: performance.now(),
      messagesIn: runtime.stats.messagesIn,
      messagesOut: runtime.stats.messagesOut,
      elu: performance.eventLoopUtilization(),
    };
  }

  /** The node's own figures (memory, GC, event loop, totals, rates since the last call), without the connections. */
  nodeStats(): NodeStats {
    const now = performance.now();
    const seconds = Math.max((now - this.last.at) / 1000, 0.001);
    const stats = this.runtime.stats;
    const elu = performance.eventLoopUtilization(this.last.elu);
    const rates = {
      messagesInPerSecond: round((stats.messagesIn - this.last.messagesIn) / seconds),
      messagesOutPerSecond: round((stats.messagesOut - this.last.messagesOut) / seconds),
      overSeconds: round(seconds),
    };
    this.last = { at: now, messagesIn: stats.messagesIn, messagesOut: stats.messagesOut, elu: performance.eventLoopUtilization() };
    const memory = process.memoryUsage();
    const ms = (ns: number) => round(ns / 1e6);
    return {
      node: { name: this.runtime.nodeName, pid: process.pid, uptimeSeconds: round(process.uptime()), node: process.version },
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, arrayBuffers: memory.arrayBuffers },
      gc: { count: this.gc.count, pauseMs: round(this.gc.pauseMs), byKind: { ...this.gc.byKind } },
      eventLoop: {
        utilization: round(elu.utilization),
        delayMs: { p50: ms(this.delay.percentile(50)), p90: ms(this.delay.percentile(90)), p99: ms(this.delay.percentile(99)), max: ms(this.delay.max) },
      },
      totals: { messagesIn: stats.messagesIn, messagesOut: stats.messagesOut, crashes: stats.crashes, drops: { ...stats.drops } },
      rates,
    };
  }

  snapshot(query: ObserverQuery = {}): object {
    const node = this.nodeStats();
    const connections = [...this.runtime.connections].map((c) => c.inspect());
    const sort = query.sort ?? "memory";
    const key = sortKey(sort);
    connections.sort((a, b) => key(b) - key(a) || a.connectedAt - b.connectedAt);
    const pageSize = Math.min(Math.max(Math.floor(query.pageSize ?? 50), 1), 500);
    const pages = Math.max(Math.ceil(connections.length / pageSize), 1);
    const page = Math.min(Math.max(Math.floor(query.page ?? 1), 1), pages);
    return {
      ...node,
      counts: {
        connections: connections.length,
        channels: connections.reduce((n, c) => n + c.channels.length, 0),
        topics: this.runtime.pubsub.topicCount,
      },
      connectionList: {
        sort,
        page,
        pages,
        pageSize,
        items: connections.slice((page - 1) * pageSize, page * pageSize).map(redact),
      },
    };
  }

  /**
   * Closes one connection (`ref` from the list) with 1000 "disconnected by an operator"; its
   * client reconnects as after any server close. False when there is no such connection.
   */
  disconnect(ref: number): boolean {
    this.requireActions();
    const connection = this.find(ref);
    if (!connection) return false;
    void connection.close(1000, "disconnected by an operator", { shutdown: "operator" });
    return true;
  }

  /** Stops one channel of a connection (`topic` as the list shows it, hashed or not): phx_close, no rejoin. */
  stopChannel(ref: number, topic: string): boolean {
    this.requireActions();
    const connection = this.find(ref);
    if (!connection) return false;
    const target = connection.inspect().channels.find((ch) => ch.topic === topic || hide(ch.topic) === topic);
    return target ? connection.stopChannel(target.topic) : false;
  }

  private requireActions(): void {
    if (!this.actions) throw new Error("observer admin actions are off: create the Observer with { actions: true }");
  }

  private find(ref: number) {
    for (const c of this.runtime.connections) if (c.inspect().ref === ref) return c;
    return undefined;
  }

  close(): void {
    this.delay.disable();
    this.gcObserver.disconnect();
  }
}

function sortKey(sort: ObserverSort): (c: ConnectionSnapshot) => number {
  if (sort === "reductions") return (c) => c.messagesIn + c.channels.reduce((n, ch) => n + ch.handled, 0);
  if (sort === "queue") return (c) => c.channels.reduce((n, ch) => n + ch.queue, 0) * 1e12 + c.bufferedBytes;
  return (c) => c.bufferedBytes;
}

function hash(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 8);
}

/** `user_socket:42` → `user_socket:#1a2b3c4d`; topics likewise after their first ":". */
function hide(value: string): string {
  const colon = value.indexOf(":");
  return colon === -1 ? `#${hash(value)}` : `${value.slice(0, colon + 1)}#${hash(value)}`;
}

function redact(c: ConnectionSnapshot): object {
  return {
    ref: c.ref,
    socket: c.socket,
    transport: c.transport,
    id: c.id === null ? null : hide(c.id),
    connectedSeconds: round((Date.now() - c.connectedAt) / 1000),
    messagesIn: c.messagesIn,
    messagesOut: c.messagesOut,
    bufferedBytes: c.bufferedBytes,
    queue: c.channels.reduce((n, ch) => n + ch.queue, 0),
    channels: c.channels.map((ch) => ({
      topic: ch.topic === ch.pattern ? ch.topic : hide(ch.topic),
      pattern: ch.pattern,
      channel: ch.channel,
      queue: ch.queue,
      handled: ch.handled,
    })),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
