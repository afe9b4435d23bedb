import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import type { Logger } from "../util/log.js";
import { defaultLogger } from "../util/log.js";
import type { BroadcastMessage, PubSubAdapter } from "./adapter.js";
import { decodeEnvelope, encodeEnvelope, redactUrl } from "./envelope.js";

export interface RedisAdapterOptions {
  /** e.g. `redis://127.0.0.1:6379` (env `REDIS_URL` in the apps). */
  url: string;
  /** Prefix of every Redis channel, so several apps can share one Redis (default "fenix"). */
  namespace?: string;
  logger?: Logger;
  /** Extra ioredis options. */
  redis?: RedisOptions;
}

/**
 * PubSub across nodes over Redis Pub/Sub: one channel every node listens to, plus one per node for
 * direct messages. Fire-and-forget, like Redis itself: delivery to other nodes is at most once, and
 * while Redis is unreachable broadcasts reach only the local node (each failure is logged). ioredis
 * reconnects and resubscribes by itself.
 *
 * @example
 * const endpoint = new Endpoint({ pubsubAdapter: new RedisAdapter({ url: process.env.REDIS_URL! }) });
 */
export class RedisAdapter implements PubSubAdapter {
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private nodeName = "";
  private readonly namespace: string;
  private readonly logger: Logger;
  private wasReady = false;
  private lost = false;

  constructor(private readonly options: RedisAdapterOptions) {
    this.namespace = options.namespace ?? "fenix";
    this.logger = options.logger ?? defaultLogger();
  }

  get broadcastChannel(): string {
    return `${this.namespace}:broadcast`;
  }

  directChannel(nodeName: string): string {
    return `${this.namespace}:node:${nodeName}`;
  }

  async start(nodeName: string, deliver: (message: BroadcastMessage) => void): Promise<void> {
    this.nodeName = nodeName;
    const base: RedisOptions = {
      // Fail fast while disconnected instead of queueing without bound: the broadcast is local-only then.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
      lazyConnect: true,
      ...this.options.redis,
    };
    this.publisher = new Redis(this.options.url, { ...base, connectionName: `fenix-pub-${nodeName}` });
    // The subscriber keeps its subscriptions across reconnects (ioredis resubscribes).
    this.subscriber = new Redis(this.options.url, { ...base, enableOfflineQueue: true, connectionName: `fenix-sub-${nodeName}` });
    for (const [role, client] of [
      ["publisher", this.publisher],
      ["subscriber", this.subscriber],
    ] as const) {
      client.on("error", (err: Error) => {
        if (!this.lost) this.logger.warn({ role, err: { message: err.message } }, `redis ${role}: ${err.message}`);
      });
      client.on("close", () => {
        // Once per outage, not once per reconnect attempt.
        if (role === "subscriber" && this.wasReady && !this.lost) {
          this.lost = true;
          this.logger.warn(`redis connection lost: broadcasts from other nodes are missed until it is back`);
        }
      });
      client.on("ready", () => {
        if (role === "subscriber" && this.lost) this.logger.info("redis connection restored: resubscribed");
        if (role === "subscriber") {
          this.wasReady = true;
          this.lost = false;
        }
      });
    }
    this.subscriber.on("message", (_channel: string, raw: string) => {
      const decoded = decodeEnvelope(raw);
      if (decoded === null) {
        this.logger.warn(`redis: ignoring a malformed message on ${_channel}`);
        return;
      }
      // Redis echoes a node's own publications back to it; local subscribers already have them.
      if (decoded.node === this.nodeName) return;
      deliver(decoded.message);
    });
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(this.broadcastChannel, this.directChannel(nodeName));
    } catch (err) {
      await this.stop();
      throw new Error(`cannot reach Redis at ${redactUrl(this.options.url)}: ${(err as Error).message}`);
    }
  }

  async publish(message: BroadcastMessage): Promise<void> {
    if (!this.publisher) throw new Error("RedisAdapter used before start()");
    await this.publisher.publish(this.broadcastChannel, encodeEnvelope(this.nodeName, message));
  }

  async directPublish(nodeName: string, message: BroadcastMessage): Promise<void> {
    if (!this.publisher) throw new Error("RedisAdapter used before start()");
    await this.publisher.publish(this.directChannel(nodeName), encodeEnvelope(this.nodeName, message));
  }

  async stop(): Promise<void> {
    const clients = [this.publisher, this.subscriber].filter((c): c is Redis => c !== undefined);
    this.publisher = this.subscriber = undefined;
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
