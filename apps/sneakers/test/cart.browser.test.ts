// The shopping cart in Chromium, as a person would use it (book part D §7 scenarios 12–23, 27–29
// and scenario C1): the cart id, the widget, persistence, tabs in sync, sold-out rows, checkout and
// purchase, on the built server with its official phoenix client bundle.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { type CartWidget, cartWidget, recordCartConsole, rowIds, storedCart, tokenItems, waitForCart } from "./support/cart_page.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { type Shopper, WAIT_MS, load, openShopper, tempDatabase, until, waitForJoins, waitForListings } from "./support/shopper.js";

const database = tempDatabase("cart-browser");
let server: SneakersProcess | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
let setupError: unknown;

const url = () => {
  if (!server) throw new Error("no server");
  return server.url;
};

/** Item id by product and size label, from the node's own view. */
let itemIds: Record<string, number> = {};
const item = (productId: number, size: string) => {
  const id = itemIds[`${productId}/${size}`];
  if (id === undefined) throw new Error(`no item ${productId}/${size}`);
  return id;
};

async function status(): Promise<any> {
  return (await operator(url(), "GET", "/api/status")).json;
}

async function stock(itemId: number, count: number): Promise<void> {
  expect((await operator(url(), "PUT", `/api/items/${itemId}/stock`, { count })).status).toBe(200);
}

async function newContext(): Promise<BrowserContext> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  contexts.push(context);
  return context;
}

/** A tab of `context` on `/`, joined to its products and its cart. */
async function tab(context: BrowserContext): Promise<Shopper & { cartConsole: ReturnType<typeof recordCartConsole> }> {
  const shopper = await openShopper(context, () => server);
  const cartConsole = recordCartConsole(shopper.page);
  await load(shopper, url());
  const cartId = await shopper.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
  await waitForJoins(shopper, ["product:1", "product:2", `cart:${cartId}`]);
  return Object.assign(shopper, { cartConsole });
}

const addSize = (page: Page, itemId: number) => page.click(`button.size-container__entry[value="${itemId}"]`);
const removeRow = (page: Page, itemId: number) => page.click(`#cart-container .cart-item__remove[data-item-id="${itemId}"]`);
const shows = (ids: number[]) => (cart: CartWidget) => cart.shown && cart.header === `Cart ${ids.length}` && rowIds(cart).join() === ids.join();
const hidden = (cart: CartWidget) => !cart.shown;

beforeAll(async () => {
  try {
    server = await startSneakers({ DATABASE_URL: database.url });
    await waitForStatus(`${url()}/`, 200);
    const s = await status();
    itemIds = Object.fromEntries(s.products.flatMap((p: any) => p.items.map((i: any) => [`${p.id}/${i.size}`, i.id])));
    // The seed leaves ~10 % of sizes at 0; every size used here has stock.
    for (const id of Object.values(itemIds)) await stock(id, 50);
    browser = await launchChromium();
  } catch (err) {
    setupError = err;
  }
}, 180_000);

beforeEach(() => {
  if (setupError) throw setupError;
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  database.remove();
}, 20_000);

describe("the cart, before anything is released", () => {
  it("one 64-character cart id per browser, kept across reloads and tabs; an empty cart shows nothing; each token differs", async () => {
    const context = await newContext();
    const a = await tab(context);
    const cartId = await a.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
    expect(cartId).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(await cartWidget(a.page)).toEqual({ shown: false, header: "", rows: [], subtotal: "" });
    expect(await a.page.locator("#cart-container").innerHTML()).toBe("");
    await until(a, "Cart received logged", () => a.cartConsole.some((l) => l.type === "debug" && l.args[0] === "Cart received" && l.args[1] !== undefined));
    const received = a.cartConsole.find((l) => l.args[0] === "Cart received")?.args[1] as { items: unknown[]; serialized: string };
    expect(received.items).toEqual([]);
    expect(tokenItems(received.serialized)).toEqual([]);
    const first = await storedCart(a.page);
    expect(first).toBe(received.serialized);

    await a.page.reload({ waitUntil: "load" });
    await until(a, "a new token after the reload", async () => ((await storedCart(a.page)) ?? first) !== first);
    expect(tokenItems(await storedCart(a.page))).toEqual([]);
    expect(await a.page.evaluate(() => (window as unknown as { cartId: string }).cartId)).toBe(cartId);
    const b = await tab(context);
    expect(await b.page.evaluate(() => (window as unknown as { cartId: string }).cartId)).toBe(cartId);

    const incognito = await tab(await newContext());
    const other = await incognito.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
    expect(other).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(other).not.toBe(cartId);
  }, 60_000);

  it("a page whose cart id is not 64 characters logs Cart join failed and still shows the store", async () => {
    const context = await newContext();
    // The page's own `window.cartId = …` cannot overwrite this, so cart.js joins `cart:short-id`.
    await context.addInitScript(() => Object.defineProperty(window, "cartId", { value: "short-id", writable: false }));
    const shopper = await openShopper(context, () => server);
    const cartConsole = recordCartConsole(shopper.page);
    await load(shopper, url());
    await until(shopper, "Cart join failed logged", () => cartConsole.some((l) => l.type === "error" && l.args[0] === "Cart join failed"));
    await waitForJoins(shopper, ["product:1", "product:2"]);
    expect(await cartWidget(shopper.page)).toMatchObject({ shown: false });
  }, 60_000);
});

