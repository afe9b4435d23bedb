import { afterEach, describe, expect, test } from "vitest";
import { channelTest, like } from "fenix/testing";
import type { ChannelTest } from "fenix/testing";
import { completeProducts, itemById, markProductReleased, productById } from "../inventory/inventory.js";
import { ProductSocket, productSocket } from "../sockets/product_socket.js";
import { renderSizes } from "../views/product_view.js";
import { completeProductsFixture } from "../test_support/factory.js";
import { catchUp, notifyItemStockChange, notifyProductReleased } from "./product_channel.js";

let t: ChannelTest;
afterEach(() => t?.cleanup());

describe("ProductChannel", () => {
  test("any product:* topic joins, and the client has nothing to send", async () => {
    t = channelTest();
    const socket = t.socket(ProductSocket);
    expect((await t.join(socket, "product:1")).ok).toBe(true);
    const joined = await t.join(socket, "product:whatever");
    expect(joined.ok).toBe(true);
  });

  test("the socket connects anyone, with no id", async () => {
    t = channelTest();
    const connected = await t.connect(ProductSocket, {});
    expect(connected.ok).toBe(true);
  });
});

describe("notifyProductReleased", () => {
  test("the size selector for the product is broadcast", async () => {
    t = channelTest();
    const [, p1] = completeProducts(completeProductsFixture().inventory);
    await t.subscribeAndJoin(t.socket(ProductSocket), `product:${p1.id}`);
    await notifyProductReleased(t.endpoint, p1);
    const payload = (await t.assertBroadcast(
      "released",
      like(() => true),
      0,
    )) as { size_html: string };
    expect(payload.size_html).toContain("size-container__entry");
    for (const item of p1.items) expect(payload.size_html).toContain(`value="${item.id}"`);
  });
});

describe("notifyItemStockChange", () => {
  async function subscribed() {
    t = channelTest();
    const { inventory } = completeProductsFixture();
    const [p2] = completeProducts(inventory);
    await t.subscribeAndJoin(t.socket(ProductSocket), `product:${p2.id}`);
    return { i3: itemById(inventory, 3)! };
  }

  test("the same stock level doesn't broadcast an event", async () => {
    const { i3 } = await subscribed();
    expect(await notifyItemStockChange(t.endpoint, { previousItem: i3, currentItem: i3 })).toBe("no_change");
    await t.refuteBroadcast("stock_change");
  });

  test("a stock level change broadcasts exactly {item_id, product_id, level}", async () => {
    const { i3 } = await subscribed();
    expect(await notifyItemStockChange(t.endpoint, { previousItem: i3, currentItem: { ...i3, available_count: 0 } })).toBe("broadcast");
    await t.assertBroadcast("stock_change", { item_id: 3, product_id: 2, level: "out" }, 0);
  });

  test("out is sent again even when it was out already", async () => {
    const { i3 } = await subscribed();
    const out = { ...i3, available_count: 0 };
    expect(await notifyItemStockChange(t.endpoint, { previousItem: out, currentItem: out })).toBe("broadcast");
    await t.assertBroadcast("stock_change", { item_id: 3, product_id: 2, level: "out" }, 0);
  });

  test.each([
    [600, 550, null],
    [600, 499, "medium"],
    [150, 149, "low"],
  ])("%i → %i sends %s", async (before, after, level) => {
    const { i3 } = await subscribed();
    await notifyItemStockChange(t.endpoint, { previousItem: { ...i3, available_count: before }, currentItem: { ...i3, available_count: after } });
    if (level === null) await t.refuteBroadcast("stock_change");
    else await t.assertBroadcast("stock_change", { item_id: 3, product_id: 2, level }, 0);
  });
});

describe("catching up a page that was away", () => {
  const released = () => {
    const { inventory } = completeProductsFixture();
    const [, p1] = completeProducts(inventory);
    return { ...p1, released: true };
  };

  test("nothing for an unreleased product", () => {
    const [, p1] = completeProducts(completeProductsFixture().inventory);
    expect(catchUp(p1, { released: false, levels: {} })).toEqual([]);
  });

  test("a page still saying coming soon gets the release", () => {
    const product = released();
    expect(catchUp(product, { released: false, levels: {} })).toEqual([{ event: "released", payload: { size_html: renderSizes(product) } }]);
  });

  test("a released page gets a stock_change for each size whose level differs", () => {
    const product = released();
    expect(catchUp(product, { released: true, levels: { "1": "low", "2": "high" } })).toEqual([
      { event: "stock_change", payload: { product_id: 1, item_id: 2, level: "low" } },
    ]);
    expect(catchUp(product, { released: true, levels: { "1": "low", "2": "low" } })).toEqual([]);
  });

  test("pushed right after the join reply when the page says what it shows; nothing for the book's plain join", async () => {
    t = channelTest();
    const { inventory } = completeProductsFixture();
    const current = markProductReleased(inventory, 1);
    const socket = t.socket(productSocket(() => current));
    expect((await t.join(socket, "product:1", { seen: { released: false, levels: {} } })).ok).toBe(true);
    const pushed = (await t.assertPush(
      "released",
      like(() => true),
    )) as { size_html: string };
    expect(pushed.size_html).toBe(renderSizes(productById(current, 1)!));
    expect((await t.join(socket, "product:2", { seen: { released: true, levels: { "3": "out" } } })).ok).toBe(true);
    await t.refutePush();
    const plain = t.socket(productSocket(() => current));
    expect((await t.join(plain, "product:1")).ok).toBe(true);
    await t.refutePush();
  });

  test("a malformed seen is refused with a clear reason", async () => {
    t = channelTest();
    const socket = t.socket(productSocket(() => completeProductsFixture().inventory));
    const joined = await t.join(socket, "product:1", { seen: { released: "yes" } });
    expect(joined.ok).toBe(false);
  });
});
