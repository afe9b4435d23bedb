import { createLogger } from "fenix";
import { channelTest } from "fenix/testing";
import type { ChannelTest } from "fenix/testing";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { type ThrowawayDatabase, throwawayDatabase } from "../../test/support/postgres.js";
import type { Database } from "../db/database.js";
import { InventoryContext } from "../inventory/context.js";
import { itemById } from "../inventory/inventory.js";
import { InventoryServer, databaseLoader } from "../inventory/server.js";
import { Store } from "../store.js";
import { factoryDatabase } from "../test_support/factory.js";
import type { CartItemView } from "../views/cart_view.js";
import { checkoutProblem, purchaseCart } from "./checkout.js";

const logger = createLogger({ name: "test", level: "silent" });

describe("checkoutProblem", () => {
  const item = (over: Partial<CartItemView>): CartItemView => ({
    id: 1,
    size: "6",
    sku: "s",
    brand: "b",
    color: "c",
    name: "n",
    price_usd: 1,
    main_image_url: "u",
    released: true,
    out_of_stock: false,
    ...over,
  });
  test("empty, then out of stock, then unreleased, else none", () => {
    expect(checkoutProblem({ items: [], serialized: "" })).toBe("empty");
    expect(checkoutProblem({ items: [item({ released: false }), item({ out_of_stock: true })], serialized: "" })).toBe("out_of_stock");
    expect(checkoutProblem({ items: [item({}), item({ released: false })], serialized: "" })).toBe("unreleased");
    expect(checkoutProblem({ items: [item({})], serialized: "" })).toBeNull();
  });
});

// The factory: item 1 has 1 left, item 2 has 2, item 3 has 3.
const postgres: ThrowawayDatabase[] = [];
afterAll(async () => {
  for (const p of postgres) await p.drop();
});

const engines = [
  ["sqlite", async () => "sqlite::memory:"],
  [
    "postgres",
    async () => {
      const db = await throwawayDatabase();
      postgres.push(db);
      return db.url;
    },
  ],
] as const;

describe.each(engines)("purchaseCart on %s", (_engine, freshUrl) => {
  let t: ChannelTest;
  let database: Database;
  afterEach(async () => {
    await t?.cleanup();
    await database?.close();
  });

  async function setup() {
    t = channelTest();
    database = await factoryDatabase(await freshUrl());
    const store = new Store(database);
    const server = new InventoryServer(databaseLoader(store), logger);
    await server.start();
    const inventory = new InventoryContext(store, server, t.endpoint, logger);
    const events: string[] = [];
    inventory.replication = { markProductReleased: () => undefined, itemSold: (id) => events.push(`replicate ${id}`) };
    // What an item_out listener sees: the cache must already say 0.
    inventory.onItemOut = (id) => events.push(`out ${id} (cache ${itemById(server.get(), id)?.available_count})`);
    return { server, inventory, events };
  }

  const counts = async () =>
    Object.fromEntries(
      (await database.db.selectFrom("item_availabilities").select(["item_id", "available_count"]).orderBy("item_id").execute()).map((r) => [
        r.item_id,
        r.available_count,
      ]),
    );

  test("buys one of each in one go; the cache follows; item_out fires only after the cache says 0", async () => {
    const { server, inventory, events } = await setup();
    expect(await purchaseCart(inventory, [1, 2, 3], logger)).toEqual({ ok: true });
    expect(await counts()).toEqual({ 1: 0, 2: 1, 3: 2 });
    expect([1, 2, 3].map((id) => itemById(server.get(), id)?.available_count)).toEqual([0, 1, 2]);
    expect(events.filter((e) => e.startsWith("out"))).toEqual(["out 1 (cache 0)"]);
    expect(events.filter((e) => e.startsWith("replicate")).sort()).toEqual(["replicate 1", "replicate 2", "replicate 3"]);
  });

  test("all or nothing: one item with none left rolls the whole order back", async () => {
    const { inventory, events } = await setup();
    await database.db.updateTable("item_availabilities").set({ available_count: 0 }).where("item_id", "=", 3).execute();
    expect(await purchaseCart(inventory, [1, 2, 3], logger)).toEqual({ ok: false, error: "purchase_failed", itemId: 3 });
    expect(await counts()).toEqual({ 1: 1, 2: 2, 3: 0 });
    expect(await purchaseCart(inventory, [2, 404], logger)).toEqual({ ok: false, error: "purchase_failed", itemId: 404 });
    expect(await counts()).toEqual({ 1: 1, 2: 2, 3: 0 });
    expect(events).toEqual([]);
  });

  test("two carts racing for the last pair: exactly one order goes through, the other changes nothing", async () => {
    const { inventory } = await setup();
    const results = await Promise.all([purchaseCart(inventory, [2, 1], logger), purchaseCart(inventory, [3, 1], logger)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const after = await counts();
    expect(after[1]).toBe(0);
    expect(after[2] + after[3]).toBe(4);
  });
});
