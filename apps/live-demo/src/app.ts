import { createReadStream, existsSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { Live, defaultLayout } from "@fenix/live";
import { Endpoint } from "fenix";
import type { Logger } from "fenix";
import { CounterLive, randomStart } from "./views/counter_live.js";
import { SignupLive } from "./views/signup_live.js";

export { CounterLive, randomStart } from "./views/counter_live.js";
export { SignupLive } from "./views/signup_live.js";
export { readForm, validate, visibleErrors } from "./signup.js";

export interface LiveDemoConfig {
  logger: Logger;
  /** Signs sessions; at least 20 characters. */
  secretKeyBase: string;
  /** Where the bundled app.js lives (default: dist/assets beside the built server). */
  assetsDir?: string;
}

export interface LiveDemo {
  endpoint: Endpoint;
  live: Live;
  server: Server;
  /** Listens on `port` (0: any) at `host`; resolves with the port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const STYLE = "/assets/app.css";

/**
 * The chapter 13 demo: `/counter` and `/signup` as live views on Fenix's `/live` socket.
 *
 * @example
 * const demo = createLiveDemo({ logger, secretKeyBase: process.env.SECRET_KEY_BASE! });
 * await demo.listen(4000);
 */
export function createLiveDemo(config: LiveDemoConfig): LiveDemo {
  const assetsDir = config.assetsDir ?? fileURLToPath(new URL("./assets", import.meta.url));
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      config.logger.error({ err }, `request failed: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error\n");
    });
  });
  const endpoint = new Endpoint({ secretKeyBase: config.secretKeyBase, logger: config.logger });
  const live = new Live({ endpoint, layout: defaultLayout({ scripts: ["/assets/app.js"], styles: [STYLE], title: "Fenix Live demo" }) });
  // The "controller" for /counter: the session carries the random start, as in the book.
  live.live("/counter", CounterLive, { session: () => ({ count: randomStart() }) });
  live.live("/signup", SignupLive);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await live.handle(req, res)) return;
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/") {
      res.writeHead(302, { location: "/counter" }).end();
      return;
    }
    if (path === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (path === STYLE) {
      res.writeHead(200, { "content-type": "text/css" }).end(CSS);
      return;
    }
    if (path.startsWith("/assets/") && serveAsset(assetsDir, path.slice("/assets/".length), res)) return;
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }

  return {
    endpoint,
    live,
    server,
    async listen(port, host = "0.0.0.0") {
      await endpoint.attach(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, resolve);
      });
      return (server.address() as AddressInfo).port;
    },
    async close() {
      await endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".map": "application/json" };

function serveAsset(dir: string, name: string, res: ServerResponse): boolean {
  const file = normalize(join(dir, name));
  if (!file.startsWith(normalize(dir)) || !existsSync(file)) return false;
  const ext = name.slice(name.lastIndexOf("."));
  res.writeHead(200, { "content-type": TYPES[ext] ?? "application/octet-stream", "cache-control": "no-cache" });
  createReadStream(file).pipe(res);
  return true;
}

// LiveView's state classes, made visible: a dimmed page while the connection is lost.
const CSS = `body{font-family:system-ui,sans-serif;margin:2rem}
.phx-client-error{opacity:.6}
.error{color:#b00020;margin:.2rem 0}
.field{margin-bottom:.8rem}
nav{margin-top:1.5rem}
`;
