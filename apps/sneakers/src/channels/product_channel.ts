import { defineChannel } from "fenix";
import { type CompleteItem, type CompleteProduct, availabilityToLevel, stockChangeNeeded } from "../inventory/inventory.js";
import { renderSizes } from "../views/product_view.js";

/**
 * `product:{productId}`: any suffix joins and nothing is handled from the client — shoppers only
 * listen for `released` and `stock_change`.
 */
export const ProductChannel = defineChannel({
  name: "ProductChannel",
  join() {},
});

/** What the notifications need of the endpoint: a cluster-wide broadcast. */
export interface Broadcaster {
  broadcast(topic: string, event: string, payload: object): Promise<void>;
}

/**
 * Sends the product's size selector, rendered by the page's own template, to every shopper on
 * every node. Local subscribers have it when this resolves.
 */
export function notifyProductReleased(endpoint: Broadcaster, product: CompleteProduct): Promise<void> {
  return endpoint.broadcast(`product:${product.id}`, "released", { size_html: renderSizes(product) });
}

/**
 * The book's rule: broadcast `stock_change` only when the level changes, and always when it is
 * "out" (so that "out" is never missed).
 */
export async function notifyItemStockChange(
  endpoint: Broadcaster,
  change: { previousItem: Pick<CompleteItem, "available_count">; currentItem: CompleteItem },
): Promise<"no_change" | "broadcast"> {
  const { previousItem, currentItem } = change;
  if (!stockChangeNeeded(previousItem, currentItem)) return "no_change";
  await endpoint.broadcast(`product:${currentItem.product_id}`, "stock_change", {
    product_id: currentItem.product_id,
    item_id: currentItem.id,
    level: availabilityToLevel(currentItem.available_count),
  });
  return "broadcast";
}
