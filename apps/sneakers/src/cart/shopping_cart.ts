/**
 * The shopping cart's functional core (the book's `Checkout.ShoppingCart`): a cart is the list of
 * item ids it holds, newest first, and every change returns a new cart or a reason it was
 * refused. Storage is the browser's: the cart travels as a signed token (see `serializeCart`).
 */
import { randomBytes } from "node:crypto";
import type { Tokens } from "fenix";

export interface ShoppingCart {
  /** Item ids, most recently added first; each at most once. */
  readonly items: readonly number[];
}

export type AddError = "duplicate_item";
export type RemoveError = "not_found";
export type Result<E> = { ok: true; cart: ShoppingCart } | { ok: false; error: E };

/** The cart token's salt, as in the book, so a Phoenix server could read these tokens. */
export const CART_SALT = "shopping cart serialization";
/** Seven days, in seconds: an abandoned cart is forgotten after a week. */
export const CART_MAX_AGE_S = 86_400 * 7;
/** Cart ids are 64 characters (the topic refuses any other length). */
export const CART_ID_LENGTH = 64;

export function newCart(): ShoppingCart {
  return { items: [] };
}

/**
 * Prepends `id`; refuses one already there (one of each size per cart).
 *
 * @example
 * addItem(addItem(newCart(), 1).cart, 2) // { ok: true, cart: { items: [2, 1] } }
 */
export function addItem(cart: ShoppingCart, id: number): Result<AddError> {
  if (cart.items.includes(id)) return { ok: false, error: "duplicate_item" };
  return { ok: true, cart: { items: [id, ...cart.items] } };
}

/** Removes `id`; refuses one the cart does not hold. */
export function removeItem(cart: ShoppingCart, id: number): Result<RemoveError> {
  if (!cart.items.includes(id)) return { ok: false, error: "not_found" };
  return { ok: true, cart: { items: cart.items.filter((i) => i !== id) } };
}

export function itemIds(cart: ShoppingCart): number[] {
  return [...cart.items];
}

/**
 * Applies another tab's change as a delta (its additions, then its removals) instead of taking its
 * whole cart: two tabs adding at the same instant each keep the other's item, where the book's
 * wholesale replace would lose one.
 */
export function applyChange(cart: ShoppingCart, change: { added: readonly number[]; removed: readonly number[] }): ShoppingCart {
  let items = [...cart.items];
  for (const id of change.added) if (!items.includes(id)) items = [id, ...items];
  const removed = new Set(change.removed);
  items = items.filter((id) => !removed.has(id));
  return { items };
}

/**
 * An item id as a client sends it: the book's clients send strings ("17"), others numbers.
 * Anything else (a non-numeric string, a fraction, a negative) is `undefined`, never a throw.
 */
export function parseItemId(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isSafeInteger(raw) && raw > 0 ? raw : undefined;
  if (typeof raw !== "string" || !/^[1-9][0-9]{0,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** 64 characters of standard base64 from 64 random bytes (the book's `generate_cart_id`). */
export function generateCartId(): string {
  return randomBytes(64).toString("base64").slice(0, CART_ID_LENGTH);
}

/**
 * The cart as a Phoenix.Token (salt "shopping cart serialization", 7 days): signed, not
 * encrypted, timestamped so each serialization differs. It names its cart id, so a token copied
 * from cart X restores as an empty cart in cart Y.
 *
 * @example
 * const token = serializeCart(endpoint.tokens, cartId, { items: [2, 1] });
 * restoreCart(endpoint.tokens, cartId, token) // { items: [2, 1] }
 */
export function serializeCart(tokens: Tokens, cartId: string, cart: ShoppingCart, options: { signedAt?: number } = {}): string {
  return tokens.sign(CART_SALT, { cart_id: cartId, items: itemIds(cart) }, { maxAge: CART_MAX_AGE_S, signedAt: options.signedAt });
}

/**
 * The cart a token holds, or why it holds none: `missing`, `invalid` (tampered, another salt or
 * secret), `expired` (older than 7 days) or `wrong_cart` (signed for another cart id).
 */
export function deserializeCart(
  tokens: Tokens,
  cartId: string,
  token: unknown,
): { ok: true; cart: ShoppingCart } | { ok: false; error: "missing" | "invalid" | "expired" | "wrong_cart" } {
  if (token === undefined || token === null || token === "") return { ok: false, error: "missing" };
  if (typeof token !== "string") return { ok: false, error: "invalid" };
  const verified = tokens.verify<{ cart_id?: unknown; items?: unknown }>(CART_SALT, token, { maxAge: CART_MAX_AGE_S });
  if (!verified.ok) return verified;
  const data = verified.data;
  if (typeof data !== "object" || data === null) return { ok: false, error: "invalid" };
  if (data.cart_id !== cartId) return { ok: false, error: "wrong_cart" };
  // Fields are read one by one rather than trusted whole, so the format can change later.
  const items = Array.isArray(data.items) ? data.items : [];
  const ids: number[] = [];
  for (const raw of items) {
    const id = parseItemId(raw);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return { ok: true, cart: { items: ids } };
}

/**
 * The book's `restore_cart`: a shopper whose token is missing, bad, expired or another cart's
 * simply gets an empty cart — never an error.
 */
export function restoreCart(tokens: Tokens, cartId: string, token: unknown): ShoppingCart {
  const result = deserializeCart(tokens, cartId, token);
  return result.ok ? result.cart : newCart();
}
