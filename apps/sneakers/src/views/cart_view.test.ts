import { describe, expect, test } from "vitest";
import { fromRows } from "../inventory/inventory.js";
import { product } from "../test_support/factory.js";
import { cartToMap } from "./cart_view.js";

const inventory = fromRows(
  [product({ id: 1, brand: "Snks 23", name: "Hop Man 3", color: "yellow/blue", price_usd: 120, main_image_url: "/images/hopman.svg", released: true })],
  [
    { id: 1, sku: "SHU6000", size: "6", product_id: 1 },
    { id: 2, sku: "SHU6001", size: "6.5", product_id: 1 },
  ],
  [
    { id: 1, item_id: 1, available_count: 0 },
    { id: 2, item_id: 2, available_count: 5 },
  ],
);

describe("cartToMap", () => {
  test("the book's shape, items by id, availability now, unknown ids left out", () => {
    expect(cartToMap(inventory, { items: [2, 99, 1] }, "tok")).toEqual({
      items: [
        {
          id: 1,
          size: "6",
          sku: "SHU6000",
          brand: "Snks 23",
          color: "yellow/blue",
          name: "Hop Man 3",
          price_usd: 120,
          main_image_url: "/images/hopman.svg",
          released: true,
          out_of_stock: true,
        },
        {
          id: 2,
          size: "6.5",
          sku: "SHU6001",
          brand: "Snks 23",
          color: "yellow/blue",
          name: "Hop Man 3",
          price_usd: 120,
          main_image_url: "/images/hopman.svg",
          released: true,
          out_of_stock: false,
        },
      ],
      serialized: "tok",
    });
    expect(cartToMap(inventory, { items: [] }, "t")).toEqual({ items: [], serialized: "t" });
  });
});
