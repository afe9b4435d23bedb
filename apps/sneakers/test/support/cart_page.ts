// The cart widget of a shopper's page, read back as plain data, plus the page's cart console
// lines ("Cart received", "Cart error …", "Cart join failed") with their arguments.
import type { Page } from "playwright-core";
import { Tokens } from "fenix";
import { CART_SALT } from "../../src/cart/shopping_cart.js";
import { SECRET_KEY_BASE } from "./process.js";
import { type Shopper, until } from "./shopper.js";

export interface CartRow {
  id: string;
  text: string;
  out: boolean;
}
export interface CartWidget {
  /** False when the container is empty (the widget is hidden for an empty cart). */
  shown: boolean;
  header: string;
  rows: CartRow[];
  subtotal: string;
}

export function cartWidget(page: Page): Promise<CartWidget> {
  return page.evaluate(() => {
    const form = document.querySelector("#cart-container .cart-container");
    const text = (el: Element | null | undefined) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();
    return {
      shown: form !== null,
      header: text(form?.querySelector(".cart-header")),
      rows: Array.from(document.querySelectorAll("#cart-container .cart-item")).map((row) => ({
        id: (row.querySelector(".cart-item__remove") as HTMLElement | null)?.dataset.itemId ?? "",
        text: text(row),
        out: row.querySelector(".cart-item__contents.cart-item-out") !== null && row.querySelector(".cart-item__price.cart-item-out") !== null,
      })),
      subtotal: text(form?.querySelector(".cart-subtotal")),
    };
  });
}

/** Waits until the widget satisfies `check`; fails with the page's context and the last widget. */
export async function waitForCart(shopper: Shopper, what: string, check: (cart: CartWidget) => boolean): Promise<CartWidget> {
  let last: CartWidget | undefined;
  try {
    await until(shopper, what, async () => {
      last = await cartWidget(shopper.page).catch(() => undefined);
      return last !== undefined && check(last);
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- last cart ---\n${JSON.stringify(last)}`);
  }
  return last as CartWidget;
}

export const rowIds = (cart: CartWidget) => cart.rows.map((r) => r.id);

/** Console lines starting with "Cart", each with its arguments as JSON values. */
export function recordCartConsole(page: Page): { type: string; args: unknown[] }[] {
  const lines: { type: string; args: unknown[] }[] = [];
  page.on("console", async (msg) => {
    if (!msg.text().startsWith("Cart")) return;
    const entry = { type: msg.type(), args: [] as unknown[] };
    lines.push(entry);
    entry.args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => undefined)));
  });
  return lines;
}

/** The items of a stored cart token, read the way the server reads it (test secret). */
export function tokenItems(token: string | null | undefined): number[] | "invalid" {
  const result = new Tokens(SECRET_KEY_BASE).verify<{ items: number[] }>(CART_SALT, token);
  return result.ok ? result.data.items : "invalid";
}

export const storedCart = (page: Page) => page.evaluate(() => localStorage.getItem("storedCart"));
