// The book's InventoryFactory (used by the unit and channel tests): p1 (order 1) with items i1
// (count 1) and i2 (count 2), p2 (order 0) with i3 (count 3); both unreleased.
import { migrate } from "../db/migrations.js";
import { Database } from "../db/database.js";
import { type Availability, type Inventory, type Item, type Product, fromRows } from "../inventory/inventory.js";

export function product(overrides: Partial<Product> & { id: number }): Product {
  return {
    sku: `p${overrides.id}`,
    order: 0,
    brand: "brand",
    name: "name",
    color: "color",
    price_usd: 100,
    main_image_url: "url",
    released: false,
    ...overrides,
  };
}

export function completeProductsFixture(): { inventory: Inventory; products: Product[]; items: Item[]; availabilities: Availability[] } {
  const products = [product({ id: 1, sku: "p1", order: 1 }), product({ id: 2, sku: "p2", order: 0 })];
  const items: Item[] = [
    { id: 1, sku: "i1", size: "10", product_id: 1 },
    { id: 2, sku: "i2", size: "10", product_id: 1 },
    { id: 3, sku: "i3", size: "10", product_id: 2 },
  ];
  const availabilities: Availability[] = [
    { id: 1, item_id: 1, available_count: 1 },
    { id: 2, item_id: 2, available_count: 2 },
    { id: 3, item_id: 3, available_count: 3 },
  ];
  return { inventory: fromRows(products, items, availabilities), products, items, availabilities };
}

/** A migrated database holding the factory's rows: in-memory SQLite, or the given PostgreSQL URL. */
export async function factoryDatabase(url = "sqlite::memory:"): Promise<Database> {
  const database = new Database({ url });
  await migrate(database.db, database.engine);
  const { products, items, availabilities } = completeProductsFixture();
  for (const p of products)
    await database.db
      .insertInto("products")
      .values({ ...p, released: database.bool(p.released) })
      .execute();
  for (const i of items) await database.db.insertInto("items").values(i).execute();
  for (const a of availabilities) await database.db.insertInto("item_availabilities").values(a).execute();
  if (database.engine === "postgres") {
    // Explicit ids leave the sequences behind; later inserts must not collide.
    for (const table of ["products", "items", "item_availabilities"]) {
      await database.db.executeQuery({
        sql: `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT MAX(id) FROM ${table}))`,
        parameters: [],
        query: {} as never,
      });
    }
  }
  return database;
}
