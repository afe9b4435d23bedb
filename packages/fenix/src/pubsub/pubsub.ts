import { andThen, isThenable } from "../util/maybe.js";
import { lazyBytes, telemetry } from "../util/telemetry.js";
import type { MaybePromise } from "../util/maybe.js";
import type { BroadcastMessage, PubSubAdapter } from "./adapter.js";
import { MemoryHistory, formatId, resolveHistoryOptions } from "./history.js";
import type { HistoryOptions, HistoryStore, Position, ResolvedHistoryOptions } from "./history.js";

/**
 * One broadcast's shared scratch space: every subscriber of that broadcast, on this node, gets
 * the same object, and the next broadcast gets a new one. The bus never reads it; subscribers
 * keep per-broadcast work there under their own symbol (channels: the frame encoded once per
 * serializer, Phoenix's fastlane).
 */
export type Scratch = Record<symbol, unknown>;

export interface Subscriber {
  deliver(message: BroadcastMessage, scratch: Scratch): void;
}

/**
 * A plain bus: topic subscriptions on this node plus an optional adapter for other nodes. It
 * knows nothing of serializers, channels or intercepts — subscribers decide what a message means.
 *
 * @example
 * const pubsub = new PubSub();
 * pubsub.subscribe("room:lobby", { deliver: (m) => console.log(m.event, m.payload) });
 * await pubsub.broadcast("room:lobby", "new_msg", { body: "hi" });
 */
export class PubSub {
  private topics = new Map<string, Set<Subscriber>>();
  private started: Promise<void> | undefined;
  private histories: { pattern: string; prefix: string | null; options: ResolvedHistoryOptions }[] = [];
  readonly history: HistoryStore;
  /** What telemetry events name as their `runtime` (the Endpoint sets itself). */
  owner: object | undefined;
  /** Application broadcasts sent from this node (`broadcast`, `broadcastFrom`; not `internal` ones), for metrics. */
  broadcasts = 0;

  constructor(
    readonly nodeName: string,
    private adapter?: PubSubAdapter,
    history?: HistoryStore,
  ) {
    this.history = history ?? new MemoryHistory();
  }

  /** Connects the adapter (if any). Idempotent. */
  start(): Promise<void> {
    this.started ??= Promise.resolve(this.adapter?.start(this.nodeName, (m) => this.deliver(m)));
    return this.started;
  }

  async stop(): Promise<void> {
    await this.history.stop?.();
    await this.adapter?.stop();
  }

  /**
   * Keeps a history for topics matching `pattern` (exact, or a prefix ending in `*`), so clients
   * can recover what they missed. Broadcasts on them carry an `epoch:offset` id.
   */
  enableHistory(pattern: string, options: HistoryOptions = {}): ResolvedHistoryOptions {
    const resolved = resolveHistoryOptions(options);
    const existing = this.histories.find((h) => h.pattern === pattern);
    if (existing) return existing.options;
    this.histories.push({ pattern, prefix: pattern.endsWith("*") ? pattern.slice(0, -1) : null, options: resolved });
    return resolved;
  }

  /** The history options of a topic, if it keeps one. */
  historyFor(topic: string): ResolvedHistoryOptions | undefined {
    for (const h of this.histories) {
      if (h.prefix === null ? h.pattern === topic : topic.startsWith(h.prefix)) return h.options;
    }
    return undefined;
  }

  /**
   * Records a broadcast in the topic's history (when it keeps one) before it goes out, so every
   * node delivers it with the same id. Synchronous for in-memory history, keeping broadcast order.
   */
  private stamp(message: BroadcastMessage): MaybePromise<BroadcastMessage> {
    if (this.histories.length === 0) return message;
    const options = this.historyFor(message.topic);
    if (options === undefined) return message;
    const position = this.history.append(message.topic, message.event, message.payload, options);
    const withId = (p: Position): BroadcastMessage => ({ ...message, id: formatId(p) });
    return andThen(position, withId);
  }

