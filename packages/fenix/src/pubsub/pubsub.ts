import type { Serializer, SharedFrame } from "../serializer/types.js";
import type { BroadcastMessage, PubSubAdapter } from "./adapter.js";

/**
 * Encodes a broadcast at most once per serializer, however many subscribers share it —
 * Phoenix's fastlane cache.
 */
export class FastlaneCache {
  private frames = new Map<Serializer, SharedFrame>();
  constructor(readonly message: BroadcastMessage) {}

  frameFor(serializer: Serializer): SharedFrame {
    let frame = this.frames.get(serializer);
    if (frame === undefined) {
      frame = serializer.encodeBroadcast(this.message.topic, this.message.event, this.message.payload, this.message.id ?? null);
      this.frames.set(serializer, frame);
    }
    return frame;
  }
}

export interface Subscriber {
  deliver(message: BroadcastMessage, cache: FastlaneCache): void;
}

/**
 * Topic subscriptions on this node plus an optional adapter for other nodes.
 *
 * @example
 * const pubsub = new PubSub();
 * pubsub.subscribe("room:lobby", { deliver: (m) => console.log(m.event, m.payload) });
 * await pubsub.broadcast("room:lobby", "new_msg", { body: "hi" });
 */
export class PubSub {
  private topics = new Map<string, Set<Subscriber>>();
  private started: Promise<void> | undefined;

  constructor(
    readonly nodeName: string,
    private adapter?: PubSubAdapter,
  ) {}

  /** Connects the adapter (if any). Idempotent. */
  start(): Promise<void> {
    this.started ??= Promise.resolve(this.adapter?.start(this.nodeName, (m) => this.localBroadcast(m.topic, m.event, m.payload)));
    return this.started;
  }

  async stop(): Promise<void> {
    await this.adapter?.stop();
  }

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

  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Delivers to every subscriber on every node. */
  broadcast(topic: string, event: string, payload: unknown): Promise<void> {
    this.localBroadcast(topic, event, payload);
    return this.adapter ? this.adapter.publish({ topic, event, payload }) : Promise.resolve();
  }

  /** Delivers to every subscriber on every node except `from` (a local subscriber). */
  broadcastFrom(from: Subscriber, topic: string, event: string, payload: unknown): Promise<void> {
    this.localBroadcast(topic, event, payload, from);
    return this.adapter ? this.adapter.publish({ topic, event, payload }) : Promise.resolve();
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

  /** Delivers to subscribers on this node only. */
  localBroadcast(topic: string, event: string, payload: unknown, from?: Subscriber): void {
    const set = this.topics.get(topic);
    if (set === undefined) return;
    const cache = new FastlaneCache({ topic, event, payload });
    for (const subscriber of set) {
      if (subscriber === from) continue;
      try {
        subscriber.deliver(cache.message, cache);
      } catch (err) {
        // One subscriber that cannot take the message (e.g. binary to a V1 client) must not starve the rest.
        this.onDeliveryError?.(err, topic, event);
      }
    }
  }

  /** Called when a subscriber throws during delivery; the endpoint logs it. */
  onDeliveryError: ((err: unknown, topic: string, event: string) => void) | undefined;
}
