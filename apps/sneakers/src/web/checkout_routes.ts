import type { FastifyInstance } from "fastify";
import type { Logger, Tokens } from "fenix";
import { newCart, restoreCart, serializeCart } from "../cart/shopping_cart.js";
import { CHECKOUT_MESSAGES, type CheckoutError, checkoutProblem, isCheckoutError, purchaseCart } from "../checkout/checkout.js";
import type { InventoryContext } from "../inventory/context.js";
import { cartToMap } from "../views/cart_view.js";
import { renderCheckout, renderCheckoutComplete, renderEmptyCheckout } from "../views/checkout_view.js";
import { cartIdFor } from "./cart_session.js";

export interface CheckoutDeps {
  inventory: InventoryContext;
  tokens: Tokens;
  /** Tells every open tab of the cart, on every node, what was bought (so none puts it back). */
  broadcast(topic: string, event: string, payload: object): Promise<void>;
  logger: Logger;
}

type CheckoutQuery = { serialized_cart?: string | string[]; error?: string };

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The book's `CheckoutController`: `GET /checkout?serialized_cart=…` shows the cart the widget
 * submitted, `POST /checkout` buys it (one transaction, all or nothing) and `GET
 * /checkout/complete` confirms and clears the browser's stored cart. A cart only restores in
 * its own session (the token names the cart id), so a purchase needs the shopper's cookie.
 *
 * @example
 * registerCheckoutRoutes(fastify, { inventory, tokens: endpoint.tokens, broadcast: (t, e, p) => endpoint.broadcast(t, e, p), logger });
 */
export function registerCheckoutRoutes(fastify: FastifyInstance, deps: CheckoutDeps): void {
  const { inventory, tokens, logger } = deps;
  const back = (token: string, reason: CheckoutError) => `/checkout?${new URLSearchParams({ serialized_cart: token, error: reason })}`;

  fastify.get<{ Querystring: CheckoutQuery }>("/checkout", async (request, reply) => {
    const token = first(request.query.serialized_cart);
    if (token === undefined) return reply.redirect("/", 303);
    const cartId = cartIdFor(request, reply);
    const reason = request.query.error;
    const flash = isCheckoutError(reason) ? CHECKOUT_MESSAGES[reason] : undefined;
    const cart = cartToMap(inventory.server.get(), restoreCart(tokens, cartId, token), token);
    reply.header("cache-control", "no-store").type("text/html; charset=utf-8");
    if (cart.items.length === 0) return reply.send(renderEmptyCheckout({ cartId, flash }));
    return reply.send(renderCheckout(cart, { cartId, flash }));
  });

  fastify.post<{ Body: { serialized_cart?: string | string[] } | undefined }>("/checkout", async (request, reply) => {
    const token = first(request.body?.serialized_cart) ?? "";
    const cartId = cartIdFor(request, reply);
    const cart = cartToMap(inventory.server.get(), restoreCart(tokens, cartId, token), token);
    const problem = checkoutProblem(cart);
    if (problem) {
      logger.info(`checkout: refused a purchase (${problem})`);
      return reply.redirect(back(token, problem), 303);
    }
    const ids = cart.items.map((item) => item.id);
    let bought: Awaited<ReturnType<typeof purchaseCart>>;
    try {
      bought = await purchaseCart(inventory, ids, logger);
    } catch (err) {
      logger.error(`checkout: purchase of ${ids.length} items failed: ${(err as Error).message}`);
      return reply.redirect(back(token, "purchase_failed"), 303);
    }
    if (!bought.ok) {
      logger.info(`checkout: purchase rolled back, item ${bought.itemId} was no longer available`);
      return reply.redirect(back(token, "purchase_failed"), 303);
    }
    // Every open tab drops what was bought; otherwise its next push would write the cart back.
    await deps.broadcast(`cart:${cartId}`, "cart_updated", { serialized: serializeCart(tokens, cartId, newCart()), added: [], removed: ids });
    return reply.redirect("/checkout/complete", 303);
  });

  fastify.get("/checkout/complete", async (request, reply) =>
    reply
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(renderCheckoutComplete({ cartId: cartIdFor(request, reply) })),
  );
}
