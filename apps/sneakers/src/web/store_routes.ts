import type { FastifyInstance } from "fastify";
import type { Inventory } from "../inventory/inventory.js";
import { completeProducts } from "../inventory/inventory.js";
import type { InventoryServer } from "../inventory/server.js";
import { renderIndex } from "../views/product_view.js";

/**
 * The shopper's pages. `GET /` is rendered from the in-memory inventory only — never a query —
 * and the HTML is kept until the inventory changes, so a launch's reload storm costs a lookup.
 */
export function registerStoreRoutes(fastify: FastifyInstance, deps: { server: InventoryServer }): void {
  const rendered = new WeakMap<Inventory, string>();

  fastify.get("/", async (_request, reply) => {
    if (!deps.server.loaded) {
      return reply
        .code(503)
        .header("retry-after", "1")
        .header("cache-control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("Sneakers23 is starting: the inventory is not loaded yet (waiting for the database). Try again in a moment.\n");
    }
    const inventory = deps.server.get();
    let page = rendered.get(inventory);
    if (page === undefined) rendered.set(inventory, (page = renderIndex(completeProducts(inventory))));
    // Back/forward must show the live state, not the HTML the browser cached (the book's chapter 8 fix).
    return reply.header("cache-control", "no-store, must-revalidate").type("text/html; charset=utf-8").send(page);
  });

  // The size buttons submit to /cart/add, which the cart (part 2) handles; until then a click
  // without JavaScript lands back on the store instead of a 404.
  fastify.post("/cart/add", async (_request, reply) => reply.redirect("/", 303));
}
