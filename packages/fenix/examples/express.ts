// Fenix mounted into an Express 5 app. Express keeps its routes (GET /hello) and its own 404;
// Fenix serves /socket/websocket, /socket/longpoll and /socket/sse on the same http.Server.
//
//   npm run build:examples -w fenix && node packages/fenix/examples/dist/express.js
//   curl localhost:4000/hello  ·  curl -N "localhost:4000/socket/sse?topics=ping"
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import express from "express";
import { Endpoint, defineChannel, defineSocket, ok, longPoll, sse, websocket } from "fenix";

const PingChannel = defineChannel({
  join: () => ok(),
  handleIn: { ping: () => ok({ ping: "pong" }) },
});

const UserSocket = defineSocket({ name: "UserSocket", channels: [["ping", PingChannel]] });

export async function start(port = 4000, host = "127.0.0.1"): Promise<{ port: number; close(): Promise<void> }> {
  const app = express();
  app.get("/hello", (_req, res) => {
    res.type("text/plain").send("hello from express");
  });

  // An Express app is a request listener: give it a server, then attach Fenix to that server
  // (`app.listen()` would create a server Fenix never sees).
  const server = createServer(app);
  const endpoint = new Endpoint({ secretKeyBase: process.env.SECRET_KEY_BASE });
  endpoint.socket("/socket", UserSocket, { transports: [websocket(), longPoll(), sse()] });
  // Fenix answers its own paths before Express (and before any body parser) sees them.
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
  console.log(`Express app with Fenix on http://127.0.0.1:${port}`);
}