describe("scenario C1", () => {
  it("add, duplicate, remove, persist, a second tab, remove all, four items, checkout, purchase", async () => {
    const context = await newContext();
    const one = await tab(context);
    expect((await cartWidget(one.page)).shown).toBe(false);

    // The release happens while the page is open.
    for (const id of ["1", "2"]) expect((await runCli(url(), ["release", id])).code).toBe(0);
    await waitForListings(one, "both products' sizes", (all) => all.length === 2 && all.every((l) => l.hasSizes && !l.comingSoon));

    const top6 = item(1, "6");
    const bottom10 = item(2, "10");
    await addSize(one.page, top6);
    await waitForCart(one, "Cart 1 with size 6", shows([top6]));
    await addSize(one.page, bottom10);
    const two = await waitForCart(one, "Cart 2", shows([top6, bottom10]));
    expect(two.rows[0].text).toBe("× Snks 23 Hop Man 3 6 $120");
    expect(two.rows[1].text).toBe("× Asler Breezy Boost 600 10 $140");
    expect(two.subtotal).toBe("Subtotal $260");
    expect(await one.page.locator(".cart-checkout").getAttribute("value")).toBe("CHECKOUT");
    expect(tokenItems(await storedCart(one.page))).toEqual([bottom10, top6]);

    // The same size again: refused, logged, the cart unchanged.
    await addSize(one.page, top6);
    await until(one, "Cart error add_item logged", () =>
      one.cartConsole.some((l) => l.args[0] === "Cart error add_item" && JSON.stringify(l.args[1]) === '{"error":"duplicate_item"}'),
    );
    expect(rowIds(await cartWidget(one.page))).toEqual([String(top6), String(bottom10)]);

    await removeRow(one.page, bottom10);
    await waitForCart(one, "Cart 1 after removing size 10", shows([top6]));

    // Away and back: the cart is still there.
    await one.page.goto("about:blank");
    await load(one, url());
    await waitForCart(one, "Cart 1 after coming back", shows([top6]));

    // A second tab shows the same cart.
    const second = await tab(context);
    await waitForCart(second, "the second tab matches", shows([top6]));

    // Removing everything in the second tab empties both, and the widget disappears.
    await removeRow(second.page, top6);
    for (const t of [one, second]) await waitForCart(t, "no cart in either tab", hidden);

    // Four shoes from the first tab, live in the second.
    const four = [item(1, "7"), item(1, "8"), item(2, "7"), item(2, "8")];
    for (const id of four) {
      await addSize(one.page, id);
      await waitForCart(one, `item ${id} in the cart`, (c) => rowIds(c).includes(String(id)));
    }
    for (const t of [one, second]) await waitForCart(t, "Cart 4 in both tabs", shows(four));
    expect(tokenItems(await storedCart(second.page)).toString()).toBe([...four].reverse().toString());

    // CHECKOUT lists exactly those four.
    await one.page.click(".cart-checkout");
    await one.page.waitForURL(/\/checkout\?serialized_cart=/, { timeout: WAIT_MS });
    const listed = await one.page.$$eval(".checkout-container .product-listing", (els) => els.map((el) => (el as HTMLElement).dataset.itemId));
    expect(listed).toEqual(four.map(String));
    const before = (await status()).products.flatMap((p: any) => p.items);

    // PURCHASE: one of each bought, the stored cart cleared, the other tab emptied live.
    await one.page.click(".purchase-button");
    await one.page.waitForURL(/\/checkout\/complete$/, { timeout: WAIT_MS });
    expect(await one.page.locator("h2", { hasText: "Order Complete!" }).count()).toBe(1);
    await waitForCart(second, "the other tab's cart is emptied by the purchase", hidden);
    await until(one, "the stored cart holds nothing", async () => tokenItems(await storedCart(one.page)).toString() === "");
    const after = (await status()).products.flatMap((p: any) => p.items);
    for (const id of four) {
      const count = (list: any[]) => list.find((i) => i.id === id).available_count;
      expect(count(after), `item ${id}`).toBe(count(before) - 1);
    }
    // And the purchase does not come back in the tab that stayed open, even after it reloads.
    await second.page.reload({ waitUntil: "load" });
    await until(second, "the cart pushed after the reload", async () => tokenItems(await storedCart(second.page)).toString() === "");
    expect((await cartWidget(second.page)).shown).toBe(false);
  }, 120_000);
});

