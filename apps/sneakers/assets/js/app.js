import { productSocket } from "./socket";
import dom from "./dom";
import { setupCartChannel } from "./cart";

const productIds = dom.getProductIds();
const cartId = window.cartId;

if (productIds.length > 0 || cartId) productSocket.connect();
for (const id of productIds) setupProductChannel(productSocket, id);
// For tests and the curious: the page's cart channel.
if (cartId) window.cartChannel = setupCartChannel(productSocket, cartId);

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
