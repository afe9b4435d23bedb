import type { CartItemView, CartView } from "./cart_view.js";
import { html } from "./html.js";
import { layout } from "./layout_view.js";

function item(entry: CartItemView) {
  return html`<div class="product-listing" data-item-id="${entry.id}">
          <div class="product-listing__image-wrap">
            <img src="${entry.main_image_url}" alt="${entry.name}"/>
          </div>
          <div class="product-listing__details">
            <h4 class="product-listing__detail-header">${entry.name}</h4>
            <div>by ${entry.brand}</div>
            <div>${entry.color}</div>
            <div>$${entry.price_usd}</div>
            <div>Size ${entry.size}</div>
            ${entry.out_of_stock ? html`<p class="checkout-unavailable">Sorry, this shoe is sold out</p>` : ""}
            ${entry.released ? "" : html`<p class="checkout-unavailable">Sorry, this shoe is not released yet</p>`}
          </div>
        </div>`;
}

/**
 * `GET /checkout`: the cart's items (sold-out and unreleased ones marked), then the purchase
 * form carrying the same token; purchase is disabled when any item cannot be bought.
 */
export function renderCheckout(cart: CartView, options: { cartId: string; flash?: string }): string {
  const blocked = cart.items.some((entry) => entry.out_of_stock || !entry.released);
  return layout(
    html`<main class="checkout-container">
      ${options.flash ? html`<p class="alert alert-danger">Sorry, ${options.flash}.</p>` : ""}
      <h2>Your Cart</h2>
      ${cart.items.map(item)}
      <h3>Payment Information</h3>
      <p>This is a demo store: no payment is taken.</p>
      <form class="checkout-form" action="/checkout" method="POST">
        <input type="hidden" name="serialized_cart" value="${cart.serialized}"/>
        ${
          blocked
            ? html`<button type="submit" class="purchase-button" disabled>SOME ITEMS NOT AVAILABLE</button>`
            : html`<button type="submit" class="purchase-button">PURCHASE</button>`
        }
      </form>
    </main>`,
    { cartId: options.cartId },
  );
}

/** `GET /checkout` with an empty (or unreadable) cart. */
export function renderEmptyCheckout(options: { cartId: string; flash?: string }): string {
  return layout(
    html`<main class="checkout-container">
      ${options.flash ? html`<p class="alert alert-danger">Sorry, ${options.flash}.</p>` : ""}
      <h2>No items to checkout!</h2>
      <p><a href="/">Back to the store</a></p>
    </main>`,
    { cartId: options.cartId },
  );
}

/** `GET /checkout/complete`: the order went through, and this browser's stored cart is dropped. */
export function renderCheckoutComplete(options: { cartId: string }): string {
  return layout(
    html`<main class="checkout-container">
      <h2>Order Complete!</h2>
      <p>Your cart has been cleared.</p>
      <p><a href="/">Go Home</a></p>
      <script type="text/javascript">delete localStorage.storedCart</script>
    </main>`,
    { cartId: options.cartId },
  );
}
