import { Endpoint, createLogger } from "fenix";
import { type ChannelTest, channelTest, like, partial } from "fenix/testing";
import { afterEach, describe, expect, test } from "vitest";
import { CART_SALT, type ShoppingCart, restoreCart, serializeCart } from "../cart/shopping_cart.js";
import { CART_TRACKER_TOPIC } from "../cart_tracker.js";
import { type Inventory, fromRows, setAvailability } from "../inventory/inventory.js";
import { productSocket } from "../sockets/product_socket.js";
import { product } from "../test_support/factory.js";
import type { CartView } from "../views/cart_view.js";
import { notifyLocalItemOut } from "./shopping_cart_channel.js";

const CART = "c".repeat(64);
const TOPIC = `cart:${CART}`;

// Product 1 released with items 1 (5 left), 2 (5 left) and 3 (sold out); product 2 unreleased with item 4.
function fixture(): Inventory {
  return fromRows(
    [product({ id: 1, released: true, price_usd: 120 }), product({ id: 2, released: false })],
    [
      { id: 1, sku: "s1", size: "6", product_id: 1 },
      { id: 2, sku: "s2", size: "7", product_id: 1 },
      { id: 3, sku: "s3", size: "8", product_id: 1 },
      { id: 4, sku: "s4", size: "9", product_id: 2 },
    ],
    [
      { id: 1, item_id: 1, available_count: 5 },
      { id: 2, item_id: 2, available_count: 5 },
      { id: 3, item_id: 3, available_count: 0 },
      { id: 4, item_id: 4, available_count: 5 },
    ],
  );
}

let t: ChannelTest | undefined;
let endpoint: Endpoint | undefined;
afterEach(async () => {
  await t?.cleanup();
  await endpoint?.close();
  t = undefined;
  endpoint = undefined;
});

function setup(options: { maxItems?: number } = {}) {
  endpoint = new Endpoint({ secretKeyBase: "k".repeat(64), presence: true, logger: createLogger({ name: "test", level: "silent" }) });
  const test = channelTest({ endpoint });
  t = test;
  let inventory = fixture();
  const pubsub = endpoint.pubsub;
  const handler = productSocket(() => inventory, { inventory: () => inventory, pubsub, maxItems: options.maxItems });
  const token = (cart: ShoppingCart, cartId = CART) => serializeCart(endpoint!.tokens, cartId, cart);
  const restore = (serialized: string) => restoreCart(endpoint!.tokens, CART, serialized);
  const join = async (payload: object = {}) => {
    const joined = await test.subscribeAndJoin(test.socket(handler), TOPIC, payload);
    if (!joined.ok) throw new Error(`join refused: ${JSON.stringify(joined.reply)}`);
    return joined.channel;
  };
  const cartPush = async () =>
    (await test.assertPush(
      "cart",
      like(() => true),
      1_000,
    )) as CartView;
  return {
    t: test,
    endpoint,
    handler,
    token,
    restore,
    join,
    cartPush,
    itemOutSubscribers: (id: number) => pubsub.subscriberCount(`item_out:${id}`),
    sellOut(id: number) {
      inventory = setAvailability(inventory, { id, item_id: id, available_count: 0 });
      notifyLocalItemOut(pubsub, id);
    },
  };
}

const ids = (view: CartView) => view.items.map((i) => i.id);

