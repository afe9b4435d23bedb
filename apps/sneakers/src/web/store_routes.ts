import type { FastifyInstance } from "fastify";
import type { Inventory } from "../inventory/inventory.js";
import { completeProducts } from "../inventory/inventory.js";
import type { InventoryServer } from "../inventory/server.js";
import { renderIndex, renderProductList } from "../views/product_view.js";
import { cartIdFor } from "./cart_session.js";

/**
 * The shopper's pages. `GET /` is rendered from the in-memory inventory only — never a query —
 * and the product list is kept until the inventory changes, so a launch's reload storm costs a
 * lookup (only the layout, with the shopper's cart id, is per request).
 */
export function registerStoreRoutes(fastify: FastifyInstance, deps: { server: InventoryServer }): void {
  const rendered = new WeakMap<Inventory, string>();

  fastify.get("/", async (request, reply) => {
    if (!deps.server.loaded) {
      return reply
        .code(503)
        .header("retry-after", "1")
        .header("cache-control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("Sneakers23 is starting: the inventory is not loaded yet (waiting for the database). Try again in a moment.\n");
    }
    const inventory = deps.server.get();
    let list = rendered.get(inventory);
    if (list === undefined) rendered.set(inventory, (list = renderProductList(completeProducts(inventory))));
    const page = renderIndex([], { list, cartId: cartIdFor(request, reply) });
    // Back/forward must show the live state, not the HTML the browser cached (the book's chapter 8 fix).
    return reply.header("cache-control", "no-store, must-revalidate").type("text/html; charset=utf-8").send(page);
  });

  // The size buttons' form action: with JavaScript the cart channel adds the item (the click never
  // submits); without it there is no cart to add to, so the shopper lands back on the store.
  fastify.post("/cart/add", async (_request, reply) => reply.redirect("/", 303));
}
