import { Tokens } from "fenix";
import { describe, expect, test } from "vitest";
import {
  CART_SALT,
  addItem,
  applyChange,
  deserializeCart,
  generateCartId,
  itemIds,
  newCart,
  parseItemId,
  removeItem,
  restoreCart,
  serializeCart,
} from "./shopping_cart.js";

const tokens = new Tokens("s".repeat(64));
const CART = "a".repeat(64);
const OTHER = "b".repeat(64);

describe("ShoppingCart", () => {
  test("a new cart is empty; add prepends; a duplicate is refused", () => {
    expect(newCart().items).toEqual([]);
    const one = addItem(newCart(), 1);
    if (!one.ok) throw new Error("refused");
    const two = addItem(one.cart, 2);
    if (!two.ok) throw new Error("refused");
    expect(itemIds(two.cart)).toEqual([2, 1]);
    expect(addItem(two.cart, 1)).toEqual({ ok: false, error: "duplicate_item" });
  });

  test("remove takes the item out; an item not held is not_found", () => {
    const cart = { items: [3, 2, 1] };
    expect(removeItem(cart, 2)).toEqual({ ok: true, cart: { items: [3, 1] } });
    expect(removeItem(cart, 9)).toEqual({ ok: false, error: "not_found" });
    expect(cart.items).toEqual([3, 2, 1]);
  });

  test("another tab's change is applied as a delta, so concurrent adds both survive", () => {
    const tabA = { items: [1] };
    const tabB = { items: [2] };
    const a = applyChange(tabA, { added: [2], removed: [] });
    const b = applyChange(tabB, { added: [1], removed: [] });
    expect([...a.items].sort()).toEqual([1, 2]);
    expect([...b.items].sort()).toEqual([1, 2]);
    expect(applyChange({ items: [1, 2] }, { added: [2], removed: [1] }).items).toEqual([2]);
  });

  test("item ids: digit strings and positive integers; anything else is undefined", () => {
    expect(parseItemId("17")).toBe(17);
    expect(parseItemId(17)).toBe(17);
    for (const bad of ["abc", "", "1.5", "-1", "0", "01", " 1", "1e3", 1.5, -2, 0, null, undefined, {}, [], "99999999999999999999"]) {
      expect(parseItemId(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  test("cart ids are 64 characters of base64 and differ each time", () => {
    const ids = new Set(Array.from({ length: 20 }, generateCartId));
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9+/]{64}$/);
  });
});

describe("serialization", () => {
  test("round-trips, and every serialization of the same cart differs (timestamped)", () => {
    const cart = { items: [2, 1] };
    const first = serializeCart(tokens, CART, cart, { signedAt: 1_700_000_000 });
    const second = serializeCart(tokens, CART, cart, { signedAt: 1_700_000_000.5 });
    expect(first).not.toBe(second);
    expect(first.startsWith("SFMyNTY.")).toBe(true);
    const now = 1_700_000_001_000;
    expect(tokens.verify(CART_SALT, first, { now })).toEqual({ ok: true, data: { cart_id: CART, items: [2, 1] } });
    expect(restoreCart(tokens, CART, serializeCart(tokens, CART, cart))).toEqual(cart);
  });

  test("missing, tampered, foreign, expired and other-cart tokens restore as an empty cart", () => {
    const good = serializeCart(tokens, CART, { items: [5] });
    const tampered = `${good.slice(0, -3)}${good.endsWith("AAA") ? "BBB" : "AAA"}`;
    const foreign = new Tokens("t".repeat(64)).sign(CART_SALT, { cart_id: CART, items: [5] });
    const wrongSalt = tokens.sign("admin socket", { cart_id: CART, items: [5] });
    const eightDaysAgo = Date.now() / 1000 - 8 * 86_400;
    const expired = serializeCart(tokens, CART, { items: [5] }, { signedAt: eightDaysAgo });
    expect(deserializeCart(tokens, CART, undefined)).toEqual({ ok: false, error: "missing" });
    expect(deserializeCart(tokens, CART, "nope")).toEqual({ ok: false, error: "invalid" });
    expect(deserializeCart(tokens, CART, tampered)).toEqual({ ok: false, error: "invalid" });
    expect(deserializeCart(tokens, CART, foreign)).toEqual({ ok: false, error: "invalid" });
    expect(deserializeCart(tokens, CART, wrongSalt)).toEqual({ ok: false, error: "invalid" });
    expect(deserializeCart(tokens, CART, expired)).toEqual({ ok: false, error: "expired" });
    expect(deserializeCart(tokens, OTHER, good)).toEqual({ ok: false, error: "wrong_cart" });
    expect(deserializeCart(tokens, CART, 42)).toEqual({ ok: false, error: "invalid" });
    for (const token of [undefined, null, "nope", tampered, foreign, expired, 42, { items: [5] }]) expect(restoreCart(tokens, CART, token)).toEqual(newCart());
    expect(restoreCart(tokens, OTHER, good)).toEqual(newCart());
    expect(restoreCart(tokens, CART, good)).toEqual({ items: [5] });
  });

  test("a token's items are read one by one: junk and duplicates are dropped", () => {
    const token = tokens.sign(CART_SALT, { cart_id: CART, items: [3, "x", 2, 3, -1, 1] }, { maxAge: 60 });
    expect(restoreCart(tokens, CART, token)).toEqual({ items: [3, 2, 1] });
    const noItems = tokens.sign(CART_SALT, { cart_id: CART });
    expect(restoreCart(tokens, CART, noItems)).toEqual(newCart());
  });
});