  private send(message: BroadcastMessage, from?: Subscriber, strict = false): Promise<void> {
    const stamped = this.stamp(message);
    if (!isThenable(stamped)) return this.fanOut(stamped, from, strict);
    return Promise.resolve(stamped).then(
      (m) => this.fanOut(m, from, strict),
      (err) => {
        // The history store is unreachable: the message still goes out, just without an id.
        this.onAdapterError?.(err, "history", message);
        return this.fanOut(message, from, strict);
      },
    );
  }

  /**
   * Local subscribers always get the message; other nodes get it at most once. A failing adapter
   * (e.g. Redis down) is reported through `onAdapterError`, never to the broadcaster, so a channel
   * that broadcasts without awaiting cannot bring the process down.
   */
  private fanOut(message: BroadcastMessage, from?: Subscriber, strict = false): Promise<void> {
    this.deliver(message, from);
    if (!this.adapter) return Promise.resolve();
    return this.adapter.publish(message).catch((err) => {
      this.onAdapterError?.(err, "publish", message);
      if (strict) throw err;
    });
  }

  /** Called when the adapter or the history store fails; the endpoint logs it. */
  onAdapterError: ((err: unknown, operation: "publish" | "history", message: BroadcastMessage) => void) | undefined;

  subscribe(topic: string, subscriber: Subscriber): void {
    let set = this.topics.get(topic);
    if (set === undefined) {
      set = new Set();
      this.topics.set(topic, set);
    }
    set.add(subscriber);
  }

  unsubscribe(topic: string, subscriber: Subscriber): void {
    const set = this.topics.get(topic);
    if (set === undefined) return;
    set.delete(subscriber);
    if (set.size === 0) this.topics.delete(topic);
  }

  /** Topics with at least one subscriber on this node. */
  get topicCount(): number {
    return this.topics.size;
  }

  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /**
   * Delivers to every subscriber on every node. Resolves even when other nodes could not be
   * reached (that is reported through `onAdapterError`), unless `strict` asks to reject then.
   */
  broadcast(topic: string, event: string, payload: unknown, options: { strict?: boolean; internal?: boolean } = {}): Promise<void> {
    // Fenix's own traffic (the presence tracker's replication) is not an application broadcast.
    if (!options.internal) this.broadcasts++;
    return this.send({ topic, event, payload }, undefined, options.strict);
  }

  /** Delivers to every subscriber on every node except `from` (a local subscriber). */
  broadcastFrom(from: Subscriber, topic: string, event: string, payload: unknown): Promise<void> {
    this.broadcasts++;
    return this.send({ topic, event, payload }, from);
  }

  /** Delivers to subscribers on one named node (this one included). */
  directBroadcast(nodeName: string, topic: string, event: string, payload: unknown): Promise<void> {
    if (nodeName === this.nodeName) {
      this.localBroadcast(topic, event, payload);
      return Promise.resolve();
    }
    if (!this.adapter) return Promise.reject(new Error(`no PubSub adapter: cannot reach node ${nodeName}`));
    return this.adapter.directPublish(nodeName, { topic, event, payload });
  }

  /** Delivers to subscribers on this node only (not recorded in history). */
  localBroadcast(topic: string, event: string, payload: unknown, from?: Subscriber): void {
    this.deliver({ topic, event, payload }, from);
  }

  private deliver(message: BroadcastMessage, from?: Subscriber): void {
    const { topic, event } = message;
    const set = this.topics.get(topic);
    if (set === undefined) return;
    if (telemetry.broadcast.hasSubscribers) {
      const bytes = lazyBytes(message.payload);
      telemetry.broadcast.publish({
        runtime: this.owner ?? this,
        topic,
        event,
        subscribers: set.size - (from !== undefined && set.has(from) ? 1 : 0),
        get bytes() {
          return bytes();
        },
      });
    }
    const scratch: Scratch = {};
    for (const subscriber of set) {
      if (subscriber === from) continue;
      try {
        subscriber.deliver(message, scratch);
      } catch (err) {
        // One subscriber that cannot take the message (e.g. binary to a V1 client) must not starve the rest.
        this.onDeliveryError?.(err, topic, event);
      }
    }
  }

  /** Called when a subscriber throws during delivery; the endpoint logs it. */
  onDeliveryError: ((err: unknown, topic: string, event: string) => void) | undefined;
}
