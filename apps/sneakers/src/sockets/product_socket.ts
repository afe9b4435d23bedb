import { defineSocket } from "fenix";
import { ProductChannel } from "../channels/product_channel.js";

/** The store's public socket: no authentication (nothing on it is private), no socket id. */
export const ProductSocket = defineSocket({
  name: "ProductSocket",
  channels: [["product:*", ProductChannel]],
  connect: () => true,
  id: () => null,
});
