// A transport in a few lines, the way Phoenix.Socket.Transport's docs show an EchoSocket: it
// upgrades `<mount>/websocket`, lets the socket decide who may connect (`connect`, `id`,
// drain and connect-rate admission), then sends every text message straight back. A real
// transport would hand the frames to the connection instead — see the comments below and
// src/transports/sse.ts for a complete one in ~300 lines.
//
// Run: npx tsx packages/fenix/examples/echo_transport.ts, then
//      npx wscat -c "ws://localhost:4001/echo/websocket?token=let-me-in"
import { pathToFileURL } from "node:url";
import { Endpoint, defineSocket } from "fenix";
import type { Mount, Transport, TransportFactory } from "fenix";
import { WebSocketServer } from "ws";

/** The echo transport, mounted with `endpoint.socket(path, Socket, { transports: [echo()] })`. */
export function echo(): TransportFactory {
  return {
    name: "echo",
    path: "/websocket",
    create(mount: Mount): Transport {
      const wss = new WebSocketServer({ noServer: true });
      return {
        async handleUpgrade(req, socket, head, pathParams) {
          if (!mount.checkOrigin(req)) return void socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
          const outcome = await mount.connect(mount.connectRequest(req, "echo", pathParams));
          if (!outcome.ok) return void socket.end(`HTTP/1.1 ${outcome.status} Refused\r\nContent-Length: 0\r\n\r\n`);
          wss.handleUpgrade(req, socket, head, (ws) => {
            // A Phoenix transport would do:
            //   const connection = outcome.start({ name: "echo", send: (f) => ws.send(f.data), sendShared: (f) => ws.send(f.data), close: (c, r) => ws.close(c, r) });
            //   ws.on("message", (data, binary) => connection.handleFrame(data as Buffer, binary));
            //   ws.on("close", () => connection.transportClosed());
            ws.on("message", (data, binary) => ws.send(data, { binary }));
          });
        },
        close() {
          wss.close();
        },
      };
    },
  };
}

/** Only clients that know the token may echo. */
export const EchoSocket = defineSocket({
  name: "EchoSocket",
  channels: [],
  connect: (params) => params.token === "let-me-in",
});

export async function start(port = 4001): Promise<Endpoint> {
  const endpoint = new Endpoint();
  endpoint.socket("/echo", EchoSocket, { transports: [echo()] });
  await endpoint.listen(port);
  return endpoint;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await start(Number(process.env.PORT ?? 4001));
  console.log("echo transport on ws://localhost:4001/echo/websocket?token=let-me-in");
}
