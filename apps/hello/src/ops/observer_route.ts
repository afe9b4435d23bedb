import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Observer, type ObserverSort, type Runtime, readBody } from "fenix";

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
export function observerRoute(runtime: Runtime, admin: AdminCredentials | undefined, actions = false) {
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
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST") {
      void adminAction(url.pathname, req, (observer ??= new Observer(runtime, { actions })), json);
      return;
    }
    const query = url.searchParams;
    const sort = query.get("sort") ?? "memory";
    const page = Number(query.get("page") ?? "1");
    if (!SORTS.has(sort) || !Number.isInteger(page) || page < 1) {
      json(400, { error: "use ?sort=memory|reductions|queue&page=<positive integer>" });
      return;
    }
    observer ??= new Observer(runtime, { actions });
    json(200, observer.snapshot({ sort: sort as ObserverSort, page }));
  };
}

/**
 * `POST /ops/observer/disconnect {ref}` and `POST /ops/observer/stop {ref, topic}` (refs and
 * topics as the list shows them); 403 unless admin actions were turned on.
 */
async function adminAction(path: string, req: IncomingMessage, observer: Observer, json: (status: number, body: object) => void): Promise<void> {
  if (!observer.actions) {
    json(403, { error: "admin actions are off (createHello({ adminActions: true }) turns them on)" });
    return;
  }
  let body: { ref?: unknown; topic?: unknown };
  try {
    body = JSON.parse((await readBody(req, 4096)).toString("utf8") || "{}");
  } catch {
    json(400, { error: "the body must be JSON: {ref} or {ref, topic}" });
    return;
  }
  if (typeof body.ref !== "number") {
    json(400, { error: "ref must be the number the list shows" });
    return;
  }
  if (path.endsWith("/disconnect")) {
    json(observer.disconnect(body.ref) ? 200 : 404, { ok: true });
  } else if (path.endsWith("/stop") && typeof body.topic === "string") {
    json(observer.stopChannel(body.ref, body.topic) ? 200 : 404, { ok: true });
  } else {
    json(400, { error: "POST /ops/observer/disconnect {ref} or /ops/observer/stop {ref, topic}" });
  }
}
