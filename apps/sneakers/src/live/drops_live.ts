import { AsyncLocalStorage } from "node:async_hooks";
import { Live, defineView } from "@fenix/live";
import type { LiveView } from "@fenix/live";
import type { FastifyInstance } from "fastify";
import type { Endpoint } from "fenix";
import { type Inventory, completeProducts } from "../inventory/inventory.js";
import type { InventoryServer } from "../inventory/server.js";
import { dropsLayout, liveProductList } from "../views/drops_view.js";
import { cartIdFor } from "../web/cart_session.js";
import { type DropsProduct, type Heard, NOTHING_HEARD, dropsProducts, hear, pageProducts } from "./drops_state.js";

export interface DropsAssigns {
  products: DropsProduct[];
  /** Broadcast facts the cache did not hold yet at the last render (see `Heard`). */
  heard: Heard;
}

/** Where the in-memory inventory is read (the book's `Inventory.get_complete_products`). */
export interface InventorySource {
  readonly loaded: boolean;
  get(): Inventory;
}

/** The topics a page of `products` listens on: the ones the product channels already broadcast to. */
export function productTopics(products: readonly { id: number }[]): string[] {
  return products.map((product) => `product:${product.id}`);
}

/**
 * The book's `ProductPageLive` (chapter 13): the product list of `/`, kept live by the server.
 * Mount reads the in-memory inventory and, on the socket only, subscribes to each `product:<id>`;
 * a `released` or `stock_change` there re-reads every product from memory (the book's "easier
 * route") and the client gets only what changed. What the broadcast says is laid over the cache
 * until the cache agrees, because on another node of a cluster it can arrive before replication
 * has updated this node's cache.
 *
 * @example
 * live.live("/drops", dropsLive(inventoryServer));
 */
export function dropsLive(inventory: InventorySource): LiveView<DropsAssigns> {
  // The inventory is an immutable value: every view that wakes for one change shares one list.
  const lists = new WeakMap<Inventory, DropsProduct[]>();
  const current = () => {
    const state = inventory.get();
    let list = lists.get(state);
    if (list === undefined) lists.set(state, (list = dropsProducts(completeProducts(state))));
    return list;
  };
  return defineView<DropsAssigns>({
    name: "DropsLive",
    mount(_params, _session, socket) {
      // A rejoin after a restart can come before the first load; refusing it makes the client retry.
      if (!inventory.loaded) throw new Error("the inventory is not loaded yet");
      const products = current();
      socket.assign({ products, heard: NOTHING_HEARD });
      for (const topic of productTopics(products)) socket.subscribe(topic);
    },
    handleInfo(message: { topic?: string; event?: string; payload?: unknown }, socket) {
      if (message.event !== "released" && message.event !== "stock_change") return;
      socket.assign(pageProducts(current(), hear(socket.assigns.heard, message)));
    },
    render: ({ products }) => liveProductList(products),
  });
}

export interface DropsPage {
  live: Live;
  view: LiveView<DropsAssigns>;
}

/**
 * `/drops` on the store: the `/live` socket on `endpoint` (call before `endpoint.attach`) and a
 * Fastify route that renders the view in the store's layout with the shopper's cart.
 *
 * @example
 * mountDrops(fastify, endpoint, inventoryServer);
 */
export function mountDrops(fastify: FastifyInstance, endpoint: Endpoint, server: InventoryServer): DropsPage {
  // The layout is one function for the whole app; the cart id is per request, so it travels in
  // the async context of the request that renders.
  const cart = new AsyncLocalStorage<string>();
  const live = new Live({ endpoint, layout: ({ inner, csrfToken }) => dropsLayout(inner, csrfToken, { cartId: cart.getStore() }) });
  const view = dropsLive(server);
  live.live("/drops", view);

  fastify.get("/drops", async (request, reply) => {
    if (!server.loaded) {
      return reply
        .code(503)
        .header("retry-after", "1")
        .header("cache-control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("Sneakers23 is starting: the inventory is not loaded yet (waiting for the database). Try again in a moment.\n");
    }
    const page = await cart.run(cartIdFor(request, reply), () => live.liveRender(request.raw, view));
    return reply.header("cache-control", "no-store, must-revalidate").type("text/html; charset=utf-8").send(page);
  });
  return { live, view };
}
