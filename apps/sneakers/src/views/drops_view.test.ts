import { build, diff, full, toHtml } from "@fenix/live";
import { describe, expect, test } from "vitest";
import { type Inventory, completeProducts, fromRows, markProductReleased, setAvailability } from "../inventory/inventory.js";
import { dropsProducts } from "../live/drops_state.js";
import { completeProductsFixture, product } from "../test_support/factory.js";
import { dropsLayout, liveProductList } from "./drops_view.js";
import { renderProductList } from "./product_view.js";

const liveHtml = (inventory: Inventory) => toHtml(build(liveProductList(dropsProducts(completeProducts(inventory)))));

describe("liveProductList", () => {
  test("is byte-for-byte the markup of / : unreleased, released, sold out, and names that need escaping", () => {
    const { inventory } = completeProductsFixture();
    const released = markProductReleased(markProductReleased(inventory, 1), 2);
    const soldOut = setAvailability(released, { id: 1, item_id: 1, available_count: 0 });
    const tricky = fromRows(
      [product({ id: 7, name: `"Air" <Max> & 'co'`, brand: "B&B", released: true, main_image_url: "/i?a=1&b=2" })],
      [{ id: 9, sku: "s9", size: "9.5", product_id: 7 }],
      [{ id: 1, item_id: 9, available_count: 149 }],
    );
    for (const inv of [inventory, released, soldOut, tricky]) {
      expect(liveHtml(inv)).toBe(renderProductList(completeProducts(inv)));
    }
    expect(liveHtml(soldOut)).toContain('size-container__entry--level-out" name="item_id" value="1" disabled>');
    expect(liveHtml(tricky)).toContain("&quot;Air&quot; &lt;Max&gt; &amp; &#39;co&#39;");
  });

  test("a stock change diffs to the one class that changed, with no statics", () => {
    const { inventory } = completeProductsFixture();
    const released = markProductReleased(markProductReleased(inventory, 1), 2);
    const before = build(liveProductList(dropsProducts(completeProducts(released))));
    const after = build(liveProductList(dropsProducts(completeProducts(setAvailability(released, { id: 2, item_id: 2, available_count: 0 })))));
    const change = diff(before, after);
    const json = JSON.stringify(change);
    expect(json).not.toContain('"s"');
    expect(json).toContain('"out"');
    expect(json).not.toContain("medium"); // the other items are not repeated
    expect(json.length).toBeLessThan(JSON.stringify(full(before)).length / 4);
  });
});

describe("dropsLayout", () => {
  test("is the store's layout with the CSRF meta tag in the head", () => {
    const page = dropsLayout('<div id="phx-1">x</div>', 'tok"en', { cartId: "c".repeat(64) });
    expect(page).toMatch(/<meta name="csrf-token" content="tok&quot;en">\n {2}<\/head>/);
    expect(page).toContain('<div id="cart-container"></div>');
    expect(page).toContain(`window.cartId = "${"c".repeat(64)}"`);
    expect(page).toContain('<div id="phx-1">x</div>');
    expect(page).toContain('<script type="text/javascript" src="/js/app.js"></script>');
  });
});