describe("joining cart:{cartId}", () => {
  test("without params: an empty cart is pushed after the join reply, with a token for it", async () => {
    const s = setup();
    await s.join();
    const view = await s.cartPush();
    expect(view.items).toEqual([]);
    expect(s.restore(view.serialized)).toEqual({ items: [] });
  });

  test("only 64-character cart ids join", async () => {
    const s = setup();
    const socket = s.t.socket(s.handler);
    for (const topic of ["cart:short-id", `cart:${"c".repeat(63)}`, `cart:${"c".repeat(65)}`]) {
      const joined = await s.t.join(socket, topic);
      expect(joined.ok, topic).toBe(false);
    }
  });

  test("a stored token restores the cart: items by id, the book's shape, unknown ids kept only in the token", async () => {
    const s = setup();
    await s.join({ serialized: s.token({ items: [99, 2, 1] }), page: "/" });
    const view = await s.cartPush();
    expect(ids(view)).toEqual([1, 2]);
    expect(Object.keys(view.items[0]).sort()).toEqual(
      ["id", "size", "sku", "brand", "color", "name", "price_usd", "main_image_url", "released", "out_of_stock"].sort(),
    );
    expect(s.restore(view.serialized)).toEqual({ items: [99, 2, 1] });
  });

  test("a bad, expired or other cart's token joins with an empty cart", async () => {
    const s = setup();
    const expired = serializeCart(s.endpoint.tokens, CART, { items: [1] }, { signedAt: Date.now() / 1000 - 8 * 86_400 });
    for (const serialized of ["nope", expired, s.token({ items: [1] }, "x".repeat(64)), 12, { items: [1] }]) {
      await s.join({ serialized });
      expect(ids(await s.cartPush()), JSON.stringify(serialized)).toEqual([]);
    }
  });

  test("the cart is tracked for the dashboard with its page and items", async () => {
    const s = setup();
    await s.join({ serialized: s.token({ items: [1] }), page: "/checkout" });
    await s.cartPush();
    const presences = await s.endpoint.presence.list(CART_TRACKER_TOPIC);
    expect(presences[CART]?.metas).toEqual([expect.objectContaining({ page: "/checkout", items: [1] })]);
  });
});

describe("add_item and remove_item", () => {
  test("add replies with the new cart, newest first in the token; a duplicate is refused", async () => {
    const s = setup();
    const channel = await s.join();
    await s.cartPush();
    const first = (await s.t.assertReply(
      s.t.push(channel, "add_item", { item_id: "1" }),
      "ok",
      like(() => true),
    )) as CartView;
    expect(s.restore(first.serialized)).toEqual({ items: [1] });
    const second = (await s.t.assertReply(
      s.t.push(channel, "add_item", { item_id: 2 }),
      "ok",
      like(() => true),
    )) as CartView;
    expect(ids(second)).toEqual([1, 2]);
    expect(s.restore(second.serialized)).toEqual({ items: [2, 1] });
    await s.t.assertReply(s.t.push(channel, "add_item", { item_id: "1" }), "error", { error: "duplicate_item" });
  });

  test("add and remove tell the other tabs through cart_updated {serialized, added, removed}", async () => {
    const s = setup();
    const channel = await s.join();
    s.t.push(channel, "add_item", { item_id: "1" });
    await s.t.assertBroadcast("cart_updated", { serialized: like((v) => typeof v === "string"), added: [1], removed: [] }, 1_000);
    s.t.push(channel, "remove_item", { item_id: "1" });
    const payload = (await s.t.assertBroadcast("cart_updated", partial({ added: [], removed: [1] }), 1_000)) as { serialized: string };
    expect(s.restore(payload.serialized)).toEqual({ items: [] });
  });

  test("remove of an item not held is not_found, with no broadcast", async () => {
    const s = setup();
    const channel = await s.join({ serialized: s.token({ items: [1] }) });
    await s.t.assertReply(s.t.push(channel, "remove_item", { item_id: "2" }), "error", { error: "not_found" });
    await s.t.refuteBroadcast("cart_updated");
    const view = (await s.t.assertReply(
      s.t.push(channel, "remove_item", { item_id: "1" }),
      "ok",
      like(() => true),
    )) as CartView;
    expect(view.items).toEqual([]);
  });

  test("a non-numeric or unknown item_id is an error reply, and the channel carries on", async () => {
    const s = setup();
    const channel = await s.join();
    for (const item_id of ["abc", "1.5", -1, null, { id: 1 }, undefined]) {
      await s.t.assertReply(s.t.push(channel, "add_item", { item_id }), "error", { error: "invalid_item" });
      await s.t.assertReply(s.t.push(channel, "remove_item", { item_id }), "error", { error: "invalid_item" });
    }
    await s.t.assertReply(s.t.push(channel, "add_item", { item_id: "999" }), "error", { error: "not_found" });
    await s.t.assertReply(s.t.push(channel, "add_item", "not an object"), "error", { error: "invalid_item" });
    await s.t.assertReply(
      s.t.push(channel, "add_item", { item_id: "1" }),
      "ok",
      like(() => true),
    );
  });

  test("sold-out and unreleased items are refused", async () => {
    const s = setup();
    const channel = await s.join();
    await s.t.assertReply(s.t.push(channel, "add_item", { item_id: "3" }), "error", { error: "out_of_stock" });
    await s.t.assertReply(s.t.push(channel, "add_item", { item_id: "4" }), "error", { error: "not_released" });
  });

  test("with a size limit, an add past it is cart_full; without one there is none", async () => {
    const limited = setup({ maxItems: 1 });
    const channel = await limited.join();
    await limited.t.assertReply(
      limited.t.push(channel, "add_item", { item_id: "1" }),
      "ok",
      like(() => true),
    );
    await limited.t.assertReply(limited.t.push(channel, "add_item", { item_id: "2" }), "error", { error: "cart_full" });
    await t?.cleanup();
    await endpoint?.close();
    const open = setup();
    const other = await open.join();
    await open.t.assertReply(
      open.t.push(other, "add_item", { item_id: "1" }),
      "ok",
      like(() => true),
    );
    await open.t.assertReply(
      open.t.push(other, "add_item", { item_id: "2" }),
      "ok",
      like(() => true),
    );
  });
});

