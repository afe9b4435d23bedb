import { describe, expect, test } from "vitest";
import { completeProducts } from "../inventory/inventory.js";
import { completeProductsFixture, product } from "../test_support/factory.js";
import { escapeHtml, html } from "./html.js";
import { renderIndex, renderSizes } from "./product_view.js";

describe("the size selector", () => {
  test("one submit button per item with its level class, value and size; disabled at 0", () => {
    const p = {
      ...product({ id: 7 }),
      items: [0, 1, 149, 150, 500].map((n, i) => ({ id: i + 1, sku: `s${i}`, size: `${6 + i}`, product_id: 7, available_count: n })),
    };
    const markup = renderSizes(p);
    expect(markup.startsWith('<form class="size-container" action="/cart/add" method="POST">')).toBe(true);
    expect(markup).toContain(
      '<button type="submit" class="size-container__entry size-container__entry--level-out" name="item_id" value="1" disabled>6</button>',
    );
    expect(markup).toContain('<button type="submit" class="size-container__entry size-container__entry--level-low" name="item_id" value="2">7</button>');
    expect(markup).toContain('class="size-container__entry size-container__entry--level-low" name="item_id" value="3">8<');
    expect(markup).toContain('class="size-container__entry size-container__entry--level-medium" name="item_id" value="4">9<');
    expect(markup).toContain('class="size-container__entry size-container__entry--level-high" name="item_id" value="5">10<');
    expect(markup.match(/disabled/g)).toHaveLength(1);
  });
});

describe("the store front", () => {
  test("listings in order with name, brand, color and price; unreleased say coming soon", () => {
    const { inventory } = completeProductsFixture();
    const page = renderIndex(completeProducts(inventory));
    expect(page).toContain("<title>Sneakers23</title>");
    expect(page).toContain("<h2>Sneakers23</h2>");
    expect(page).toContain('<main class="product-list">');
    expect(page.indexOf('data-product-id="2"')).toBeLessThan(page.indexOf('data-product-id="1"'));
    expect(page).toContain('<h4 class="product-soon-1">coming soon...</h4>');
    expect(page).toContain('<h4 class="product-listing__detail-header">name</h4>');
    expect(page).toContain("<div>by brand</div>");
    expect(page).toContain("<div>$100</div>");
    expect(page).not.toContain("size-container");
    expect(page).toContain('<script type="text/javascript" src="/js/app.js"></script>');
  });

  test("a released product shows the same selector the live push carries", () => {
    const [p2] = completeProducts(completeProductsFixture().inventory);
    const released = { ...p2, released: true };
    const page = renderIndex([released]);
    expect(page).toContain(renderSizes(released));
    expect(page).not.toContain("product-soon-2");
  });

  test("text from the database is escaped", () => {
    const evil = { ...product({ id: 3, name: '<script>alert("x")</script>', brand: "A&B" }), items: [] };
    const page = renderIndex([evil]);
    expect(page).not.toContain("<script>alert");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page).toContain("by A&amp;B");
  });
});

test("html escapes values but not nested templates", () => {
  expect(html`<b>${"<i>"}</b>${html`<i>ok</i>`}${["<", html`>`]}`.value).toBe("<b>&lt;i&gt;</b><i>ok</i>&lt;>");
  expect(escapeHtml(`'"`)).toBe("&#39;&quot;");
});
