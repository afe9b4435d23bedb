// Fenix mounted into a Fastify 5 app. Fastify keeps its routes (GET /hello) and its own 404;
// Fenix serves /socket/websocket, /socket/longpoll and /socket/sse on Fastify's http.Server.
//
//   npm run build:examples -w fenix && node packages/fenix/examples/dist/fastify.js
//   curl localhost:4000/hello  ·  curl -N "localhost:4000/socket/sse?topics=ping"
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { Endpoint, defineChannel, defineSocket, ok, longPoll, sse, websocket } from "fenix";

const PingChannel = defineChannel({
  join: () => ok(),
  handleIn: { ping: () => ok({ ping: "pong" }) },
});

const UserSocket = defineSocket({ name: "UserSocket", channels: [["ping", PingChannel]] });

export async function start(port = 4000, host = "127.0.0.1"): Promise<{ port: number; close(): Promise<void> }> {
  const app = Fastify();
  app.get("/hello", async (_request, reply) => reply.type("text/plain").send("hello from fastify"));

  const endpoint = new Endpoint({ secretKeyBase: process.env.SECRET_KEY_BASE });
  endpoint.socket("/socket", UserSocket, { transports: [websocket(), longPoll(), sse()] });
  // Close Fenix's connections (sockets 1001, long-polls, streams) before Fastify stops listening.
  app.addHook("preClose", async () => endpoint.close());

  // `app.server` exists from the start; after ready() Fastify's own request handler is on it and
  // becomes Fenix's fallthrough. Attach before listen, and listen on one concrete host: for
  // "localhost" Fastify opens a second server (IPv4 and IPv6) that Fenix would not be attached to.
  await app.ready();
  await endpoint.attach(app.server);
  await app.listen({ port, host });

  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { port } = await start(Number(process.env.PORT ?? 4000));
  console.log(`Fastify app with Fenix on http://127.0.0.1:${port}`);
}
