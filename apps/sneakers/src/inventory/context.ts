import type { Logger } from "fenix";
import { type Broadcaster, notifyItemStockChange, notifyProductReleased } from "../channels/product_channel.js";
import type { Store } from "../store.js";
import { NotFoundError } from "../store.js";
import { itemById, productById } from "./inventory.js";
import type { InventoryServer } from "./server.js";

/** Where inventory changes go to reach the other nodes (the book's `Replication`). */
export interface ReplicationSink {
  markProductReleased(productId: number): void;
  itemSold(itemId: number): void;
}

export interface ChangeOptions {
  /** Applying another node's change: update this node's cache only — no broadcast, no re-replication. */
  beingReplicated?: boolean;
}

/**
 * The inventory context (the book's `Sneakers23.Inventory`): every change goes database first,
 * then this node's cache, then — unless it is a replica of another node's change — the other
 * nodes and the shoppers.
 */
export class InventoryContext {
  /**
   * Per item (and per kind, own or replicated): the re-read in flight and the one waiting behind
   * it. A re-read never overtakes an earlier one, so the cache never goes back; and every sale
   * that commits before the waiting re-read starts is covered by it, so a burst of sales of one
   * size costs one read and one `stock_change` per read instead of one per sale.
   */
  private itemQueues = new Map<string, { tail: Promise<void>; waiting: Promise<void> | undefined }>();
  replication: ReplicationSink = { markProductReleased() {}, itemSold() {} };
  /**
   * Told, on every node (own sales and replicas alike), when an item's count in this node's cache
   * has just become 0 — after the cache update, so whoever re-renders sees it sold out.
   */
  onItemOut: (itemId: number) => void = () => {};

  constructor(
    readonly store: Store,
    readonly server: InventoryServer,
    private readonly endpoint: Broadcaster,
    private readonly logger: Logger,
  ) {}

  /**
   * Releases a product: written to the database first (so it fails, changing nothing, while the
   * database is down), then the cache, the other nodes and the shoppers' `released`.
   */
  async markProductReleased(productId: number, options: ChangeOptions = {}): Promise<void> {
    await this.store.markProductReleased(productId);
    const { current } = this.server.markProductReleased(productId);
    if (options.beingReplicated) return;
    this.replication.markProductReleased(productId);
    const product = productById(current, productId);
    if (product) await notifyProductReleased(this.endpoint, product);
  }

  /** Re-sends a product's `released` from the cache, changing nothing (the book's console demo). */
  async renotifyProductReleased(productId: number): Promise<void> {
    const product = productById(this.server.get(), productId);
    if (!product) throw new NotFoundError("product", productId);
    await notifyProductReleased(this.endpoint, product);
  }

  /**
   * After a sale (or a stock correction) committed: re-reads the count from the database, updates
   * the cache, tells the other nodes and sends `stock_change` by the book's rule.
   */
  itemSold(itemId: number, options: ChangeOptions = {}): Promise<void> {
    const key = `${itemId}:${options.beingReplicated ? "replica" : "own"}`;
    let queue = this.itemQueues.get(key);
    if (queue?.waiting) return queue.waiting;
    if (!queue) this.itemQueues.set(key, (queue = { tail: Promise.resolve(), waiting: undefined }));
    const entry = queue;
    const run = entry.tail.then(() => {
      // From here on a new sale needs a new read: this one may already have passed it.
      entry.waiting = undefined;
      return this.applyItemSold(itemId, options);
    });
    entry.waiting = run;
    const tail = run.catch(() => undefined);
    entry.tail = tail;
    void tail.then(() => {
      if (entry.tail === tail && this.itemQueues.get(key) === entry) this.itemQueues.delete(key);
    });
    return run;
  }

  /** Sets an item's count (the operator's correction): the same path as a sale. */
  async setStock(itemId: number, count: number): Promise<void> {
    await this.store.setAvailability(itemId, count);
    await this.itemSold(itemId);
  }

  private async applyItemSold(itemId: number, options: ChangeOptions): Promise<void> {
    const availability = await this.store.fetchAvailabilityForItem(itemId);
    const { previous, current } = this.server.setItemAvailability(availability);
    const soldOut = availability.available_count <= 0;
    if (options.beingReplicated) {
      if (soldOut) this.onItemOut(itemId);
      return;
    }
    this.replication.itemSold(itemId);
    const previousItem = itemById(previous, itemId);
    const currentItem = itemById(current, itemId);
    if (!currentItem) {
      this.logger.warn(`inventory: item ${itemId} is in the database but not in the cache; no stock_change sent`);
      return;
    }
    await notifyItemStockChange(this.endpoint, { previousItem: previousItem ?? { available_count: -1 }, currentItem });
    if (soldOut) this.onItemOut(itemId);
  }
}
