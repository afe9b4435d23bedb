// The cart channel at the protocol level, against the built server as a process, with the
// official phoenix client (book part D §7 scenarios 18, 20–21, 23, 25–27, 30 and the gaps of
// issue 16 item 7): tabs in sync, sell-outs pushed, closed tabs leaving no subscriptions, a
// purchase clearing every tab for good, the CART_MAX_ITEMS limit.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { outcome, phxSocket } from "../../hello/test/support/phoenix.js";
import { type BrowserStorage, type CartTab, ids, openCartTab, randomCartId } from "./support/cart_client.js";
import { type SneakersProcess, operator, startSneakers, waitForStatus } from "./support/process.js";
import { eventually } from "./support/product_client.js";
import { tempDatabase } from "./support/shopper.js";

const database = tempDatabase("cart-socket");
let server: SneakersProcess;
const tabs: CartTab[] = [];

async function stock(n: SneakersProcess, itemId: number, count: number): Promise<void> {
  const { status } = await operator(n.url, "PUT", `/api/items/${itemId}/stock`, { count });
  expect(status).toBe(200);
}

async function tab(cartId: string, storage: BrowserStorage, n = server): Promise<CartTab> {
  const t = await openCartTab(n.port, cartId, storage);
  tabs.push(t);
  return t;
}

const subscriptions = async (n = server) => (await operator(n.url, "GET", "/api/status")).json.item_out_subscriptions as number;

beforeAll(async () => {
  server = await startSneakers({ DATABASE_URL: database.url });
  await waitForStatus(`${server.url}/`, 200);
  for (const id of [1, 2]) expect((await operator(server.url, "POST", `/api/products/${id}/release`)).status).toBe(200);
  for (const id of [1, 2, 3, 4, 14, 15]) await stock(server, id, 50);
}, 60_000);

afterEach(() => {
  for (const t of tabs.splice(0)) t.close();
});

afterAll(async () => {
  await server?.stop();
  database.remove();
});

describe("one cart, many tabs", () => {
  it("a change in one tab reaches the other, both ways, and the stored token follows", async () => {
    const cartId = randomCartId();
    const storage: BrowserStorage = {};
    const a = await tab(cartId, storage);
    const b = await tab(cartId, storage);
    expect((await a.add("1")).status).toBe("ok");
    await b.waitForCart("tab B shows the item added in A", (c) => ids(c).join() === "1");
    expect((await b.remove("1")).status).toBe("ok");
    await a.waitForCart("tab A loses the item removed in B", (c) => c.items.length === 0);
    expect(await b.remove("1")).toEqual({ status: "error", response: { error: "not_found" } });
    // A third tab opened now starts from the stored token: the same (empty) cart.
    const c = await tab(cartId, storage);
    expect(c.latest()?.items).toEqual([]);
  });

  it("two tabs adding at the same instant both keep both items", async () => {
    const cartId = randomCartId();
    const storage: BrowserStorage = {};
    const a = await tab(cartId, storage);
    const b = await tab(cartId, storage);
    const [ra, rb] = await Promise.all([a.add("2"), b.add("3")]);
    expect([ra.status, rb.status]).toEqual(["ok", "ok"]);
    await a.waitForCart("tab A holds both", (c) => ids(c).join() === "2,3");
    await b.waitForCart("tab B holds both", (c) => ids(c).join() === "2,3");
  });

  it("bad input is an error reply and the channel stays: non-numeric, unknown, sold-out, unreleased", async () => {
    await operator(server.url, "POST", "/api/reset");
    await eventually("the reset reloaded the cache", async () =>
      (await operator(server.url, "GET", "/api/status")).json.products?.every((p: any) => !p.released),
    );
    await operator(server.url, "POST", "/api/products/1/release");
    for (const id of [1, 2, 3, 4, 14, 15]) await stock(server, id, 50);
    await stock(server, 5, 0);
    const a = await tab(randomCartId(), {});
    expect(await a.add("abc")).toEqual({ status: "error", response: { error: "invalid_item" } });
    expect(await a.add(1.5)).toEqual({ status: "error", response: { error: "invalid_item" } });
    expect(await a.add("9999")).toEqual({ status: "error", response: { error: "not_found" } });
    expect(await a.add("5")).toEqual({ status: "error", response: { error: "out_of_stock" } });
    expect(await a.add("14")).toEqual({ status: "error", response: { error: "not_released" } });
    expect((await a.add("1")).status).toBe("ok");
    expect(await a.add("1")).toEqual({ status: "error", response: { error: "duplicate_item" } });
    await operator(server.url, "POST", "/api/products/2/release");
  });

  it("a cart id of another length is refused", async () => {
    let cleanup = () => undefined as void;
    const socket = phxSocket(server.port, "/product_socket", {}, (c) => (cleanup = c));
    socket.connect();
    try {
      const joined = await outcome(socket.channel("cart:short-id", {}).join(), 5_000);
      expect(joined).toEqual({ status: "error", response: { reason: "invalid cart id" } });
    } finally {
      cleanup();
    }
  });
});

