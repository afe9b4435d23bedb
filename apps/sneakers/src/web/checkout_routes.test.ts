import { createLogger } from "fenix";
import { afterEach, describe, expect, test } from "vitest";
import { type SneakersApp, createSneakersApp } from "../app.js";
import { serializeCart } from "../cart/shopping_cart.js";
import { SESSION_COOKIE } from "./cart_session.js";

const logger = createLogger({ name: "test", level: "silent" });
let app: SneakersApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function started(): Promise<SneakersApp> {
  app = await createSneakersApp({ secretKeyBase: "x".repeat(64), apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 23 });
  await app.inventory.server.ready();
  // Both products released; items 1–3 with 10 pairs, item 4 sold out.
  for (const id of [1, 2]) await app.inventory.markProductReleased(id);
  for (const id of [1, 2, 3, 14]) await app.inventory.setStock(id, 10);
  await app.inventory.setStock(4, 0);
  return app;
}

/** A browser's session: the cookie `GET /` set, and the cart id the page names. */
async function session(a: SneakersApp): Promise<{ cookie: string; cartId: string }> {
  const response = await a.fastify.inject({ method: "GET", url: "/" });
  const setCookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!setCookie) throw new Error("no session cookie");
  const cartId = JSON.parse(/window\.cartId = ("[^"]*")/.exec(response.body)?.[1] ?? "null") as string;
  return { cookie: `${SESSION_COOKIE}=${setCookie.value}`, cartId };
}

const count = async (a: SneakersApp, itemId: number) =>
  (await a.database.db.selectFrom("item_availabilities").select("available_count").where("item_id", "=", itemId).executeTakeFirstOrThrow()).available_count;

