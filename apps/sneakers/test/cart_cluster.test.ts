// The cart across two nodes on one PostgreSQL database and one Redis (book part D §7 scenarios 21,
// 23–24 at the protocol level, issue 16 items 3–4): tabs of one cart on different nodes stay in
// sync, a sell-out made on one node re-renders the carts on both (the replica only after its own
// cache has the 0), and a purchase on one node empties the cart's tabs on the other.
import { afterEach, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { type BrowserStorage, type CartTab, ids, openCartTab, randomCartId } from "./support/cart_client.js";
import { throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, startSneakers, waitForStatus } from "./support/process.js";
import { eventually } from "./support/product_client.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(): Promise<[SneakersProcess, SneakersProcess]> {
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
  const app = await start("app");
  const backend = await start("backend");
  // From the backend, as in scenario C2: released, and the sizes used here in stock.
  for (const id of [1, 2]) expect((await operator(backend.url, "POST", `/api/products/${id}/release`)).status).toBe(200);
  for (const id of [1, 2, 3, 14]) expect((await operator(backend.url, "PUT", `/api/items/${id}/stock`, { count: 20 })).status).toBe(200);
  // The app node has heard every change (its cache is what its carts render from).
  await eventually("the app node applied the backend's changes", async () => {
    const s = (await operator(app.url, "GET", "/api/status")).json;
    const items = s.products.flatMap((p: any) => p.items);
    return s.products.every((p: any) => p.released) && [1, 2, 3, 14].every((id) => items.find((i: any) => i.id === id).available_count === 20);
  });
  return [app, backend];
}

async function tab(n: SneakersProcess, cartId: string, storage: BrowserStorage): Promise<CartTab> {
  const t = await openCartTab(n.port, cartId, storage);
  cleanups.push(() => t.close());
  return t;
}

describe("one cart on two nodes", () => {
  it("tabs on different nodes stay in sync; a sell-out on the backend greys the item in both", async () => {
    const [app, backend] = await cluster();
    const cartId = randomCartId();
    const storage: BrowserStorage = {};
    const onApp = await tab(app, cartId, storage);
    const onBackend = await tab(backend, cartId, storage);

    await onApp.add("1");
    await onApp.remove("1");
    await onApp.add("1");
    await onBackend.waitForCart("the backend's tab shows item 1", (c) => ids(c).join() === "1");
    await onBackend.add("14");
    await onApp.waitForCart("the app's tab shows both", (c) => ids(c).join() === "1,14");

    const seenOnApp = onApp.carts.length;
    expect((await operator(backend.url, "PUT", "/api/items/14/stock", { count: 0 })).status).toBe(200);
    for (const t of [onApp, onBackend]) {
      await t.waitForCart("item 14 shown sold out", (c) => c.items.find((i) => i.id === 14)?.out_of_stock === true);
    }
    // The first cart the app node sent after the sale already says sold out: its item_out came
    // after its own (replicated) cache update, never before.
    expect(onApp.carts[seenOnApp].items.find((i) => i.id === 14)?.out_of_stock).toBe(true);
    expect(onApp.carts[seenOnApp].items.find((i) => i.id === 1)?.out_of_stock).toBe(false);
    expect((await onApp.remove("14")).status).toBe("ok");
    expect((await onApp.remove("1")).status).toBe("ok");
    await onBackend.waitForCart("both removed on the backend's tab too", (c) => c.items.length === 0);
    expect(await onApp.add("14")).toEqual({ status: "error", response: { error: "out_of_stock" } });
  }, 90_000);

  it("a purchase on the app node empties the cart's tab on the backend", async () => {
    const [app, backend] = await cluster();
    const page = await fetch(`${app.url}/`);
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
    const cartId = JSON.parse(/window\.cartId = ("[^"]*")/.exec(await page.text())?.[1] ?? "null");
    const storage: BrowserStorage = {};
    const onBackend = await tab(backend, cartId, storage);
    await onBackend.add("2");
    await onBackend.add("3");
    const response = await fetch(`${app.url}/checkout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ serialized_cart: storage.storedCart ?? "" }),
    });
    expect(response.headers.get("location")).toBe("/checkout/complete");
    await onBackend.waitForCart("the backend's tab is emptied", (c) => c.items.length === 0);
    // The backend's cache has the sale too (replicated), one pair each.
    await eventually("the backend's cache has the purchase", async () => {
      const items = (await operator(backend.url, "GET", "/api/status")).json.products.flatMap((p: any) => p.items);
      return [2, 3].every((id) => items.find((i: any) => i.id === id).available_count === 19);
    });
  }, 90_000);
});
