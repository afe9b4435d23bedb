// Draws the cart widget (the book's cartRenderer.js): nothing when the cart is empty, otherwise a
// fixed panel whose CHECKOUT submits the signed cart to GET /checkout.

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);

function row(item) {
  const out = item.out_of_stock ? " cart-item-out" : "";
  return `<div class="cart-item">
      <div class="cart-item__remove" data-item-id="${escapeHtml(item.id)}" title="Remove">&times;</div>
      <div class="cart-item__contents${out}">
        <div><span>${escapeHtml(item.brand)}</span> <b>${escapeHtml(item.name)}</b></div>
        <div><span>${escapeHtml(item.size)}</span></div>
      </div>
      <div class="cart-item__price${out}">$${escapeHtml(item.price_usd)}</div>
    </div>`;
}

export function cartHtml({ items, serialized }) {
  if (items.length === 0) return "";
  // Sold-out rows count too: the shopper still holds them until they remove them.
  const subtotal = items.reduce((sum, item) => sum + item.price_usd, 0);
  return `<form class="cart-container" action="/checkout" method="GET">
    <input type="hidden" name="serialized_cart" value="${escapeHtml(serialized)}"/>
    <div class="cart-header">Cart ${items.length}</div>
    <div class="cart-items">${items.map(row).join("")}</div>
    <div class="cart-subtotal">Subtotal $${escapeHtml(subtotal)}</div>
    <div><input class="cart-checkout" type="submit" value="CHECKOUT"/></div>
  </form>`;
}

export function renderCart(cart) {
  const container = document.getElementById("cart-container");
  if (container) container.innerHTML = cartHtml(cart);
}