describe("the cart id session", () => {
  test("a new browser gets a 64-character id in a signed cookie; it is kept on every page after", async () => {
    const a = await started();
    const { cookie, cartId } = await session(a);
    expect(cartId).toMatch(/^[A-Za-z0-9+/]{64}$/);
    const again = await a.fastify.inject({ method: "GET", url: "/", headers: { cookie } });
    expect(again.body).toContain(`window.cartId = ${JSON.stringify(cartId)}`);
    expect(again.body).toContain('<div id="cart-container"></div>');
    expect(again.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    const checkout = await a.fastify.inject({ method: "GET", url: "/checkout/complete", headers: { cookie } });
    expect(checkout.body).toContain(`window.cartId = ${JSON.stringify(cartId)}`);
    const other = await session(a);
    expect(other.cartId).not.toBe(cartId);
  });

  test("a tampered cookie is not trusted: a new id is made", async () => {
    const a = await started();
    const forged = `${SESSION_COOKIE}=${"z".repeat(64)}`;
    const response = await a.fastify.inject({ method: "GET", url: "/", headers: { cookie: forged } });
    expect(response.body).not.toContain("z".repeat(64));
    expect(response.cookies.find((c) => c.name === SESSION_COOKIE)?.httpOnly).toBe(true);
  });
});

describe("GET /checkout", () => {
  test("without a cart: redirect to /; a bad or another cart's token: No items to checkout!", async () => {
    const a = await started();
    const { cookie, cartId } = await session(a);
    const none = await a.fastify.inject({ method: "GET", url: "/checkout", headers: { cookie } });
    expect(none.statusCode).toBe(303);
    expect(none.headers.location).toBe("/");
    for (const token of ["nope", serializeCart(a.endpoint.tokens, "y".repeat(64), { items: [1] }), serializeCart(a.endpoint.tokens, cartId, { items: [] })]) {
      const response = await a.fastify.inject({ method: "GET", url: `/checkout?serialized_cart=${encodeURIComponent(token)}`, headers: { cookie } });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain("No items to checkout!");
    }
  });

  test("lists the cart's items; a sold-out one is marked and purchase is disabled", async () => {
    const a = await started();
    const { cookie, cartId } = await session(a);
    const url = (items: number[]) => `/checkout?serialized_cart=${encodeURIComponent(serializeCart(a.endpoint.tokens, cartId, { items }))}`;
    const ok = await a.fastify.inject({ method: "GET", url: url([14, 1]), headers: { cookie } });
    expect(ok.body).toContain("<h2>Your Cart</h2>");
    expect([...ok.body.matchAll(/data-item-id="(\d+)"/g)].map((m) => m[1])).toEqual(["1", "14"]);
    expect(ok.body).not.toContain("sold out");
    expect(ok.body).toContain('<button type="submit" class="purchase-button">PURCHASE</button>');
    const out = await a.fastify.inject({ method: "GET", url: url([4, 1]), headers: { cookie } });
    expect(out.body).toContain("Sorry, this shoe is sold out");
    expect(out.body).toContain('<button type="submit" class="purchase-button" disabled>SOME ITEMS NOT AVAILABLE</button>');
  });
});

describe("POST /checkout", () => {
  async function post(a: SneakersApp, cookie: string, token: string) {
    return a.fastify.inject({ method: "POST", url: "/checkout", headers: { cookie }, payload: { serialized_cart: token } });
  }

  test("a good cart: one of each bought, every open tab told, then Order Complete! clears the stored cart", async () => {
    const a = await started();
    const { cookie, cartId } = await session(a);
    const told: unknown[] = [];
    a.endpoint.pubsub.subscribe(`cart:${cartId}`, { deliver: (m) => told.push([m.event, m.payload]) });
    const response = await post(a, cookie, serializeCart(a.endpoint.tokens, cartId, { items: [14, 2, 1] }));
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/checkout/complete");
    expect([await count(a, 1), await count(a, 2), await count(a, 14), await count(a, 3)]).toEqual([9, 9, 9, 10]);
    expect(told).toEqual([["cart_updated", { serialized: expect.any(String), added: [], removed: [1, 2, 14] }]]);
    const done = await a.fastify.inject({ method: "GET", url: "/checkout/complete", headers: { cookie } });
    expect(done.body).toContain("Order Complete!");
    expect(done.body).toContain("delete localStorage.storedCart");
  });

  test("empty, sold-out and unreleased carts go back to /checkout with the reason; nothing is bought", async () => {
    const a = await started();
    await a.database.db.updateTable("products").set({ released: 0 }).where("id", "=", 2).execute();
    await a.inventory.server.restart();
    const { cookie, cartId } = await session(a);
    const cases: [number[], string, string][] = [
      [[], "empty", "Sorry, your cart is empty."],
      [[1, 4], "out_of_stock", "Sorry, your cart has out-of-stock shoes."],
      [[1, 14], "unreleased", "Sorry, your cart has unreleased shoes."],
    ];
    for (const [items, reason, text] of cases) {
      const token = serializeCart(a.endpoint.tokens, cartId, { items });
      const response = await post(a, cookie, token);
      expect(response.statusCode, reason).toBe(303);
      const location = new URL(response.headers.location as string, "http://x");
      expect(location.pathname).toBe("/checkout");
      expect(location.searchParams.get("serialized_cart")).toBe(token);
      expect(location.searchParams.get("error")).toBe(reason);
      const page = await a.fastify.inject({ method: "GET", url: response.headers.location as string, headers: { cookie } });
      expect(page.body).toContain(text);
    }
    expect([await count(a, 1), await count(a, 14)]).toEqual([10, 10]);
  });

  test("the database decides: an item the cache thinks is there but is not fails the whole order", async () => {
    const a = await started();
    const { cookie, cartId } = await session(a);
    await a.database.db.updateTable("item_availabilities").set({ available_count: 0 }).where("item_id", "=", 2).execute();
    const response = await post(a, cookie, serializeCart(a.endpoint.tokens, cartId, { items: [1, 2] }));
    expect(new URL(response.headers.location as string, "http://x").searchParams.get("error")).toBe("purchase_failed");
    expect(await count(a, 1)).toBe(10);
  });

  test("a cart token without its session buys nothing (another browser cannot replay it)", async () => {
    const a = await started();
    const { cartId } = await session(a);
    const stranger = await session(a);
    const response = await post(a, stranger.cookie, serializeCart(a.endpoint.tokens, cartId, { items: [1] }));
    expect(new URL(response.headers.location as string, "http://x").searchParams.get("error")).toBe("empty");
    expect(await count(a, 1)).toBe(10);
  });
});
