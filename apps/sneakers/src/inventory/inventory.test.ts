import { describe, expect, test } from "vitest";
import { completeProductsFixture } from "../test_support/factory.js";
import {
  availabilityToLevel,
  completeProducts,
  itemById,
  itemsInStock,
  markProductReleased,
  productById,
  setAvailability,
  stockChangeNeeded,
  unitsInStock,
} from "./inventory.js";

describe("availabilityToLevel", () => {
  test("0 is out, under 150 low, under 500 medium, else high", () => {
    expect([0, 1, 149, 150, 499, 500, 1200].map(availabilityToLevel)).toEqual(["out", "low", "low", "medium", "medium", "high", "high"]);
  });
});

describe("complete products", () => {
  test("products by order, items by id, each with its count", () => {
    const { inventory } = completeProductsFixture();
    const products = completeProducts(inventory);
    expect(products.map((p) => p.sku)).toEqual(["p2", "p1"]);
    expect(products[0].items.map((i) => [i.sku, i.available_count])).toEqual([["i3", 3]]);
    expect(products[1].items.map((i) => [i.sku, i.available_count])).toEqual([
      ["i1", 1],
      ["i2", 2],
    ]);
  });

  test("unknown ids are not found", () => {
    const { inventory } = completeProductsFixture();
    expect(productById(inventory, 99)).toBeUndefined();
    expect(itemById(inventory, 99)).toBeUndefined();
    expect(productById(inventory, 1)?.items.map((i) => i.id)).toEqual([1, 2]);
  });

  test("an item without an availability row counts 0", () => {
    const { inventory } = completeProductsFixture();
    const availability = new Map(inventory.availability);
    availability.delete(2);
    expect(itemById({ ...inventory, availability }, 2)?.available_count).toBe(0);
  });
});

describe("changes return a new inventory and leave the old one alone", () => {
  test("markProductReleased", () => {
    const { inventory } = completeProductsFixture();
    const released = markProductReleased(inventory, 1);
    expect(inventory.products.get(1)?.released).toBe(false);
    expect(released.products.get(1)?.released).toBe(true);
    expect(markProductReleased(released, 1)).toBe(released);
  });

  test("setAvailability", () => {
    const { inventory } = completeProductsFixture();
    const next = setAvailability(inventory, { id: 3, item_id: 3, available_count: 0 });
    expect(itemById(inventory, 3)?.available_count).toBe(3);
    expect(itemById(next, 3)?.available_count).toBe(0);
    expect(itemsInStock(next).map((i) => i.id)).toEqual([1, 2]);
    expect(unitsInStock(next)).toBe(3);
  });
});

describe("the stock_change rule", () => {
  const count = (available_count: number) => ({ available_count });
  test.each([
    [3, 3, false, "same level (low): nothing"],
    [600, 550, false, "high to high: nothing"],
    [3, 0, true, "low to out"],
    [0, 0, true, "out is always sent again"],
    [600, 499, true, "high to medium"],
    [150, 149, true, "medium to low"],
    [0, 300, true, "restocked"],
  ])("%i → %i: %s (%s)", (before, after, expected) => {
    expect(stockChangeNeeded(count(before), count(after))).toBe(expected);
  });
});
