import { describe, expect, test } from "vitest";
import { captureLog } from "fenix/testing";
import { createLogger } from "fenix";
import { completeProductsFixture } from "../test_support/factory.js";
import { InventoryServer } from "./server.js";

const logger = createLogger({ name: "inventory-test", level: "debug" });

describe("InventoryServer", () => {
  test("starts with a loader and serves the inventory", async () => {
    const { inventory } = completeProductsFixture();
    const server = new InventoryServer(async () => inventory, logger);
    expect(server.loaded).toBe(false);
    await server.start();
    expect(server.loaded).toBe(true);
    expect(server.get()).toBe(inventory);
  });

  test("keeps retrying while the database is away, logs that once, then loads", async () => {
    const { inventory } = completeProductsFixture();
    let attempts = 0;
    const server = new InventoryServer(async () => {
      if (++attempts < 4) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return inventory;
    }, logger);
    const log = await captureLog(() => server.start());
    expect(server.get()).toBe(inventory);
    expect(attempts).toBe(4);
    expect(log.match(/cannot load, retrying/g)).toHaveLength(1);
    expect(log).toMatch(/loaded \(2 products, 3 items\) after 3 failed attempts/);
  });

  test("restart reloads while the old copy keeps serving", async () => {
    const first = completeProductsFixture().inventory;
    const second = completeProductsFixture().inventory;
    let release: () => void = () => {};
    let calls = 0;
    const server = new InventoryServer(async () => {
      if (calls++ === 0) return first;
      await new Promise<void>((resolve) => (release = resolve));
      return second;
    }, logger);
    await server.start();
    const restarting = server.restart();
    expect(server.loaded).toBe(true);
    expect(server.get()).toBe(first);
    await Promise.resolve();
    release();
    await restarting;
    expect(server.get()).toBe(second);
  });

  test("changes before the first load are not invented in memory", () => {
    const server = new InventoryServer(async () => completeProductsFixture().inventory, logger);
    server.markProductReleased(1);
    expect(server.loaded).toBe(false);
    expect(server.get().products.size).toBe(0);
  });
});

test("a restart while the database is down answers with the error and keeps the old copy", async () => {
  const first = completeProductsFixture().inventory;
  const second = completeProductsFixture().inventory;
  let down = false;
  const server = new InventoryServer(async () => {
    if (down) throw new Error("connect ECONNREFUSED");
    return server.loaded ? second : first;
  }, logger);
  await server.start();
  down = true;
  await expect(server.restart()).rejects.toThrow(/ECONNREFUSED/);
  expect(server.get()).toBe(first);
  down = false;
  await expect.poll(() => server.get(), { timeout: 2_000 }).toBe(second);
  server.stop();
});
