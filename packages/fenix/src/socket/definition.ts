import type { AnyChannel } from "../channel/definition.js";
import type { Reply } from "../channel/results.js";
import type { Assigns } from "../channel/types.js";
import type { Serializer } from "../serializer/serializer.js";
import type { MaybePromise } from "../util/maybe.js";
import type { ConnectSocket } from "./connect_socket.js";
import type { ConnectionLimits } from "./limits.js";
import type { RouteOptions } from "./router.js";

/** What the transport knows about the request that opened the connection. */
export interface ConnectInfo {
  transport: string;
  peer: { address?: string; port?: number };
  uri: URL;
  userAgent?: string;
  /** Every `x-*` request header. */
  xHeaders: Record<string, string>;
  /** `traceparent`/`tracestate`, when present. */
  traceContextHeaders: Record<string, string>;
  /** The token from the `authToken` client option (WebSocket subprotocol), when enabled. */
  authToken?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** `false` refuses with 403; `error(reason)` goes to the transport's error handler; anything else accepts. */
export type ConnectResult = boolean | Reply | void | undefined;

/** A `channels` entry: `[topic pattern, channel]` or `[topic pattern, channel, options]`. */
export type ChannelRoute = readonly [string, AnyChannel] | readonly [string, AnyChannel, RouteOptions];

/**
 * A socket: how connections authenticate and which channels they may join — Phoenix's
 * `use Phoenix.Socket` module, as a plain object.
 */
export interface SocketDefinition<A extends Assigns = Assigns> {
  /** Shown in logs, e.g. "AuthSocket". */
  name?: string;
  /** `[topic pattern, channel, options?]` entries; first match wins; `*` only at the end. */
  channels: readonly ChannelRoute[];
  /** Authenticates a new connection; its assigns are copied into every channel it joins. */
  connect?(params: Record<string, any>, socket: ConnectSocket<A>, info: ConnectInfo): MaybePromise<ConnectResult>;
  /** Names the connection (e.g. `user_socket:42`) so `endpoint.broadcast(id, "disconnect", {})` can close it. */
  id?(socket: ConnectSocket<A>): string | null | undefined;
  /** Most channels one connection may join (default 100). */
  maxChannels?: number;
  /** Rate and size limits per connection (see `ConnectionLimits` for the defaults). */
  limits?: ConnectionLimits;
  /** The serializers offered, each serving its `vsn` range; the first match wins (default V1 and V2). */
  serializers?: readonly Serializer[];
}

/** @deprecated the old name of `SocketDefinition`. */
export type SocketOptions<A extends Assigns = Assigns> = SocketDefinition<A>;

/**
 * Defines a socket (it returns the definition unchanged, typed).
 *
 * @example
 * const UserSocket = defineSocket({
 *   name: "UserSocket",
 *   channels: [["room:*", RoomChannel]],
 *   connect(params, socket) { socket.assign({ user: params.user }); },
 *   id: (socket) => `user_socket:${socket.assigns.user}`,
 * });
 */
export function defineSocket<A extends Assigns = Assigns>(definition: SocketDefinition<A>): SocketDefinition<A> {
  return definition;
}

/** Any socket definition, whatever its assigns. */
export type AnySocket = SocketDefinition<any>;
