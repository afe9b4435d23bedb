import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineChannel } from "../channel/definition.js";
import { error } from "../channel/results.js";
import type { Endpoint } from "../endpoint/endpoint.js";
import { Observer } from "../metrics/observer.js";
import { defineSocket } from "../socket/definition.js";
import { websocket } from "../transports/websocket.js";
import { dashboardStats } from "./dashboard_data.js";
import { dashboardPage } from "./dashboard_page.js";

export interface OpsOptions {
  /** HTTP Basic Auth user and password; without both the dashboard answers 404. */
  user?: string;
  password?: string;
  /** Where the page lives (default "/ops"); its socket is `<path>/socket`. */
  path?: string;
  /** How often the numbers refresh (default 1000 ms). */
  intervalMs?: number;
}

export interface Ops {
  /**
   * Serves the page and the client script; false for every other request. The endpoint already
   * asks it first (on `listen` and `attach`); call it yourself only for a server Fenix is not on.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

const TOPIC = "ops:dashboard";
const SALT = "fenix ops dashboard";
const DAY = 86_400;

let phoenixScript: Buffer | undefined;
function phoenixClient(): Buffer {
  // The package's exports hide priv/; its main entry sits beside the minified browser build.
  phoenixScript ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve("phoenix")), "phoenix.min.js"));
  return phoenixScript;
}

/**
 * A live operations dashboard, built on Fenix itself: a page at `/ops` (HTTP Basic Auth) whose
 * official phoenix client joins `ops:dashboard` on `/ops/socket`, and one timer per node that
 * broadcasts the node's numbers every second while a page is open — connections by transport,
 * channels by pattern, messages per second, heap and RSS, event-loop delay, the cluster's nodes
 * and the busiest channels. Mount it before `listen` or `attach`: the endpoint serves its routes
 * ahead of the app's own handler (plain `node:http`, Fastify, Express alike) and stops its timer
 * when it closes.
 *
 * @example
 * mountOps(endpoint, { user: process.env.ADMIN_USER, password: process.env.ADMIN_PASSWORD });
 */
export function mountOps(endpoint: Endpoint, options: OpsOptions = {}): Ops {
  const path = (options.path ?? "/ops").replace(/\/$/, "");
  const enabled = Boolean(options.user && options.password);
  const expected = enabled ? Buffer.from(`Basic ${Buffer.from(`${options.user}:${options.password}`).toString("base64")}`) : Buffer.alloc(0);
  // Created with the first page: a node nobody watches pays for no histogram or GC observer.
  let observerInstance: Observer | undefined;
  const observer = () => (observerInstance ??= new Observer(endpoint));
  let timer: NodeJS.Timeout | undefined;

  const tick = () => {
    if (endpoint.pubsub.subscriberCount(TOPIC) === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    endpoint.localBroadcast(TOPIC, "stats", dashboardStats(endpoint, observer()));
  };
  const ensureTicking = () => {
    if (timer) return;
    timer = setInterval(tick, options.intervalMs ?? 1_000);
    timer.unref();
  };

  const DashboardChannel = defineChannel({
    name: "OpsDashboardChannel",
    join(_topic, _payload, socket) {
      if (!enabled) return error({ reason: "the dashboard is off" });
      ensureTicking();
      socket.send("first");
    },
    // The numbers at once, not a second later.
    handleInfo(message, socket) {
      if (message === "first") socket.push("stats", dashboardStats(endpoint, observer()));
    },
  });
  endpoint.socket(
    `${path}/socket`,
    defineSocket({
      name: "OpsSocket",
      channels: [[TOPIC, DashboardChannel]],
      connect(params, socket) {
        if (!enabled || typeof params.token !== "string") return false;
        return socket.tokens.verify(SALT, params.token, { maxAge: DAY }).ok;
      },
      id: () => null,
    }),
    { transports: [websocket()] },
  );

  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const ops: Ops = {
    handle(req, res) {
      const pathname = (req.url ?? "/").split("?", 1)[0];
      if (req.method !== "GET" || (pathname !== path && pathname !== `${path}/phoenix.js`)) return false;
      if (!enabled) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("The ops dashboard is off: configure its user and password.\n");
        return true;
      }
      if (!authorized(req)) {
        res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Basic realm="fenix ops"' }).end("Unauthorized\n");
        return true;
      }
      if (pathname.endsWith("/phoenix.js")) {
        let script: Buffer;
        try {
          script = phoenixClient();
        } catch (err) {
          endpoint.logger.error(`ops: cannot read the phoenix client: ${(err as Error).message}`);
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("The phoenix client is not installed.\n");
          return true;
        }
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=3600" }).end(script);
        return true;
      }
      const token = endpoint.tokens.sign(SALT, "ops");
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
        .end(dashboardPage({ path, token, node: endpoint.nodeName }));
      return true;
    },
    close() {
      clearInterval(timer);
      observerInstance?.close();
    },
  };
  endpoint.addRequestHandler(ops.handle);
  endpoint.onClose(ops.close);
  return ops;
}
