import type { BroadcastMessage, Logger, PubSub, Subscriber } from "fenix";
import type { ChangeOptions, ReplicationSink } from "./inventory/context.js";

export const REPLICATION_TOPIC = "inventory_replication";

/** What a replica applies (the inventory context, with `beingReplicated: true`). */
export interface ReplicaTarget {
  markProductReleased(productId: number, options: ChangeOptions): Promise<void>;
  itemSold(itemId: number, options: ChangeOptions): Promise<void>;
  /** Another node reset the database: reload everything. */
  reload(): Promise<void>;
}

/**
 * Keeps every node's cache in step (the book's `Replication`): changes go to the *other* nodes
 * (`broadcastFrom` this subscriber, so nothing loops), which re-apply them against the database
 * without broadcasting to shoppers again — those already heard it from the first node.
 */
export class Replication implements ReplicationSink {
  private subscriber: Subscriber | undefined;
  /** Messages this node applied from other nodes (a test reads it to prove each arrives once). */
  applied = 0;
  /** Messages this node sent to the others (with `applied` on the other nodes: each arrives once). */
  sent = 0;

  constructor(
    private readonly pubsub: PubSub,
    private readonly target: ReplicaTarget,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.subscriber) return;
    const subscriber: Subscriber = { deliver: (message) => this.apply(message) };
    this.subscriber = subscriber;
    this.pubsub.subscribe(REPLICATION_TOPIC, subscriber);
  }

  stop(): void {
    if (!this.subscriber) return;
    this.pubsub.unsubscribe(REPLICATION_TOPIC, this.subscriber);
    this.subscriber = undefined;
  }

  /** Drops the subscription and makes a new one (the operator's "kill the replication server"). */
  restart(): void {
    this.logger.warn("replication: restarting the subscriber");
    this.stop();
    this.start();
  }

  get subscribed(): boolean {
    return this.subscriber !== undefined;
  }

  markProductReleased(productId: number): void {
    this.send("mark_product_released", { product_id: productId });
  }

  itemSold(itemId: number): void {
    this.send("item_sold", { item_id: itemId });
  }

  reload(): void {
    this.send("reload", {});
  }

  private send(event: string, payload: object): void {
    // Without a subscriber (mid-restart) broadcastFrom has nothing to exclude; a stand-in keeps
    // this node from applying its own change twice.
    const from = this.subscriber ?? { deliver() {} };
    this.sent++;
    void this.pubsub.broadcastFrom(from, REPLICATION_TOPIC, event, payload);
  }

  private apply(message: BroadcastMessage): void {
    const payload = message.payload as { product_id?: unknown; item_id?: unknown };
    let work: Promise<void>;
    if (message.event === "mark_product_released" && typeof payload.product_id === "number") {
      work = this.target.markProductReleased(payload.product_id, { beingReplicated: true });
    } else if (message.event === "item_sold" && typeof payload.item_id === "number") {
      work = this.target.itemSold(payload.item_id, { beingReplicated: true });
    } else if (message.event === "reload") {
      work = this.target.reload();
    } else {
      this.logger.warn(`replication: ignoring an unknown message ${JSON.stringify(message.event)}`);
      return;
    }
    this.applied++;
    work.catch((err) => this.logger.error(`replication: could not apply ${message.event}: ${(err as Error).message}`));
  }
}
