// /drops as a live view, in process (SQLite in memory), over real sockets with the official
// phoenix client through @fenix/live/testing: book part F §6 scenarios 1–8 and the book's four
// ProductPageLive tests (§2.7). The store's own inventory context makes every change, so the
// broadcasts are the ones the product channels send.
import { get, JoinError, live, render } from "@fenix/live/testing";
import type { LiveViewHandle } from "@fenix/live/testing";
import { createLogger } from "fenix";
import WebSocket from "ws";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type SneakersApp, completeProducts, createSneakersApp, sellItem } from "../src/app.js";

const logger = createLogger({ name: "drops-test", level: "silent" });
let app: SneakersApp;
let base: string;
const views: LiveViewHandle[] = [];

beforeEach(async () => {
  app = await createSneakersApp({ secretKeyBase: "x".repeat(64), apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 23 });
  const port = await app.listen(0, "127.0.0.1");
  await app.inventory.server.ready();
  base = `http://127.0.0.1:${port}`;
});

afterEach(async () => {
  for (const view of views.splice(0)) view.close();
  await app.close();
});

async function mounted(): Promise<LiveViewHandle> {
  const { view } = await live(`${base}/drops`, { transport: WebSocket });
  views.push(view);
  return view;
}

const products = () => completeProducts(app.inventory.server.get());
const itemIds = () => products().flatMap((p) => p.items.map((i) => i.id));
const subscribers = (id: number) => app.endpoint.pubsub.subscriberCount(`product:${id}`);
const productList = (page: string) => /<main class="product-list">[\s\S]*?<\/main>/.exec(page)?.[0];

