import { websocket } from "fenix";
import type { Mount, TransportFactory, WebSocketOptions } from "fenix";
import { RealtimeSerializer } from "./serializer.js";
import type { ConnectRefusal } from "./sockets/realtime_socket.js";

function isRefusal(reason: unknown): reason is ConnectRefusal {
  return typeof (reason as ConnectRefusal | null)?.status === "number" && typeof (reason as ConnectRefusal).error === "string";
}

/**
 * Fenix's WebSocket transport, giving every connection its own `RealtimeSerializer` for its `vsn`
 * (through the `serializer` a transport may bring), and answering refused connects as Supabase
 * does: `401 {"error": "…"}`. `realtime()` mounts it; mount it yourself for a socket of your own.
 *
 * @example
 * endpoint.socket("/realtime/v1", mySocket, { transports: [realtimeWebsocket({ timeout: 60_000 })] });
 */
export function realtimeWebsocket(options: WebSocketOptions = {}): TransportFactory {
  const inner = websocket({
    errorHandler: (reason) =>
      isRefusal(reason)
        ? { status: reason.status, body: JSON.stringify({ error: reason.error }), headers: { "content-type": "application/json" } }
        : { status: 403 },
    ...options,
  });
  return {
    name: inner.name,
    path: inner.path,
    create(mount) {
      const perConnection: Mount = {
        get runtime() {
          return mount.runtime;
        },
        get socket() {
          return mount.socket;
        },
        path: mount.path,
        route: mount.route,
        checkOrigin: (req) => mount.checkOrigin(req),
        connectRequest: (req, transport, pathParams, authToken) => mount.connectRequest(req, transport, pathParams, authToken),
        connect(request) {
          const serializer = RealtimeSerializer.forVsn(request.params.vsn);
          if (serializer === null) {
            mount.runtime.logger.warn(
              { vsn: request.params.vsn },
              `realtime: refused vsn ${JSON.stringify(request.params.vsn)}: this server speaks 1.0.x and 2.0.x`,
            );
            return Promise.resolve({ ok: false, status: 403 });
          }
          request.serializer = serializer;
          return mount.connect(request);
        },
      };
      return inner.create(perConnection);
    },
  };
}
