// Scenarios C1 and C2 through the shipped nginx config (deploy/nginx/fenix.conf) in front of two
// nodes on one PostgreSQL database and Redis: the browser only knows nginx, its two tabs' sockets
// land on different nodes, and the cart still behaves as on one server — tabs in sync, every row
// greyed when the store sells out, and a purchase that empties the other tab.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { type Nginx, startNginx } from "../../hello/test/support/nginx.js";
import { launchChromium } from "./support/browser.js";
import { type CartWidget, rowIds, storedCart, tokenItems, waitForCart } from "./support/cart_page.js";
import { throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, freePort, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { eventually } from "./support/product_client.js";
import { type Shopper, WAIT_MS, load, openShopper, until, waitForJoins, waitForListings } from "./support/shopper.js";

const cleanups: (() => unknown)[] = [];
let nodes: SneakersProcess[] = [];
let nginx: Nginx | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let setupError: unknown;

beforeAll(async () => {
  try {
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    for (const name of ["a", "b"]) {
      const n = await startSneakers({ DATABASE_URL: db.url, REDIS_URL: redis.url, NODE_NAME: `${name}-${new URL(redis.url).port}` });
      cleanups.push(() => n.stop());
      await waitForStatus(`${n.url}/`, 200);
      nodes.push(n);
    }
    nginx = await startNginx({ listenPort: await freePort(), backends: nodes.map((n) => n.port) });
    cleanups.push(() => nginx?.stop());
    browser = await launchChromium();
  } catch (err) {
    setupError = err;
  }
}, 180_000);

beforeEach(() => {
  if (setupError) throw setupError;
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  for (const c of cleanups.splice(0).reverse()) await c();
  nodes = [];
}, 30_000);

const addSize = (page: Page, itemId: number) => page.click(`button.size-container__entry[value="${itemId}"]`);
const removeRow = (page: Page, itemId: number) => page.click(`#cart-container .cart-item__remove[data-item-id="${itemId}"]`);
const shows = (ids: number[]) => (cart: CartWidget) => cart.shown && cart.header === `Cart ${ids.length}` && rowIds(cart).join() === ids.join();
const hidden = (cart: CartWidget) => !cart.shown;
const subscriptions = async () => Promise.all(nodes.map(async (n) => (await operator(n.url, "GET", "/api/status")).json.item_out_subscriptions as number));

async function tab(base: string): Promise<Shopper> {
  if (!context) throw new Error("no context");
  const shopper = await openShopper(context, () => nodes[0]);
  await load(shopper, base);
  const cartId = await shopper.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
  await waitForJoins(shopper, ["product:1", "product:2", `cart:${cartId}`]);
  return shopper;
}

describe("two nodes behind nginx", () => {
  it("C1 and C2 through nginx: tabs on different nodes in sync, sold out greys both, a purchase empties the other tab", async () => {
    if (!nginx || !browser) throw new Error("no setup");
    const [a, b] = nodes;
    const products = (await operator(b.url, "GET", "/api/status")).json.products;
    const items: { id: number }[] = products.flatMap((p: any) => p.items);
    const size = (productId: number, label: string): number => products.find((p: any) => p.id === productId).items.find((i: any) => i.size === label).id;
    for (const i of items) expect((await operator(b.url, "PUT", `/api/items/${i.id}/stock`, { count: 3 })).status).toBe(200);
    for (const id of ["1", "2"]) expect((await runCli(b.url, ["release", id])).code).toBe(0);
    await eventually("node a has the releases and the stock", async () => {
      const s = (await operator(a.url, "GET", "/api/status")).json;
      return s.products.every((p: any) => p.released) && s.units_in_stock === 3 * items.length;
    });

    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const one = await tab(nginx.base);
    await waitForListings(one, "size selectors", (all) => all.length === 2 && all.every((l) => l.hasSizes));
    const two = await tab(nginx.base);
    const top6 = size(1, "6");
    const bottom10 = size(2, "10");
    await addSize(one.page, top6);
    for (const t of [one, two]) await waitForCart(t, "size 6 in both tabs", shows([top6]));
    // Each node holds one tab (each tab listens for its one item on its own node).
    expect(await subscriptions()).toEqual([1, 1]);
    await addSize(two.page, bottom10);
    for (const t of [one, two]) await waitForCart(t, "two shoes in both tabs", shows([top6, bottom10]));

    // C2: sold out from a node, every row greyed in both tabs, no reload.
    const sold = await runCli(b.url, ["sell-until-gone", "20", "20"]);
    expect(sold.stdout).toContain("sold out!");
    for (const t of [one, two]) await waitForCart(t, "every row greyed", (c) => c.rows.length === 2 && c.rows.every((r) => r.out));
    for (const id of [top6, bottom10]) await removeRow(two.page, id);
    for (const t of [one, two]) await waitForCart(t, "the cart gone in both tabs", hidden);

    // Restocked on the other node: sizes come back live, and C1's four-shoe checkout and purchase.
    const four = [size(1, "7"), size(1, "8"), size(2, "7"), size(2, "8")];
    for (const id of four) expect((await operator(a.url, "PUT", `/api/items/${id}/stock`, { count: 3 })).status).toBe(200);
    for (const id of four) {
      await until(one, `size ${id} enabled again`, () => one.page.locator(`button.size-container__entry[value="${id}"]`).isEnabled());
      await addSize(one.page, id);
      await waitForCart(one, `item ${id} in the cart`, (c) => rowIds(c).includes(String(id)));
    }
    for (const t of [one, two]) await waitForCart(t, "Cart 4 in both tabs", shows(four));
    await one.page.click(".cart-checkout");
    await one.page.waitForURL(/\/checkout\?serialized_cart=/, { timeout: WAIT_MS });
    expect(await one.page.$$eval(".checkout-container .product-listing", (els) => els.map((el) => (el as HTMLElement).dataset.itemId))).toEqual(
      four.map(String),
    );
    await one.page.click(".purchase-button");
    await one.page.waitForURL(/\/checkout\/complete$/, { timeout: WAIT_MS });
    await waitForCart(two, "the other tab emptied by the purchase", hidden);
    await until(one, "the stored cart holds nothing", async () => tokenItems(await storedCart(one.page)).toString() === "");
    for (const n of nodes) {
      await eventually(`node ${n.port} has the purchase in its cache`, async () => {
        const all = (await operator(n.url, "GET", "/api/status")).json.products.flatMap((p: any) => p.items);
        return four.every((id) => all.find((i: any) => i.id === id).available_count === 2);
      });
    }
  }, 180_000);
});