describe("another tab's cart_updated", () => {
  test("is applied to this tab's state, its subscriptions follow, and the cart is pushed", async () => {
    const s = setup();
    const channel = await s.join({ serialized: s.token({ items: [1] }) });
    await s.cartPush();
    await s.t.broadcastFrom(channel, "cart_updated", { serialized: s.token({ items: [2] }), added: ["2"], removed: ["1"] });
    const view = await s.cartPush();
    expect(ids(view)).toEqual([2]);
    expect(s.t.channelState<{ cart: ShoppingCart }>(channel).cart).toEqual({ items: [2] });
    expect(s.itemOutSubscribers(1)).toBe(0);
    expect(s.itemOutSubscribers(2)).toBe(1);
  });

  test("two tabs adding at the same instant both end up with both items", async () => {
    const s = setup();
    const a = await s.join();
    const b = await s.join();
    const refA = s.t.push(a, "add_item", { item_id: "1" });
    const refB = s.t.push(b, "add_item", { item_id: "2" });
    await s.t.assertReply(
      refA,
      "ok",
      like(() => true),
      1_000,
    );
    await s.t.assertReply(
      refB,
      "ok",
      like(() => true),
      1_000,
    );
    await s.t.assertBroadcast("cart_updated", partial({ added: [1] }), 1_000);
    await s.t.assertBroadcast("cart_updated", partial({ added: [2] }), 1_000);
    for (const channel of [a, b]) {
      await expect.poll(() => [...s.t!.channelState<{ cart: ShoppingCart }>(channel).cart.items].sort()).toEqual([1, 2]);
    }
  });
});

describe("item_out subscriptions", () => {
  test("the joined cart's items are subscribed; a sell-out pushes the cart with out_of_stock, others do not", async () => {
    const s = setup();
    await s.join({ serialized: s.token({ items: [1, 2] }) });
    await s.cartPush();
    expect(s.itemOutSubscribers(1)).toBe(1);
    expect(s.itemOutSubscribers(3)).toBe(0);
    s.sellOut(3);
    await s.t.refutePush("cart");
    s.sellOut(1);
    const view = await s.cartPush();
    expect(view.items.map((i) => [i.id, i.out_of_stock])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  test("add subscribes, remove unsubscribes: a removed item's sell-out pushes nothing", async () => {
    const s = setup();
    const channel = await s.join();
    await s.cartPush();
    await s.t.assertReply(
      s.t.push(channel, "add_item", { item_id: "1" }),
      "ok",
      like(() => true),
    );
    expect(s.itemOutSubscribers(1)).toBe(1);
    await s.t.assertReply(
      s.t.push(channel, "remove_item", { item_id: "1" }),
      "ok",
      like(() => true),
    );
    expect(s.itemOutSubscribers(1)).toBe(0);
    s.sellOut(1);
    await s.t.refutePush("cart");
  });

  test("leaving or closing drops every subscription", async () => {
    const s = setup();
    const left = await s.join({ serialized: s.token({ items: [1, 2] }) });
    const closed = await s.join({ serialized: s.token({ items: [1] }) });
    expect(s.itemOutSubscribers(1)).toBe(2);
    await s.t.assertReply(s.t.leave(left), "ok");
    await expect.poll(() => s.itemOutSubscribers(2)).toBe(0);
    expect(s.itemOutSubscribers(1)).toBe(1);
    await s.t.close(closed);
    expect(s.itemOutSubscribers(1)).toBe(0);
  });
});

test("the cart token's salt is the book's", () => {
  expect(CART_SALT).toBe("shopping cart serialization");
});
