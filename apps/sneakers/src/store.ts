import type { Logger } from "fenix";
import type { Database } from "./db/database.js";
import type { Availability, Item, Product } from "./inventory/inventory.js";

/** A product or item id the database does not hold. */
export class NotFoundError extends Error {
  constructor(
    readonly kind: "product" | "item",
    readonly id: number,
  ) {
    super(`unknown ${kind} ${id}`);
    this.name = "NotFoundError";
  }
}

/** The database could not be reached or refused the query (it is down, restarting, full…). */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${describe(cause)}`, { cause });
    this.name = "DatabaseUnavailableError";
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { message: string }[] };
  const message = e?.message || e?.errors?.map((x) => x.message).join("; ") || String(err);
  return e?.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/** Aborts a purchase's transaction: this item had none left. */
class NotAvailable extends Error {
  constructor(readonly itemId: number) {
    super(`item ${itemId} is not available`);
  }
}

/**
 * The server ended this connection (57P01 admin_shutdown: a killed backend or a fast shutdown;
 * 57P02 crash_shutdown; 57P03 cannot_connect_now): the statement did not commit, and the pool
 * drops the dead client, so one more try on a fresh connection is safe. Without it, the first
 * query after `pg_terminate_backend` fails when it picks an idle client whose FATAL is in flight.
 */
const CONNECTION_ENDED = new Set(["57P01", "57P02", "57P03"]);

/**
 * Logs a database outage once — its first failure, then its end — instead of once per refused
 * query or lost connection, so an outage during a launch is two lines, not thousands.
 */
export class OutageLog {
  private down = false;

  constructor(private readonly logger?: Pick<Logger, "error" | "info">) {}

  get isDown(): boolean {
    return this.down;
  }

  failed(message: string): void {
    if (this.down) return;
    this.down = true;
    this.logger?.error(`database: ${message} (failing fast until it answers; further failures are not logged)`);
  }

  succeeded(): void {
    if (!this.down) return;
    this.down = false;
    this.logger?.info("database: reachable again");
  }
}

async function guarded<T>(run: () => Promise<T>, outage?: OutageLog): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await run();
      outage?.succeeded();
      return result;
    } catch (err) {
      if (err instanceof NotFoundError) {
        outage?.succeeded();
        throw err;
      }
      if (attempt === 1 && CONNECTION_ENDED.has((err as { code?: string }).code ?? "")) {
        // The close follows the FATAL: let the pool see it, so the retry gets a live connection.
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const unavailable = new DatabaseUnavailableError(err);
      outage?.failed(unavailable.message);
      throw unavailable;
    }
  }
}

/**
 * Database access for the inventory (the book's `Store`). Every failure is either a
 * `NotFoundError` or a `DatabaseUnavailableError`, so callers can answer clearly.
 */
export class Store {
  constructor(
    private readonly database: Database,
    /** Where an outage is logged (once); without it, failures are only thrown. */
    readonly outage?: OutageLog,
  ) {}

  /** One counter per query, so a test can show `GET /` never reaches the database. */
  queries = 0;

  loadAll(): Promise<{ products: Product[]; items: Item[]; availabilities: Availability[] }> {
    return guarded(async () => {
      this.queries++;
      const db = this.database.db;
      const [products, items, availabilities] = await Promise.all([
        db.selectFrom("products").select(["id", "sku", "order", "brand", "name", "color", "price_usd", "main_image_url", "released"]).execute(),
        db.selectFrom("items").select(["id", "sku", "size", "product_id"]).execute(),
        db.selectFrom("item_availabilities").select(["id", "item_id", "available_count"]).execute(),
      ]);
      return { products: products.map((p) => ({ ...p, released: Boolean(p.released) })), items, availabilities };
    }, this.outage);
  }

  markProductReleased(id: number): Promise<void> {
    return guarded(async () => {
      this.queries++;
      const result = await this.database.db
        .updateTable("products")
        .set({ released: this.database.bool(true), updated_at: new Date().toISOString() })
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new NotFoundError("product", id);
    }, this.outage);
  }

  fetchAvailabilityForItem(itemId: number): Promise<Availability> {
    return guarded(async () => {
      this.queries++;
      const row = await this.database.db
        .selectFrom("item_availabilities")
        .select(["id", "item_id", "available_count"])
        .where("item_id", "=", itemId)
        .executeTakeFirst();
      if (!row) throw new NotFoundError("item", itemId);
      return row;
    }, this.outage);
  }

  /**
   * The one decision that must be exact: a single conditional decrement, so two buyers of the last
   * pair cannot both succeed and the count never goes below zero. `false` when none was left.
   */
  reduceAvailability(itemId: number): Promise<boolean> {
    return guarded(async () => {
      this.queries++;
      const result = await this.database.db
        .updateTable("item_availabilities")
        .set((eb) => ({ available_count: eb("available_count", "-", 1), updated_at: new Date().toISOString() }))
        .where("item_id", "=", itemId)
        .where("available_count", ">", 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    }, this.outage);
  }

  /**
   * Buys one of each item in one transaction: the same conditional decrement per item, and if any
   * finds none left, everything is rolled back — all or nothing. Resolves with the first item
   * that was not available, or `null` when every one was bought.
   */
  purchaseItems(itemIds: readonly number[]): Promise<number | null> {
    return guarded(async () => {
      this.queries++;
      try {
        await this.database.db.transaction().execute(async (trx) => {
          for (const itemId of itemIds) {
            const result = await trx
              .updateTable("item_availabilities")
              .set((eb) => ({ available_count: eb("available_count", "-", 1), updated_at: new Date().toISOString() }))
              .where("item_id", "=", itemId)
              .where("available_count", ">", 0)
              .executeTakeFirst();
            if (Number(result.numUpdatedRows) !== 1) throw new NotAvailable(itemId);
          }
        });
        return null;
      } catch (err) {
        if (err instanceof NotAvailable) return err.itemId;
        throw err;
      }
    }, this.outage);
  }

  setAvailability(itemId: number, count: number): Promise<void> {
    return guarded(async () => {
      this.queries++;
      const result = await this.database.db
        .updateTable("item_availabilities")
        .set({ available_count: count, updated_at: new Date().toISOString() })
        .where("item_id", "=", itemId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new NotFoundError("item", itemId);
    }, this.outage);
  }
}
