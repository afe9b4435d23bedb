import type { CompleteProduct } from "../inventory/inventory.js";
import { Safe, html } from "./html.js";

// The token goes into a <script>: JSON-encoded, with "<" escaped so no value can close the tag.
function scriptValue(value: unknown): Safe {
  return new Safe(JSON.stringify(value).replace(/</g, "\\u003c"));
}

function itemRows(product: CompleteProduct): Safe {
  return html`<ul class="item-breakdown__sizes">${product.items.map(
    (item) =>
      html`<li class="item-breakdown__size" data-item-id="${item.id}">Size ${item.size}: <span class="item-count" id="item-count-${item.id}" data-item-id="${item.id}">0</span> in cart / <span class="item-available" id="item-available-${item.id}">${item.available_count}</span> available</li>`,
  )}</ul>`;
}

function productBreakdown(product: CompleteProduct): Safe {
  return html`<div class="item-breakdown" data-product-id="${product.id}">
        <img class="item-breakdown__image" src="${product.main_image_url}" alt="${product.name}"/>
        <div class="item-breakdown__details">
          <h4>${product.name}</h4>
          <div>by ${product.brand} · ${product.color} · $${product.price_usd}</div>
          ${product.released ? "" : html`<div class="item-breakdown__unreleased">Not released.</div>`}
          ${itemRows(product)}
        </div>
      </div>`;
}

/**
 * The admin dashboard (`GET /admin`): the shopper count, shoppers per page and every product's
 * sizes with a "held in carts" cell, all filled in live by /js/admin.js from the admin socket.
 * Element ids are stable: `#shopper-count`, `#page-counts` (one `li[data-page]` per page),
 * `#item-count-<itemId>` and `#items-held` (their sum).
 *
 * @example
 * renderAdmin(completeProducts(inventory), signAdminToken(endpoint.tokens));
 */
export function renderAdmin(products: CompleteProduct[], adminToken: string): string {
  return html`<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1.0"/>
    <title>Sneakers23 Admin</title>
    <link rel="stylesheet" href="/css/admin.css"/>
  </head>
  <body>
    <header>
      <h2>Sneakers23 Admin</h2>
      <span class="dashboard-status" id="dashboard-status">connecting…</span>
    </header>
    <main class="dashboard">
      <section class="dashboard__shoppers">
        <h3>Shoppers</h3>
        <div class="shopper-count" id="shopper-count">0</div>
      </section>
      <section class="dashboard__pages">
        <h3>Shoppers By Page</h3>
        <ul class="page-counts" id="page-counts"></ul>
      </section>
      <section class="dashboard__items">
        <h3>Item Breakdown <small>(<span id="items-held">0</span> held in carts)</small></h3>
        ${products.map(productBreakdown)}
      </section>
    </main>
    <script>window.adminToken = ${scriptValue(adminToken)};</script>
    <script type="text/javascript" src="/js/admin.js"></script>
  </body>
</html>
`.value;
}
