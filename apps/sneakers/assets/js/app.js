import { Socket } from "phoenix";
import { LiveSocket } from "phoenix_live_view";
import { productSocket } from "./socket";
import dom from "./dom";
import { setupCartChannel } from "./cart";

// A page rendered by a live view (/drops) is kept current by the server over /live: the product
// channels would update the same DOM a second time, so they are not joined there (the book's
// chapter 13). The cart channel stays, and size clicks reach it by document-level delegation.
const liveView = document.querySelector("[data-phx-main]") !== null;
const productIds = liveView ? [] : dom.getProductIds();
const cartId = window.cartId;

if (productIds.length > 0 || cartId) productSocket.connect();
for (const id of productIds) setupProductChannel(productSocket, id);
// For tests and the curious: the page's cart channel.
if (cartId) window.cartChannel = setupCartChannel(productSocket, cartId);
if (liveView) window.liveSocket = connectToLiveView();

function connectToLiveView() {
  const csrfToken = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", Socket, { params: { _csrf_token: csrfToken } });
  liveSocket.connect();
  return liveSocket;
}

function setupProductChannel(socket, productId) {
  // Evaluated on every (re)join: the server answers with what this page missed meanwhile.
  const productChannel = socket.channel(`product:${productId}`, () => ({ seen: dom.seenProduct(productId) }));
  productChannel.join().receive("error", () => {
    console.error("Channel join failed");
  });

  productChannel.on("released", ({ size_html }) => {
    dom.replaceProductComingSoon(productId, size_html);
  });

  productChannel.on("stock_change", ({ item_id, level }) => {
    dom.updateItemLevel(item_id, level);
  });
}

// For tests and the curious: the page's one socket.
window.productSocket = productSocket;
