// The admin dashboard's one mount: the Basic-Auth page at /admin and the admin socket beside the
// shoppers' one. `createSneakersApp` calls it once.
import type { FastifyInstance } from "fastify";
import { websocket } from "fenix";
import type { Endpoint, Logger } from "fenix";
import { completeProducts } from "../inventory/inventory.js";
import type { InventoryServer } from "../inventory/server.js";
import { AdminSocket, signAdminToken } from "../sockets/admin_socket.js";
import { renderAdmin } from "../views/admin_view.js";
import { type AdminCredentials, DEV_CREDENTIALS, adminCredentials, basicAuthorized } from "./basic_auth.js";

export interface AdminOptions {
  /** ADMIN_USER / ADMIN_PASSWORD; without them: admin/password in development, no dashboard in production. */
  admin?: Partial<AdminCredentials>;
  /** Where the page's product list comes from. */
  server: InventoryServer;
  logger: Logger;
  /** Default: `NODE_ENV === "production"`. */
  production?: boolean;
}

const REALM = 'Basic realm="Sneakers23 admin", charset="UTF-8"';

/**
 * Mounts `GET /admin` (HTTP Basic Auth, a one-day admin token in the page) and `/admin_socket`
 * (WebSocket only) with the `admin:cart_tracker` dashboard channel. Off (404, no socket) in
 * production unless credentials are configured.
 *
 * @example
 * mountAdmin(fastify, endpoint, { admin: config.admin, server, logger });
 */
export function mountAdmin(fastify: FastifyInstance, endpoint: Endpoint, options: AdminOptions): void {
  const production = options.production ?? process.env.NODE_ENV === "production";
  const credentials = adminCredentials(options.admin, production);
  if (!credentials) {
    options.logger.info("admin dashboard off: set ADMIN_USER and ADMIN_PASSWORD to turn it on");
    return;
  }
  if (credentials === DEV_CREDENTIALS) {
    options.logger.warn("admin dashboard: ADMIN_USER/ADMIN_PASSWORD not set, /admin uses the development login admin/password");
  }
  // WebSocket only, as the book's endpoint: /admin_socket/longpoll is a 404.
  endpoint.socket("/admin_socket", AdminSocket, { transports: [websocket()] });

  fastify.get("/admin", async (request, reply) => {
    if (!basicAuthorized(request.headers.authorization, credentials)) {
      return reply.code(401).header("www-authenticate", REALM).header("cache-control", "no-store").type("text/plain; charset=utf-8").send("Unauthorized\n");
    }
    if (!options.server.loaded) {
      return reply
        .code(503)
        .header("retry-after", "1")
        .header("cache-control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("The inventory is not loaded yet. Try again in a moment.\n");
    }
    const page = renderAdmin(completeProducts(options.server.get()), signAdminToken(endpoint.tokens));
    return reply.header("cache-control", "no-store").type("text/html; charset=utf-8").send(page);
  });
}
