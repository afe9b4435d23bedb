import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Observer, type ObserverSort, type Runtime } from "fenix";

export interface AdminCredentials {
  user: string;
  password: string;
}

/** HTTP Basic Auth against the admin credentials, in constant time. */
export function basicAuthOk(req: IncomingMessage, admin: AdminCredentials): boolean {
  const expected = Buffer.from(`Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString("base64")}`);
  const given = Buffer.from(req.headers.authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const SORTS = new Set(["memory", "reductions", "queue"]);

/**
 * `GET /ops/observer?sort=memory|reductions|queue&page=N` (Basic Auth, ADMIN_USER /
 * ADMIN_PASSWORD): the node's observer snapshot as JSON. Without credentials configured it is off.
 */
export function observerRoute(runtime: Runtime, admin: AdminCredentials | undefined) {
  let observer: Observer | undefined;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const json = (status: number, body: object, headers: Record<string, string> = {}) =>
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(JSON.stringify(body));
    if (!admin) {
      json(404, { error: "the observer is off: set ADMIN_USER and ADMIN_PASSWORD" });
      return;
    }
    if (!basicAuthOk(req, admin)) {
      json(401, { error: "authentication required" }, { "www-authenticate": 'Basic realm="fenix ops"' });
      return;
    }
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    const sort = query.get("sort") ?? "memory";
    const page = Number(query.get("page") ?? "1");
    if (!SORTS.has(sort) || !Number.isInteger(page) || page < 1) {
      json(400, { error: "use ?sort=memory|reductions|queue&page=<positive integer>" });
      return;
    }
    observer ??= new Observer(runtime);
    json(200, observer.snapshot({ sort: sort as ObserverSort, page }));
  };
}
