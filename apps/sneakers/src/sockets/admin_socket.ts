import { defineSocket } from "fenix";
import type { Tokens } from "fenix";
import { CART_TRACKER_TOPIC } from "../cart_tracker.js";
import { DashboardChannel } from "../channels/dashboard_channel.js";

/** Phoenix.Token salt of the admin token (the book's "admin socket"). */
export const ADMIN_TOKEN_SALT = "admin socket";
/** An admin token lasts one day: whoever passed Basic Auth in the last 24 h. */
export const ADMIN_TOKEN_MAX_AGE_S = 86_400;

/**
 * A fresh admin token, embedded in the `/admin` page as `window.adminToken`.
 *
 * @example
 * const token = signAdminToken(endpoint.tokens);
 */
export function signAdminToken(tokens: Tokens): string {
  return tokens.sign(ADMIN_TOKEN_SALT, "admin");
}

/**
 * `/admin_socket`: separate from the shoppers' socket because it is more restricted. A connection
 * needs `params.token`, a valid admin token; anything else is refused at the upgrade (403) with
 * one log line saying why.
 */
export const AdminSocket = defineSocket({
  name: "AdminSocket",
  channels: [[CART_TRACKER_TOPIC, DashboardChannel]],
  connect(params, socket) {
    if (typeof params.token !== "string" || params.token === "") {
      socket.logger.warn("AdminSocket connect error: missing params (no token)");
      return false;
    }
    const result = socket.tokens.verify(ADMIN_TOKEN_SALT, params.token, { maxAge: ADMIN_TOKEN_MAX_AGE_S });
    if (!result.ok) {
      socket.logger.warn(`AdminSocket connect error: ${result.error} token`);
      return false;
    }
    return true;
  },
  id: () => null,
});
