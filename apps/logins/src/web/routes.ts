// The seed's HTTP API (GET, for its curl examples), the POST twins, the list as JSON and the page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "fenix";
import type { Logins } from "../logins.js";
import { nameError, validName } from "../user_list.js";
import { renderUsersPage } from "../views/users_page.js";

type Op = "login" | "logout";

/**
 * `GET|POST /api/login/:name`, `GET|POST /api/logout/:name`, `GET /api/users`, `GET /users`.
 *
 * @example
 * registerRoutes(fastify, { logins, logger });
 */
export function registerRoutes(fastify: FastifyInstance, { logins, logger }: { logins: Logins; logger: Logger }): void {
  const handle = (op: Op, method: "GET" | "POST") => async (req: FastifyRequest<{ Params: { name?: string } }>, reply: FastifyReply) => {
    const name = req.params.name ?? "";
    if (!validName(name)) {
      const message = nameError(name);
      logger.warn({ route: `${method} /api/${op}/:name` }, `refused a ${op}: ${message}`);
      return reply.code(400).type("text/plain; charset=utf-8").send(`${message}\n`);
    }
    await (op === "login" ? logins.login(name) : logins.logout(name));
    if (method === "GET") return reply.redirect("/users");
    return reply.code(204).send();
  };
  for (const op of ["login", "logout"] as const) {
    // Without a name the parametric route does not match; answer the same 400 as for a bad one.
    for (const path of [`/api/${op}/:name`, `/api/${op}/`, `/api/${op}`]) {
      fastify.get(path, handle(op, "GET"));
      fastify.post(path, handle(op, "POST"));
    }
  }
  fastify.get("/api/users", async () => ({ users: await logins.users() }));
  fastify.get("/users", async (_req, reply) => reply.type("text/html; charset=utf-8").send(renderUsersPage(await logins.users())));
  fastify.get("/", async (_req, reply) => reply.redirect("/users"));
}
