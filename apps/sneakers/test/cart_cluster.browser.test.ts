// Scenario C2 (book part D §7 scenario 24) as a person would run it: two nodes on one PostgreSQL
// database and Redis, the browser on "app", every command on "backend". The cart follows the
// shopper's tabs, and when the backend sells everything out, every row in both tabs greys out
// without a reload; sold-out sizes cannot be added.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { launchChromium } from "./support/browser.js";
import { type CartWidget, cartWidget, rowIds, waitForCart } from "./support/cart_page.js";
import { throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { eventually } from "./support/product_client.js";
import { type Shopper, load, openShopper, waitForJoins, waitForListings } from "./support/shopper.js";

const cleanups: (() => unknown)[] = [];
let app: SneakersProcess | undefined;
let backend: SneakersProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let setupError: unknown;

beforeAll(async () => {
  try {
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const start = async (name: string) => {
      const n = await startSneakers({ DATABASE_URL: db.url, REDIS_URL: redis.url, NODE_NAME: `${name}-${new URL(redis.url).port}` });
      cleanups.push(() => n.stop());
      await waitForStatus(`${n.url}/`, 200);
      return n;
    };
    app = await start("app");
    backend = await start("backend");
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
}, 30_000);

const addSize = (page: Page, itemId: number) => page.click(`button.size-container__entry[value="${itemId}"]`);
const shows = (ids: number[]) => (cart: CartWidget) => cart.shown && cart.header === `Cart ${ids.length}` && rowIds(cart).join() === ids.join();

async function tab(): Promise<Shopper> {
  if (!context || !app) throw new Error("no setup");
  const shopper = await openShopper(context, () => app);
  await load(shopper, app.url);
  const cartId = await shopper.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
  await waitForJoins(shopper, ["product:1", "product:2", `cart:${cartId}`]);
  await shopper.page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  return shopper;
}

describe("scenario C2: two servers", () => {
  it("tabs on app follow the cart; backend's sell-until-gone greys every row in both tabs live; sold-out sizes cannot be added", async () => {
    if (!app || !backend || !browser) throw new Error("no setup");
    const back = backend.url;
    // A small stock everywhere, so selling out is quick; then the release, all from the backend.
    const products = (await operator(back, "GET", "/api/status")).json.products;
    const items = products.flatMap((p: any) => p.items);
    const size = (productId: number, label: string): number => products.find((p: any) => p.id === productId).items.find((i: any) => i.size === label).id;
    for (const i of items) expect((await operator(back, "PUT", `/api/items/${i.id}/stock`, { count: 3 })).status).toBe(200);
    for (const id of ["1", "2"]) expect((await runCli(back, ["release", id])).code).toBe(0);
    await eventually("app's cache has the releases and the stock", async () => {
      const s = (await operator(app!.url, "GET", "/api/status")).json;
      return s.products.every((p: any) => p.released) && s.units_in_stock === 3 * items.length;
    });

    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const one = await tab();
    await waitForListings(one, "size selectors", (all) => all.length === 2 && all.every((l) => l.hasSizes));
    const top6 = size(1, "6");
    await addSize(one.page, top6);
    await waitForCart(one, "size 6 added", shows([top6]));
    await one.page.click(`#cart-container .cart-item__remove[data-item-id="${top6}"]`);
    await waitForCart(one, "size 6 removed", (c) => !c.shown);
    await addSize(one.page, top6);
    await waitForCart(one, "size 6 added again", shows([top6]));

    const two = await tab();
    await waitForCart(two, "the second tab shows one shoe", shows([top6]));
    const bottom = size(2, "10");
    await addSize(two.page, bottom);
    for (const t of [one, two]) await waitForCart(t, "both tabs show two shoes", shows([top6, bottom]));

    const sold = await runCli(back, ["sell-until-gone", "20", "20"]);
    expect(sold.code, sold.stderr).toBe(0);
    expect(sold.stdout).toContain("sold out!");
    for (const t of [one, two]) {
      await waitForCart(t, "every row greyed out", (c) => c.rows.length === 2 && c.rows.every((r) => r.out));
      expect(await t.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), t.context("the tab reloaded")).toBe(true);
    }

    // Every row can be removed.
    for (const id of [top6, bottom]) await one.page.click(`#cart-container .cart-item__remove[data-item-id="${id}"]`);
    for (const t of [one, two]) await waitForCart(t, "the cart is gone in both tabs", (c) => !c.shown);

    // A sold-out size cannot be added: the button is disabled, and the server refuses it too.
    const button = one.page.locator(`button.size-container__entry[value="${top6}"]`);
    expect(await button.isDisabled()).toBe(true);
    await button.click({ force: true });
    const refused = await one.page.evaluate(
      (id) =>
        new Promise((resolve) => {
          const channel = (window as unknown as { cartChannel: any }).cartChannel;
          channel
            .push("add_item", { item_id: String(id) })
            .receive("ok", (r: unknown) => resolve({ ok: r }))
            .receive("error", (r: unknown) => resolve({ error: r }));
        }),
      top6,
    );
    expect(refused).toEqual({ error: { error: "out_of_stock" } });
    expect((await cartWidget(one.page)).shown).toBe(false);
  }, 150_000);
});
