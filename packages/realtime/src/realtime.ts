import type { CheckOrigin, Endpoint, WebSocketOptions } from "fenix";
import { createVerifier } from "./auth.js";
import type { JwtOptions, Verifier } from "./auth.js";
import { refusePrivate } from "./context.js";
import type { AuthorizeHook, RealtimeContext } from "./context.js";
import { ExpiryWheel } from "./expiry.js";
import { broadcastApi } from "./http/broadcast_api.js";
import { resolveLimits } from "./limits.js";
import type { RealtimeLimits, ResolvedLimits } from "./limits.js";
import { realtimeSocket } from "./sockets/realtime_socket.js";
import { realtimeWebsocket as realtimeTransport } from "./transport.js";
import { TOPIC_PREFIX, internalTopic } from "./topics.js";
import { BINARY, packUserBroadcast } from "./user_broadcast.js";

export interface RealtimeOptions extends JwtOptions {
  /** Where realtime-js connects: `new RealtimeClient("ws://host" + path)` (default "/realtime/v1"). */
  path?: string;
  /** Who may use a private channel; without it every private join is refused. */
  authorize?: AuthorizeHook;
  limits?: RealtimeLimits;
  /** Options of the WebSocket transport (idle `timeout` 60 s by default: heartbeats come every 25 s). */
  websocket?: Omit<WebSocketOptions, "path" | "errorHandler">;
  /**
   * Origin check (default `false`: browsers on any origin connect, as to Supabase — the `apikey`
   * is what admits them). Same values as `endpoint.socket`'s `checkOrigin`.
   */
  checkOrigin?: CheckOrigin;
  /** How often token expiries are checked, in ms (default 1000): one timer for every channel. */
  expiryTickMs?: number;
}

/** A mounted realtime service. */
export interface Realtime {
  readonly path: string;
  readonly limits: ResolvedLimits;
  /** The token verifier the service uses (for your own HTTP routes). */
  readonly verify: Verifier;
  /**
   * Broadcasts from the server to `realtime:<name>` subscribers on every node, as an HTTP
   * broadcast would; `payload` may be JSON or bytes.
   */
  broadcast(name: string, event: string, payload: object | Uint8Array, options?: { private?: boolean }): Promise<void>;
}

/**
 * Mounts Supabase Realtime's Broadcast and Presence on a Fenix endpoint, so the unmodified
 * `@supabase/realtime-js` client talks to it: the socket at `<path>/websocket`, the HTTP
 * broadcast API at `<path>/api/broadcast`. The endpoint needs Presence (`presence: true`), and a
 * `RedisAdapter` to span nodes.
 *
 * @example
 * const endpoint = new Endpoint({ presence: true, pubsubAdapter: new RedisAdapter({ url }) });
 * realtime(endpoint, {
 *   jwtSecret: process.env.REALTIME_JWT_SECRET,
 *   authorize: (topic, claims) => topic === `realtime:private-${claims.sub}`,
 * });
 * await endpoint.listen(4000);
 * // client: new RealtimeClient("ws://localhost:4000/realtime/v1", { params: { apikey } })
 */
export function realtime(endpoint: Endpoint, options: RealtimeOptions): Realtime {
  const path = (options.path ?? "/realtime/v1").replace(/\/+$/, "");
  try {
    void endpoint.presence;
  } catch {
    throw new Error("realtime: the endpoint needs Presence: new Endpoint({ presence: true, ... })");
  }
  const limits = resolveLimits(options.limits);
  const wheel = new ExpiryWheel(options.expiryTickMs ?? 1000, (err) =>
    endpoint.logger.error({ err }, `realtime: an expiry callback threw: ${(err as Error)?.message}`),
  );
  const verify = createVerifier(options);
  const ctx: RealtimeContext = { verify, authorize: options.authorize ?? refusePrivate, limits, wheel };
  endpoint.socket(path, realtimeSocket(ctx), {
    transports: [realtimeTransport(options.websocket)],
    checkOrigin: options.checkOrigin ?? false,
  });
  endpoint.addRequestHandler(broadcastApi(endpoint, ctx, path));
  endpoint.onClose(() => wheel.close());
  return {
    path,
    limits,
    verify,
    broadcast(name, event, payload, { private: isPrivate = false } = {}) {
      const message = payload instanceof Uint8Array ? packUserBroadcast(BINARY, event, payload) : { type: "broadcast", event, payload };
      return endpoint.broadcast(internalTopic(TOPIC_PREFIX + name, isPrivate), "broadcast", message);
    },
  };
}
