import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { throwawayDatabase } from "../test/support/postgres.js";
import type { ThrowawayDatabase } from "../test/support/postgres.js";
import { Database } from "./db/database.js";
import { dropAll, migrate } from "./db/migrations.js";
import { SIZES, seed } from "./db/seeds.js";
import { databaseLoader } from "./inventory/server.js";
import { NotFoundError, Store } from "./store.js";
import { completeProductsFixture, factoryDatabase } from "./test_support/factory.js";

let postgres: ThrowawayDatabase;
beforeAll(async () => {
  postgres = await throwawayDatabase();
});
afterAll(() => postgres?.drop());

// Every test runs on both engines: the embedded SQLite (the default) and PostgreSQL.
const engines = [
  ["sqlite", () => "sqlite::memory:"],
  ["postgres", () => postgres.url],
] as const;

describe.each(engines)("on %s", (engine, url) => {
  async function fresh(): Promise<Database> {
    const database = new Database({ url: url() });
    await dropAll(database.db);
    await migrate(database.db, database.engine);
    return database;
  }

  test("the engine is chosen by DATABASE_URL", async () => {
    const database = new Database({ url: url() });
    expect(database.engine).toBe(engine);
    await database.close();
  });

  test("reset + seed: 2 unreleased products with 13 sizes each, ids 1 and 2, counts 0 or 201–1200", async () => {
    const database = await fresh();
    await seed(database);
    const products = await database.db.selectFrom("products").selectAll().orderBy("id").execute();
    expect(products.map((p) => [p.id, p.sku, p.name, p.brand, p.color, p.price_usd, p.order, Boolean(p.released)])).toEqual([
      [1, "SHU6000", "Hop Man 3", "Snks 23", "yellow/blue", 120, 0, false],
      [2, "SHU6100", "Breezy Boost 600", "Asler", "momentum", 140, 1, false],
    ]);
    const items = await database.db.selectFrom("items").selectAll().orderBy("id").execute();
    expect(items).toHaveLength(26);
    expect(items.slice(0, 13).map((i) => i.size)).toEqual(SIZES);
    expect(items.map((i) => i.sku)).toEqual([
      ...Array.from({ length: 13 }, (_, i) => `SHU${6001 + i}`),
      ...Array.from({ length: 13 }, (_, i) => `SHU${6101 + i}`),
    ]);
    const counts = await database.db.selectFrom("item_availabilities").select(["item_id", "available_count"]).execute();
    expect(counts).toHaveLength(26);
    for (const { available_count } of counts) expect(available_count === 0 || (available_count >= 201 && available_count <= 1200)).toBe(true);
    // A second reset starts the ids at 1 again.
    await dropAll(database.db);
    await migrate(database.db, database.engine);
    await seed(database);
    expect((await database.db.selectFrom("products").select("id").orderBy("id").execute()).map((p) => p.id)).toEqual([1, 2]);
    await database.close();
  });

  test("constraints: unique skus, not-null columns", async () => {
    const database = await fresh();
    await seed(database);
    const duplicate = { sku: "SHU6000", order: 5, brand: "b", name: "n", color: "c", price_usd: 1, main_image_url: "u", released: database.bool(false) };
    await expect(database.db.insertInto("products").values(duplicate).execute()).rejects.toThrow();
    await expect(database.db.insertInto("items").values({ sku: "SHU6001", size: "6", product_id: 1 }).execute()).rejects.toThrow();
    await expect(
      database.db
        .insertInto("items")
        .values({ sku: "X1", size: null as never, product_id: 1 })
        .execute(),
    ).rejects.toThrow();
    await database.close();
  });

  test("the loader on an empty database gives an empty inventory; after the factory, the factory's data", async () => {
    const empty = await fresh();
    const nothing = await databaseLoader(new Store(empty))();
    expect([nothing.products.size, nothing.items.size, nothing.availability.size]).toEqual([0, 0, 0]);
    await dropAll(empty.db);
    await empty.close();
    const database = await factoryDatabase(url());
    const loaded = await databaseLoader(new Store(database))();
    const { inventory } = completeProductsFixture();
    expect([...loaded.products.values()]).toEqual([...inventory.products.values()]);
    expect([...loaded.items.values()]).toEqual([...inventory.items.values()]);
    expect([...loaded.availability.values()]).toEqual([...inventory.availability.values()]);
    await dropAll(database.db);
    await database.close();
  });

  test("100 parallel sales of an item with 10 left make exactly 10 sales; the count never goes below 0", async () => {
    const database = await fresh();
    await seed(database);
    const store = new Store(database);
    await store.setAvailability(5, 10);
    const results = await Promise.all(Array.from({ length: 100 }, () => store.reduceAvailability(5)));
    expect(results.filter(Boolean)).toHaveLength(10);
    expect((await store.fetchAvailabilityForItem(5)).available_count).toBe(0);
    expect(await store.reduceAvailability(5)).toBe(false);
    expect((await store.fetchAvailabilityForItem(5)).available_count).toBe(0);
    await database.close();
  });

  test("unknown products and items are NotFoundError", async () => {
    const database = await fresh();
    const store = new Store(database);
    await expect(store.markProductReleased(42)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.fetchAvailabilityForItem(42)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.setAvailability(42, 1)).rejects.toBeInstanceOf(NotFoundError);
    await database.close();
  });
});

test("a database that cannot be reached is a DatabaseUnavailableError naming the cause", async () => {
  const database = new Database({ url: "postgres://postgres@127.0.0.1:1/none" });
  const store = new Store(database);
  await expect(store.markProductReleased(1)).rejects.toThrow(/database unavailable: .*ECONNREFUSED/);
  await database.close();
});

test("DATABASE_URL must name an engine", () => {
  expect(() => new Database({ url: "mysql://x" })).toThrow(/postgres:\/\/, postgresql:\/\/ or sqlite:/);
});
