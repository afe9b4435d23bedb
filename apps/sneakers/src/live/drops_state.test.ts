import { describe, expect, test } from "vitest";
import { completeProducts, markProductReleased, setAvailability } from "../inventory/inventory.js";
import { completeProductsFixture } from "../test_support/factory.js";
import { NOTHING_HEARD, dropsProducts, hear, pageProducts } from "./drops_state.js";

const { inventory } = completeProductsFixture(); // p2 (i3: 3), then p1 (i1: 1, i2: 2); all unreleased
const byId = <T extends { id: number }>(list: T[], id: number) => list.find((x) => x.id === id) as T;

describe("hear", () => {
  test("keeps a release by its topic and a stock change's level; ignores anything else", () => {
    let heard = hear(NOTHING_HEARD, { topic: "product:1", event: "released", payload: { size_html: "<form>" } });
    heard = hear(heard, { topic: "product:1", event: "stock_change", payload: { product_id: 1, item_id: 2, level: "out" } });
    expect([...heard.released]).toEqual([1]);
    expect([...heard.levels]).toEqual([[2, "out"]]);
    for (const message of [
      { topic: "product:x", event: "released" },
      { topic: "product:1", event: "stock_change", payload: { item_id: "2", level: "out" } },
      { topic: "product:1", event: "stock_change", payload: { item_id: 2, level: "gone" } },
      { topic: "product:1", event: "stock_change" },
      { topic: "product:1", event: "presence_diff", payload: {} },
    ]) {
      expect(hear(heard, message)).toBe(heard);
    }
  });
});

describe("pageProducts", () => {
  test("with nothing heard, or only what the cache already says, is the cache's list itself", () => {
    const base = dropsProducts(completeProducts(markProductReleased(inventory, 1)));
    expect(pageProducts(base, NOTHING_HEARD).products).toBe(base);
    const agreed = hear(hear(NOTHING_HEARD, { topic: "product:1", event: "released" }), {
      event: "stock_change",
      payload: { item_id: 1, level: "low" },
    });
    expect(pageProducts(base, agreed)).toEqual({ products: base, heard: NOTHING_HEARD });
  });

  test("lays what the cache does not hold yet over it, and forgets it once the cache agrees", () => {
    const stale = dropsProducts(completeProducts(inventory));
    let heard = hear(NOTHING_HEARD, { topic: "product:1", event: "released" });
    heard = hear(heard, { event: "stock_change", payload: { item_id: 2, level: "out" } });
    const page = pageProducts(stale, heard);
    expect(byId(page.products, 1).released).toBe(true);
    expect(byId(byId(page.products, 1).items, 2)).toMatchObject({ level: "out", disabled: true, available_count: 2 });
    expect(byId(byId(page.products, 1).items, 1)).toMatchObject({ level: "low", disabled: false });
    expect(byId(page.products, 2).released).toBe(false);
    expect(byId(stale, 1).released).toBe(false); // the shared list is not touched

    const caughtUp = dropsProducts(completeProducts(setAvailability(markProductReleased(inventory, 1), { id: 2, item_id: 2, available_count: 0 })));
    expect(pageProducts(caughtUp, page.heard)).toEqual({ products: caughtUp, heard: NOTHING_HEARD });
  });
});
