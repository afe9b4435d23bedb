import type { Logger } from "fenix";
import { type Availability, EMPTY, type Inventory, fromRows, markProductReleased, setAvailability } from "./inventory.js";

export type Loader = () => Promise<Inventory>;

/** The back-off between load attempts while the database is away: 100 ms doubling to 5 s. */
const RETRY_MS = { first: 100, max: 5_000 };

/**
 * The in-memory inventory (the book's `Inventory.Server`): a read cache loaded from the database
 * at boot, so pages never query per request. It keeps trying until the database answers (booting
 * with the database down just means "not ready yet"), and `restart()` reloads it while the old
 * copy keeps serving, so shoppers notice nothing.
 *
 * Changes are synchronous: no `await` falls between reading and writing the state.
 */
export class InventoryServer {
  private state: Inventory | undefined;
  private loading: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readyWaiters: (() => void)[] = [];
  private firstFailure: ((err: Error) => void)[] = [];

  constructor(
    private readonly load: Loader,
    private readonly logger: Logger,
  ) {}

  /** Starts loading (retrying with back-off); resolves once the first load has succeeded. */
  start(): Promise<void> {
    this.reload();
    return this.ready();
  }

  /** Resolves when an inventory is in memory. */
  ready(): Promise<void> {
    if (this.state) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get loaded(): boolean {
    return this.state !== undefined;
  }

  /** The current inventory; an empty one until the first load. */
  get(): Inventory {
    return this.state ?? EMPTY;
  }

  /** Reloads from the database; the current copy serves until the new one is in. */
  /**
   * Resolves once reloaded, or rejects with the first attempt's error (the database is down): the
   * old copy keeps serving and the reload keeps retrying in the background.
   */
  restart(): Promise<void> {
    this.logger.warn("inventory: restarting, reloading from the database");
    const loaded = this.reload();
    return new Promise<void>((resolve, reject) => {
      void loaded.then(resolve);
      this.firstFailure.push(reject);
    });
  }

  /** One load at a time; `loading` is cleared in the same turn the load finishes. */
  private reload(): Promise<void> {
    this.loading ??= this.loadUntilDone();
    return this.loading;
  }

  /** Replaces the whole inventory (tests and resets). */
  set(inventory: Inventory): void {
    this.replace(inventory);
  }

  markProductReleased(id: number): { previous: Inventory; current: Inventory } {
    const previous = this.get();
    const current = markProductReleased(previous, id);
    if (this.state) this.state = current;
    return { previous, current };
  }

  setItemAvailability(availability: Availability): { previous: Inventory; current: Inventory } {
    const previous = this.get();
    const current = setAvailability(previous, availability);
    if (this.state) this.state = current;
    return { previous, current };
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private replace(inventory: Inventory): void {
    this.state = inventory;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private async loadUntilDone(): Promise<void> {
    let delay = RETRY_MS.first;
    let failures = 0;
    while (!this.stopped) {
      try {
        const inventory = await this.load();
        this.loading = undefined;
        this.firstFailure.length = 0;
        this.replace(inventory);
        const counts = `${inventory.products.size} products, ${inventory.items.size} items`;
        this.logger.info(failures ? `inventory: loaded (${counts}) after ${failures} failed attempts` : `inventory: loaded (${counts})`);
        return;
      } catch (err) {
        for (const reject of this.firstFailure.splice(0)) reject(err as Error);
        // Once per outage, not once per attempt: the retry loop is the recovery.
        if (failures++ === 0) this.logger.error(`inventory: cannot load, retrying until the database answers: ${(err as Error).message}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, RETRY_MS.max);
      }
    }
    this.loading = undefined;
  }
}

/** Loads every product, item and availability through the store. */
export function databaseLoader(store: { loadAll(): Promise<{ products: any[]; items: any[]; availabilities: any[] }> }): Loader {
  return async () => {
    const { products, items, availabilities } = await store.loadAll();
    return fromRows(products, items, availabilities);
  };
}
