import { type Template, escapeHtml, html } from "@fenix/live";
import type { DropsItem, DropsProduct } from "../live/drops_state.js";
import { Safe } from "./html.js";
import { type LayoutOptions, layout } from "./layout_view.js";

// The markup of `/` (product_view.ts) written as live templates: the same bytes on the page, but
// kept as statics and dynamics so a stock change reaches the client as one changed class. Every
// listing and every size button is its own call site, so each is an entry of a comprehension and
// a diff names only the entries that changed. Keep the two files in step (a test compares them).

// ` disabled` is a plain string, not a template, so selling out sends no statics either.
function sizeButton(item: DropsItem): Template {
  return html`<button type="submit" class="size-container__entry size-container__entry--level-${item.level}" name="item_id" value="${item.id}"${item.disabled ? " disabled" : ""}>${item.size}</button>`;
}

/** The size selector (the book's `_sizes.html`) as a live template. */
export function liveSizes(product: DropsProduct): Template {
  return html`<form class="size-container" action="/cart/add" method="POST">${product.items.map(sizeButton)}</form>`;
}

function listing(product: DropsProduct): Template {
  return html`<div class="product-listing" data-product-id="${product.id}">
        <div class="product-listing__image-wrap">
          <img src="${product.main_image_url}" alt="${product.name}"/>
        </div>
        <div class="product-listing__details">
          <h4 class="product-listing__detail-header">${product.name}</h4>
          <div>by ${product.brand}</div>
          <div>${product.color}</div>
          <div>$${product.price_usd}</div>
          ${product.released ? liveSizes(product) : html`<h4 class="product-soon-${product.id}">coming soon...</h4>`}
        </div>
      </div>`;
}

/**
 * The product list of `/` as a live template (what `DropsLive` renders).
 *
 * @example
 * toHtml(build(liveProductList(dropsProducts(completeProducts(inventory))))) === renderProductList(completeProducts(inventory))
 */
export function liveProductList(products: DropsProduct[]): Template {
  return html`<main class="product-list">
      ${products.map(listing)}
    </main>`;
}

/**
 * The store's own layout (header, cart container, `window.cartId`, /js/app.js) around a live
 * view's container, plus the CSRF meta tag the page's LiveSocket sends back as `_csrf_token`.
 *
 * @example
 * new Live({ endpoint, layout: ({ inner, csrfToken }) => dropsLayout(inner, csrfToken, { cartId }) })
 */
export function dropsLayout(inner: string, csrfToken: string, options: LayoutOptions = {}): string {
  const page = layout(new Safe(inner), options);
  // The store layout has one </head>; the meta tag goes last in it.
  return page.replace("</head>", `  <meta name="csrf-token" content="${escapeHtml(csrfToken)}">\n  </head>`);
}
