import { type CompleteProduct, availabilityToLevel } from "../inventory/inventory.js";
import { Safe, html } from "./html.js";
import { type LayoutOptions, layout } from "./layout_view.js";

/**
 * The size selector (the book's `_sizes.html`): the same markup on page load and in the live
 * `released` push, so a released product looks the same either way.
 */
export function sizes(product: CompleteProduct): Safe {
  return html`<form class="size-container" action="/cart/add" method="POST">${product.items.map(
    (item) =>
      html`<button type="submit" class="size-container__entry size-container__entry--level-${availabilityToLevel(item.available_count)}" name="item_id" value="${item.id}"${item.available_count === 0 ? html` disabled` : ""}>${item.size}</button>`,
  )}</form>`;
}

export function renderSizes(product: CompleteProduct): string {
  return sizes(product).value;
}

function listing(product: CompleteProduct): Safe {
  return html`<div class="product-listing" data-product-id="${product.id}">
        <div class="product-listing__image-wrap">
          <img src="${product.main_image_url}" alt="${product.name}"/>
        </div>
        <div class="product-listing__details">
          <h4 class="product-listing__detail-header">${product.name}</h4>
          <div>by ${product.brand}</div>
          <div>${product.color}</div>
          <div>$${product.price_usd}</div>
          ${product.released ? sizes(product) : html`<h4 class="product-soon-${product.id}">coming soon...</h4>`}
        </div>
      </div>`;
}

/** The product list alone: the same for every shopper, so it can be rendered once per inventory. */
export function renderProductList(products: CompleteProduct[]): string {
  return html`<main class="product-list">
      ${products.map(listing)}
    </main>`.value;
}

/**
 * The store front (`GET /`): every product, in display order, in the layout (with the shopper's
 * cart when `cartId` is given). `list` is a list rendered earlier by `renderProductList`.
 */
export function renderIndex(products: CompleteProduct[], options: LayoutOptions & { list?: string } = {}): string {
  return layout(new Safe(options.list ?? renderProductList(products)), options);
}