async function until(check: () => boolean, what: string, ms = 1_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function releaseAll(): Promise<void> {
  for (const p of products()) await app.inventory.markProductReleased(p.id);
}

describe("GET /drops (disconnected)", () => {
  test("renders the product list in a signed live container inside the store's layout, subscribing to nothing", async () => {
    const { status, html } = await get(`${base}/drops`);
    expect(status).toBe(200);
    expect(html).toContain('<main class="product-list">');
    expect(html.match(/coming soon\.\.\./g)).toHaveLength(2);
    expect(html).toMatch(/<div id="phx-[^"]+" data-phx-main data-phx-session="[^"]+" data-phx-static="[^"]+">/);
    expect(html).toMatch(/<meta name="csrf-token" content="[^"]+">/);
    expect(html).toContain('<div id="cart-container"></div>');
    expect(html).toMatch(/window\.cartId = "[0-9a-zA-Z+/_-]{64}"/);
    expect(subscribers(1)).toBe(0);
    expect(subscribers(2)).toBe(0);
  });

  test("the list is byte-identical to the one on / for the same inventory", async () => {
    await app.inventory.markProductReleased(1);
    const [drops, store] = await Promise.all([get(`${base}/drops`), get(`${base}/`)]);
    const list = productList(drops.html);
    expect(list).toBeDefined();
    expect(list).toBe(productList(store.html));
    expect(list).toContain('name="item_id" value="1"');
  });

  test("answers 503 until the inventory has loaded", async () => {
    const down = await createSneakersApp({ secretKeyBase: "x".repeat(64), apiKey: "key", databaseUrl: "postgres://postgres@127.0.0.1:1/nowhere", logger });
    try {
      const response = await down.fastify.inject({ method: "GET", url: "/drops" });
      expect(response.statusCode).toBe(503);
      expect(response.headers["retry-after"]).toBe("1");
    } finally {
      await down.close();
    }
  });
});

describe("connected", () => {
  test("the join's rendered tree rebuilds the static list; subscriptions exist only while joined", async () => {
    const page = await get(`${base}/drops`);
    const view = await mounted();
    expect(Array.isArray((view.joinReply.rendered as { s?: unknown }).s)).toBe(true);
    expect(productList(render(view))).toBe(productList(page.html));
    expect(render(view).match(/coming soon\.\.\./g)).toHaveLength(2);
    expect([subscribers(1), subscribers(2)]).toEqual([1, 1]);
    const second = await mounted();
    expect([subscribers(1), subscribers(2)]).toEqual([2, 2]);
    second.close();
    await until(() => subscribers(1) === 1 && subscribers(2) === 1, "one view's subscriptions released");
    view.close();
    await until(() => subscribers(1) === 0 && subscribers(2) === 0, "no subscriptions after the socket closed");
  });

  test("a tampered session is refused (unauthorized) and subscribes to nothing", async () => {
    const page = await get(`${base}/drops`);
    const id = /<div id="(phx-[^"]+)"/.exec(page.html)?.[1];
    const session = /data-phx-session="([^"]+)"/.exec(page.html)?.[1] ?? "";
    const tampered = `${session.slice(0, -4)}AAAA`;
    const { Socket } = await import("phoenix");
    const socket = new Socket(`${base.replace("http", "ws")}/live`, { transport: WebSocket } as never);
    socket.connect();
    try {
      const reply = await new Promise<unknown>((resolve, reject) => {
        socket
          .channel(`lv:${id}`, { url: `${base}/drops`, params: {}, session: tampered, static: null })
          .join()
          .receive("ok", () => reject(new Error("a tampered session joined")))
          .receive("error", resolve)
          .receive("timeout", () => reject(new Error("no join reply")));
      });
      expect(reply).toEqual({ reason: "unauthorized" });
      expect(subscribers(1)).toBe(0);
    } finally {
      socket.disconnect();
    }
    await expect(live(`${base}/drops`, { transport: WebSocket, params: { _csrf_token: "forged" } })).rejects.toBeInstanceOf(JoinError);
    expect(subscribers(1)).toBe(0);
  });

  test("releases are picked up: no more coming soon, a size button per item (book §2.7 test 3, scenario 6)", async () => {
    const view = await mounted();
    expect(render(view)).toContain("coming soon...");
    await releaseAll();
    await view.waitFor(() => !render(view).includes("coming soon..."), "both releases");
    expect(view.diffs.length).toBeGreaterThanOrEqual(1);
    for (const id of itemIds()) expect(render(view)).toContain(`name="item_id" value="${id}"`);
    expect(productList(render(view))).toBe(productList((await get(`${base}/`)).html));
  });

  test("sell-outs are picked up: every size out and disabled (book §2.7 test 4, scenario 7)", async () => {
    const view = await mounted();
    await releaseAll();
    // Every unit of every item sold through the store's single-item checkout; counts are lowered
    // first (on the same path as a sale) so the test sells 2 units per size, not thousands.
    for (const id of itemIds()) await app.inventory.setStock(id, Math.min(2, app.inventory.server.get().availability.get(id)?.available_count ?? 0));
    for (const id of itemIds()) {
      while ((await sellItem(app.inventory, id, logger)) === "ok");
    }
    const allOut = () => itemIds().every((id) => render(view).includes(`size-container__entry--level-out" name="item_id" value="${id}" disabled>`));
    await view.waitFor(allOut, "every size out");
    expect(render(view)).not.toMatch(/level-(low|medium|high)/);
    expect(productList(render(view))).toBe(productList((await get(`${base}/`)).html));
  });

  test("a broadcast that overtakes this node's cache (another node's change) still shows", async () => {
    // On a replica the shoppers' broadcast can arrive before replication has updated the cache:
    // here the cache is not changed at all, only the broadcasts arrive.
    const view = await mounted();
    const item = products()
      .find((p) => p.id === 1)
      ?.items.find((i) => i.available_count > 0);
    if (!item) throw new Error("no item of product 1 in stock");
    await app.endpoint.broadcast("product:1", "released", { size_html: "" });
    await view.waitFor(() => render(view).match(/coming soon\.\.\./g)?.length === 1, "product 1 released");
    await app.endpoint.broadcast("product:1", "stock_change", { product_id: 1, item_id: item.id, level: "out" });
    await view.waitFor(() => render(view).includes(`level-out" name="item_id" value="${item.id}" disabled>`), "the heard level");
    expect(app.inventory.server.get().products.get(1)?.released).toBe(false);
    // The cache catches up and moves on: the page follows it and equals / again.
    await app.inventory.markProductReleased(1);
    await app.inventory.setStock(item.id, 0);
    await app.inventory.setStock(item.id, 1000);
    await view.waitFor(() => render(view).includes(`level-high" name="item_id" value="${item.id}">`), "the cache's next level");
    expect(productList(render(view))).toBe(productList((await get(`${base}/`)).html));
  });

  test("a stock change's diff repeats no statics and is smaller than the first render (scenario 8)", async () => {
    await releaseAll();
    const view = await mounted();
    const initial = JSON.stringify(view.joinReply.rendered);
    const item = products()[0]?.items.find((i) => i.available_count > 0);
    if (!item) throw new Error("no item in stock");
    await app.inventory.setStock(item.id, 0);
    await view.waitFor(() => view.diffs.length === 1, "the stock change's diff");
    const change = JSON.stringify(view.diffs[0]);
    expect(change).not.toContain('"s"');
    expect(change).toContain('"out"');
    expect(change.length).toBeLessThan(initial.length);
    expect(render(view)).toContain(`size-container__entry--level-out" name="item_id" value="${item.id}" disabled>`);
  });
});
