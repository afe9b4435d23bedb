import { afterEach, describe, expect, test } from "vitest";
import { channelTest, like } from "fenix/testing";
import type { ChannelTest } from "fenix/testing";
import { createLogger } from "fenix";
import { sellItem } from "../checkout/single_item.js";
import type { Database } from "../db/database.js";
import { ProductSocket } from "../sockets/product_socket.js";
import { Store } from "../store.js";
import { factoryDatabase } from "../test_support/factory.js";
import { InventoryContext } from "./context.js";
import { itemById } from "./inventory.js";
import { InventoryServer, databaseLoader } from "./server.js";

const logger = createLogger({ name: "test", level: "silent" });
let t: ChannelTest;
let database: Database;
afterEach(async () => {
  await t?.cleanup();
  await database?.close();
});

async function setup() {
  t = channelTest();
  database = await factoryDatabase();
  const store = new Store(database);
  const server = new InventoryServer(databaseLoader(store), logger);
  await server.start();
  const inventory = new InventoryContext(store, server, t.endpoint, logger);
  const replicated: string[] = [];
  inventory.replication = { markProductReleased: (id) => replicated.push(`released ${id}`), itemSold: (id) => replicated.push(`sold ${id}`) };
  return { store, server, inventory, replicated };
}

const releasedInDb = async (id: number) =>
  Boolean((await database.db.selectFrom("products").select("released").where("id", "=", id).executeTakeFirst())?.released);
const countInDb = async (itemId: number) =>
  (await database.db.selectFrom("item_availabilities").select("available_count").where("item_id", "=", itemId).executeTakeFirstOrThrow()).available_count;

describe("markProductReleased", () => {
  test("the update is received locally: in memory and in the database", async () => {
    const { server, inventory } = await setup();
    expect([server.get().products.get(1)?.released, await releasedInDb(1)]).toEqual([false, false]);
    await inventory.markProductReleased(1);
    expect([server.get().products.get(1)?.released, await releasedInDb(1)]).toEqual([true, true]);
  });

  test("the update is sent to the client before the call returns, and to the other nodes", async () => {
    const { inventory, replicated } = await setup();
    await t.subscribeAndJoin(t.socket(ProductSocket), "product:1");
    await inventory.markProductReleased(1);
    // Timeout 0: already in the mailbox when the call resolved (the book's assert_received).
    await t.assertBroadcast(
      "released",
      like((p) => typeof (p as { size_html?: unknown }).size_html === "string"),
      0,
    );
    expect(replicated).toEqual(["released 1"]);
  });

  test("a replicated release updates memory and the database but neither broadcasts nor replicates again", async () => {
    const { server, inventory, replicated } = await setup();
    await t.subscribeAndJoin(t.socket(ProductSocket), "product:1");
    await inventory.markProductReleased(1, { beingReplicated: true });
    expect(server.get().products.get(1)?.released).toBe(true);
    await t.refuteBroadcast("released");
    expect(replicated).toEqual([]);
  });

  test("an unknown product is refused and nothing changes", async () => {
    const { server, inventory, replicated } = await setup();
    const before = server.get();
    await expect(inventory.markProductReleased(99)).rejects.toThrow(/unknown product 99/);
    expect(server.get()).toBe(before);
    expect(replicated).toEqual([]);
  });
});

describe("selling (SingleItem)", () => {
  test("the first sale succeeds and both counts reach 0; the second is not available", async () => {
    const { server, inventory } = await setup();
    expect(await sellItem(inventory, 1, logger)).toBe("ok");
    await expect.poll(() => itemById(server.get(), 1)?.available_count).toBe(0);
    expect(await countInDb(1)).toBe(0);
    expect(await sellItem(inventory, 1, logger)).toBe("not_available");
    expect([itemById(server.get(), 1)?.available_count, await countInDb(1)]).toEqual([0, 0]);
  });

  test("a sale to 0 sends stock_change out and replicates item_sold", async () => {
    const { inventory, replicated } = await setup();
    await t.subscribeAndJoin(t.socket(ProductSocket), "product:1");
    expect(await sellItem(inventory, 1, logger)).toBe("ok");
    await t.assertBroadcast("stock_change", { product_id: 1, item_id: 1, level: "out" }, 500);
    expect(replicated).toEqual(["sold 1"]);
  });

  test("itemSold re-reads the database: a replica converges on the database's count", async () => {
    const { server, inventory } = await setup();
    await database.db.updateTable("item_availabilities").set({ available_count: 250 }).where("item_id", "=", 2).execute();
    await inventory.itemSold(2, { beingReplicated: true });
    expect(itemById(server.get(), 2)?.available_count).toBe(250);
  });

  test("setStock takes the sale's path: database, cache, stock_change by the rule", async () => {
    const { server, inventory } = await setup();
    await t.subscribeAndJoin(t.socket(ProductSocket), "product:1");
    await inventory.setStock(2, 700);
    expect([itemById(server.get(), 2)?.available_count, await countInDb(2)]).toEqual([700, 700]);
    await t.assertBroadcast("stock_change", { product_id: 1, item_id: 2, level: "high" }, 0);
    await inventory.setStock(2, 650);
    await t.refuteBroadcast("stock_change");
  });

  test("concurrent re-reads of one item are applied in order: the cache ends at the database's count", async () => {
    const { server, inventory } = await setup();
    await inventory.setStock(3, 50);
    await Promise.all(Array.from({ length: 50 }, () => sellItem(inventory, 3, logger)));
    await expect.poll(() => itemById(server.get(), 3)?.available_count).toBe(0);
    expect(await countInDb(3)).toBe(0);
  });
});

describe("a burst of sales of one size", () => {
  test("is covered by one re-read per read in flight, and the cache still ends at the database's count", async () => {
    const { store, server, inventory } = await setup();
    await inventory.setStock(3, 40);
    const before = store.queries;
    await Promise.all(Array.from({ length: 40 }, () => sellItem(inventory, 3, logger)));
    await expect.poll(() => itemById(server.get(), 3)?.available_count).toBe(0);
    // 40 decrements, and far fewer than 40 re-reads (sales in one turn share the waiting read).
    const reads = store.queries - before - 40;
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThan(10);
    expect(await countInDb(3)).toBe(0);
  });

  test("a sale after a re-read has started gets a read of its own", async () => {
    const { server, inventory } = await setup();
    await inventory.setStock(3, 2);
    const first = inventory.itemSold(3);
    await Promise.resolve();
    await Promise.resolve();
    await database.db.updateTable("item_availabilities").set({ available_count: 1 }).where("item_id", "=", 3).execute();
    const second = inventory.itemSold(3);
    expect(second).not.toBe(first);
    await Promise.all([first, second]);
    expect(itemById(server.get(), 3)?.available_count).toBe(1);
  });
});
