import type { Logger } from "fenix";
import type { InventoryContext } from "../inventory/context.js";
import type { CartView } from "../views/cart_view.js";

/** Why a cart cannot be bought, checked in this order (the book's controller). */
export type CheckoutProblem = "empty" | "out_of_stock" | "unreleased";
/** Why a purchase did not happen: the checks above, or the database's own decision. */
export type CheckoutError = CheckoutProblem | "purchase_failed";

/** What the shopper reads after "Sorry, " on the checkout page, by reason. */
export const CHECKOUT_MESSAGES: Record<CheckoutError, string> = {
  empty: "your cart is empty",
  out_of_stock: "your cart has out-of-stock shoes",
  unreleased: "your cart has unreleased shoes",
  purchase_failed: "your purchase could not be completed",
};

export function isCheckoutError(value: unknown): value is CheckoutError {
  return typeof value === "string" && Object.hasOwn(CHECKOUT_MESSAGES, value);
}

/**
 * What stops this cart from being bought, as the cache sees it, or null. Only a hint for the
 * page: the purchase's transaction is what decides.
 *
 * @example
 * checkoutProblem({ items: [], serialized }) // "empty"
 */
export function checkoutProblem(cart: CartView): CheckoutProblem | null {
  if (cart.items.length === 0) return "empty";
  if (cart.items.some((item) => item.out_of_stock)) return "out_of_stock";
  if (cart.items.some((item) => !item.released)) return "unreleased";
  return null;
}

/**
 * Buys one of each item, all or nothing, in one database transaction; then, after the commit,
 * every item goes the way a single sale does (re-read, cache, the other nodes, `stock_change`,
 * `item_out` at 0). Resolves once this node's cache has the new counts.
 */
export async function purchaseCart(
  inventory: InventoryContext,
  itemIds: readonly number[],
  logger: Logger,
): Promise<{ ok: true } | { ok: false; error: "purchase_failed"; itemId: number }> {
  const unavailable = await inventory.store.purchaseItems(itemIds);
  if (unavailable !== null) return { ok: false, error: "purchase_failed", itemId: unavailable };
  await Promise.all(
    itemIds.map((id) =>
      inventory.itemSold(id).catch((err) => logger.error(`inventory: item ${id} sold but the cache was not updated: ${(err as Error).message}`)),
    ),
  );
  return { ok: true };
}