describe("sold out while in a cart", () => {
  it("every tab holding it gets the cart with out_of_stock; a removed item no longer pushes", async () => {
    await stock(server, 3, 50);
    await stock(server, 4, 50);
    const cartId = randomCartId();
    const storage: BrowserStorage = {};
    const a = await tab(cartId, storage);
    const b = await tab(cartId, storage);
    await a.add("3");
    await a.add("4");
    await b.waitForCart("tab B has both", (c) => ids(c).join() === "3,4");
    await b.remove("4");
    await a.waitForCart("tab A dropped 4", (c) => ids(c).join() === "3");
    const before = a.carts.length;
    await stock(server, 4, 0);
    await stock(server, 3, 0);
    for (const t of [a, b]) await t.waitForCart("item 3 shown sold out", (c) => c.items.length === 1 && c.items[0].id === 3 && c.items[0].out_of_stock);
    // Only item 3's sell-out was pushed to A: item 4 had left the cart.
    expect(a.carts.length).toBe(before + 1);
  });

  it("opening and closing 100 tabs with items leaves the subscription count where it started", async () => {
    for (const id of [1, 2]) await stock(server, id, 50);
    const baseline = await subscriptions();
    const cartId = randomCartId();
    const storage: BrowserStorage = {};
    const first = await tab(cartId, storage);
    await first.add("1");
    await first.add("2");
    const opened: CartTab[] = [first];
    for (let batch = 0; batch < 9; batch++) opened.push(...(await Promise.all(Array.from({ length: 11 }, () => tab(cartId, storage)))));
    expect(opened).toHaveLength(100);
    for (const t of opened) expect(ids(t.latest())).toEqual([1, 2]);
    expect(await subscriptions()).toBe(baseline + 200);
    for (const t of opened) t.close();
    await eventually("every closed tab's subscriptions are gone", async () => (await subscriptions()) === baseline);
  }, 60_000);
});

describe("checkout", () => {
  async function browserSession(): Promise<{ cookie: string; cartId: string }> {
    const response = await fetch(`${server.url}/`);
    const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0];
    const cartId = JSON.parse(/window\.cartId = ("[^"]*")/.exec(await response.text())?.[1] ?? "null");
    return { cookie, cartId };
  }

  it("a purchase empties every open tab, and no tab can bring the bought items back", async () => {
    for (const id of [1, 2, 3]) await stock(server, id, 50);
    const { cookie, cartId } = await browserSession();
    const storage: BrowserStorage = {};
    const a = await tab(cartId, storage);
    const b = await tab(cartId, storage);
    await a.add("1");
    await a.add("2");
    await b.waitForCart("tab B has the cart", (c) => ids(c).join() === "1,2");
    const response = await fetch(`${server.url}/checkout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ serialized_cart: storage.storedCart ?? "" }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/checkout/complete");
    for (const t of [a, b]) await t.waitForCart("the tab's cart is emptied by the purchase", (c) => c.items.length === 0);
    // The other tab carries on shopping: only what it adds now is in the cart.
    await b.add("3");
    await a.waitForCart("tab A has only the new item", (c) => ids(c).join() === "3");
    const counts = (await operator(server.url, "GET", "/api/status")).json.products.flatMap((p: any) => p.items);
    expect(counts.filter((i: any) => [1, 2, 3].includes(i.id)).map((i: any) => i.available_count)).toEqual([49, 49, 50]);
  });
});

describe("CART_MAX_ITEMS", () => {
  it("limits a cart's size (cart_full); a bad value stops the server at start", async () => {
    const limited = await startSneakers({ DATABASE_URL: database.url, CART_MAX_ITEMS: "2" });
    try {
      await waitForStatus(`${limited.url}/`, 200);
      const t = await tab(randomCartId(), {}, limited);
      expect((await t.add("1")).status).toBe("ok");
      expect((await t.add("2")).status).toBe("ok");
      expect(await t.add("3")).toEqual({ status: "error", response: { error: "cart_full" } });
    } finally {
      await limited.stop();
    }
    await expect(startSneakers({ DATABASE_URL: database.url, CART_MAX_ITEMS: "lots" })).rejects.toThrow(/CART_MAX_ITEMS must be a positive whole number/);
  }, 60_000);
});
