import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger } from "fenix";
import { Live, defaultLayout } from "../../src/index.js";
import type { LiveOptions } from "../../src/index.js";

export interface TestServer {
  endpoint: Endpoint;
  live: Live;
  base: string;
  close(): Promise<void>;
}

/** A node:http server with a Fenix endpoint and a `Live` on it; `setup` declares the routes. */
export async function startLive(
  setup: (live: Live) => void,
  options: Partial<LiveOptions> = {},
  /** Static files by path (e.g. a client bundle). */
  files: Record<string, string> = {},
): Promise<TestServer> {
  const logger = createLogger({ name: "live-test", level: "silent" });
  const endpoint = new Endpoint({ secretKeyBase: "test-secret-key-base-".repeat(4), logger, checkOrigin: false });
  const live = new Live({ endpoint, layout: defaultLayout({ title: "Test" }), ...options });
  setup(live);
  const server = createServer((req, res) => {
    const file = files[req.url ?? ""];
    if (file !== undefined) {
      res.writeHead(200, { "content-type": "text/javascript" }).end(file);
      return;
    }
    live.handle(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(404).end("not found");
      },
      (err) => res.writeHead(500).end(String(err)),
    );
  });
  await endpoint.attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint,
    live,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