describe("sold out while in the cart", () => {
  it("the row greys out live, the size is disabled, checkout says so; a rejoin sends the latest token", async () => {
    const context = await newContext();
    const shopper = await tab(context);
    const [a, b] = [item(1, "11"), item(1, "12")];
    await addSize(shopper.page, a);
    await waitForCart(shopper, "item a", shows([a]));
    await addSize(shopper.page, b);
    await waitForCart(shopper, "items a and b", shows([a, b]));

    // A reconnect rejoins with what localStorage holds now, not the token of the first join.
    const token = await storedCart(shopper.page);
    await shopper.page.evaluate(() => {
      const socket = (window as unknown as { productSocket: { disconnect(cb: () => void): void; connect(): void } }).productSocket;
      socket.disconnect(() => socket.connect());
    });
    await until(shopper, "a second socket joined the cart", () => shopper.sockets.length >= 2);
    const cartId = await shopper.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
    const rejoin = await (async () => {
      await until(shopper, "the rejoin frame", () => shopper.sockets[1].sent.some((f) => f.topic === `cart:${cartId}` && f.event === "phx_join"));
      return shopper.sockets[1].sent.find((f) => f.topic === `cart:${cartId}` && f.event === "phx_join");
    })();
    expect(rejoin?.payload).toEqual({ serialized: token, page: "/" });

    await stock(a, 0);
    const out = await waitForCart(shopper, "item a greyed out", (c) => c.rows.length === 2 && c.rows[0].out && !c.rows[1].out);
    expect(out.subtotal).toBe("Subtotal $240");
    const decoration = await shopper.page.$eval("#cart-container .cart-item__contents.cart-item-out", (el) => getComputedStyle(el).textDecorationLine);
    expect(decoration).toContain("line-through");
    const button = shopper.page.locator(`button.size-container__entry[value="${a}"]`);
    await until(
      shopper,
      "the size button out and disabled",
      async () => (await button.getAttribute("class"))?.includes("--level-out") === true && (await button.isDisabled()),
    );

    // A sold-out size cannot be added from the page.
    await removeRow(shopper.page, a);
    await waitForCart(shopper, "only b left", shows([b]));
    await button.click({ force: true });
    // The next add is answered after anything the click could have sent: the cart has b and it only.
    const next = item(1, "9.5");
    await addSize(shopper.page, next);
    await waitForCart(shopper, "b and the next size, not the sold-out one", shows([next, b].sort((x, y) => x - y)));

    // Checkout marks the sold-out shoe and refuses the purchase.
    await stock(b, 0);
    await waitForCart(shopper, "b greyed out", (c) => c.rows.some((r) => r.id === String(b) && r.out));
    await shopper.page.click(".cart-checkout");
    await shopper.page.waitForURL(/\/checkout\?/, { timeout: WAIT_MS });
    expect(await shopper.page.locator("text=Sorry, this shoe is sold out").count()).toBe(1);
    const purchase = shopper.page.locator(".purchase-button");
    expect(await purchase.textContent()).toBe("SOME ITEMS NOT AVAILABLE");
    expect(await purchase.isDisabled()).toBe(true);
  }, 90_000);
});
