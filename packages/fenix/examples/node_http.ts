// Fenix mounted into an app's own node:http server. The app keeps its routes (GET /hello) and its
// 404; Fenix serves only what it mounts: /socket/websocket, /socket/longpoll and /socket/sse.
//
//   npm run build:examples -w fenix && node packages/fenix/examples/dist/node_http.js
//   curl localhost:4000/hello  ·  curl -N "localhost:4000/socket/sse?topics=ping"
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { Endpoint, defineChannel, defineSocket, ok, longPoll, sse, websocket } from "fenix";

const PingChannel = defineChannel({
  join: () => ok(),
  handleIn: { ping: () => ok({ ping: "pong" }) },
});

const UserSocket = defineSocket({ name: "UserSocket", channels: [["ping", PingChannel]] });

export async function start(port = 4000, host = "127.0.0.1"): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/hello") res.writeHead(200, { "content-type": "text/plain" }).end("hello from node:http");
    else res.writeHead(404, { "content-type": "text/plain" }).end("node:http app: no such page");
  });

  const endpoint = new Endpoint({ secretKeyBase: process.env.SECRET_KEY_BASE });
  endpoint.socket("/socket", UserSocket, { transports: [websocket(), longPoll(), sse()] });
  // Fenix answers its own paths first; every other request goes to the listener above.
  await endpoint.attach(server);

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await endpoint.close(); // closes sockets (1001), long-polls and streams
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { port } = await start(Number(process.env.PORT ?? 4000));
  console.log(`node:http app with Fenix on http://127.0.0.1:${port}`);
}
