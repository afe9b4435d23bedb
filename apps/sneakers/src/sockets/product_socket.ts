import { defineSocket } from "fenix";
import { type CartChannelOptions, shoppingCartChannel } from "../channels/shopping_cart_channel.js";
import { productChannel } from "../channels/product_channel.js";
import type { Inventory } from "../inventory/inventory.js";

/**
 * The store's public socket: no authentication (nothing on it is private), no socket id. With an
 * inventory, a rejoining page is sent what it missed (see `productChannel`); with cart options,
 * `cart:{cartId}` joins the shopper's cart (see `shoppingCartChannel`).
 *
 * @example
 * endpoint.socket("/product_socket", productSocket(() => server.get(), { inventory: () => server.get(), pubsub: endpoint.pubsub }))
 */
export function productSocket(inventory?: () => Inventory, cart?: CartChannelOptions) {
  return defineSocket({
    name: "ProductSocket",
    channels: cart
      ? [
          ["product:*", productChannel(inventory)],
          ["cart:*", shoppingCartChannel(cart)],
        ]
      : [["product:*", productChannel(inventory)]],
    connect: () => true,
    id: () => null,
  });
}

export const ProductSocket = productSocket();
