import type { Logger } from "fenix";
import type { InventoryContext } from "../inventory/context.js";

export type SaleResult = "ok" | "not_available";

/**
 * Sells one item (the book's `Checkout.SingleItem`): the database's conditional decrement decides;
 * the cache, the other nodes and the shoppers follow asynchronously, from a fresh read.
 */
export async function sellItem(inventory: InventoryContext, itemId: number, logger: Logger): Promise<SaleResult> {
  const sold = await inventory.store.reduceAvailability(itemId);
  if (!sold) return "not_available";
  inventory.itemSold(itemId).catch((err) => logger.error(`inventory: item ${itemId} sold but the cache was not updated: ${(err as Error).message}`));
  return "ok";
}
