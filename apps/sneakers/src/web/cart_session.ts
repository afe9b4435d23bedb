import { createHmac } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { generateCartId } from "../cart/shopping_cart.js";

/** The session cookie holding the shopper's cart id (signed, so it cannot be forged or edited). */
export const SESSION_COOKIE = "_sneakers23_cart";

/** The cookie signing secret, derived from `secretKeyBase` so the base itself never signs cookies. */
export function cookieSecret(secretKeyBase: string): string {
  return createHmac("sha256", secretKeyBase).update("sneakers23 cookie session").digest("base64url");
}

/**
 * The book's `CartIdPlug`: the cart id of this browser's session, made (64 random base64
 * characters) and stored in the signed cookie when absent, reused when present — every tab of a
 * browser shares it, a private window gets its own. Needs @fastify/cookie with a secret.
 *
 * @example
 * fastify.get("/", (request, reply) => reply.send(renderIndex(products, { cartId: cartIdFor(request, reply) })));
 */
export function cartIdFor(request: FastifyRequest, reply: FastifyReply): string {
  const existing = sessionCartId(request);
  if (existing !== undefined) return existing;
  const cartId = generateCartId();
  reply.setCookie(SESSION_COOKIE, cartId, { signed: true, httpOnly: true, sameSite: "lax", path: "/" });
  return cartId;
}

/** The session's cart id, or `undefined` without a (validly signed) session cookie. */
export function sessionCartId(request: FastifyRequest): string | undefined {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}
