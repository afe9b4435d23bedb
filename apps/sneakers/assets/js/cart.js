// The shopper's cart: one `cart:{cartId}` channel per tab. The cart itself lives in
// localStorage.storedCart as the server's signed token; every (re)join sends the latest one, and
// every cart the server sends back is stored and drawn.
import { renderCart } from "./cart_renderer";

export function setupCartChannel(socket, cartId) {
  // A function, so a rejoin after a reconnect sends the token stored since, not the first one.
  const cartChannel = socket.channel(`cart:${cartId}`, () => ({
    serialized: localStorage.storedCart,
    page: window.location.pathname,
  }));

  const onCartChange = (cart) => {
    console.debug("Cart received", cart);
    localStorage.storedCart = cart.serialized;
    renderCart(cart);
  };

  cartChannel.on("cart", onCartChange);
  cartChannel.join().receive("error", () => {
    console.error("Cart join failed");
  });

  const push = (event, itemId) => {
    cartChannel
      .push(event, { item_id: itemId })
      .receive("ok", onCartChange)
      .receive("error", (reply) => console.error(`Cart error ${event}`, reply));
  };

  // Delegated, so size buttons that arrive later (a live release) and redrawn cart rows work too.
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const size = target?.closest(".size-container__entry");
    if (size) {
      event.preventDefault();
      if (!size.disabled) push("add_item", size.value);
      return;
    }
    const remove = target?.closest(".cart-item__remove");
    if (remove) {
      event.preventDefault();
      push("remove_item", remove.dataset.itemId);
    }
  });

  return cartChannel;
}
