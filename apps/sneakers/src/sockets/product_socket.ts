import { defineSocket } from "fenix";
import type { Inventory } from "../inventory/inventory.js";
import { productChannel } from "../channels/product_channel.js";

/**
 * The store's public socket: no authentication (nothing on it is private), no socket id. With an
 * inventory, a rejoining page is sent what it missed (see `productChannel`).
 */
export function productSocket(inventory?: () => Inventory) {
  return defineSocket({
    name: "ProductSocket",
    channels: [["product:*", productChannel(inventory)]],
    connect: () => true,
    id: () => null,
  });
}

export const ProductSocket = productSocket();
