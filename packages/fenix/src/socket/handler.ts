import type { Assigns, ChannelDefinition } from "../channel/definition.js";
import { Reply } from "../channel/results.js";
import type { Endpoint } from "../endpoint.js";
import type { Logger } from "../log.js";
import { resolveLimits } from "./limits.js";
import type { ConnectionLimits, ResolvedLimits } from "./limits.js";
import { Router } from "./router.js";
import type { RouteOptions } from "./router.js";

type MaybePromise<T> = T | Promise<T>;

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

/** The connection-level socket handed to `connect` and `id`. */
export class ConnectSocket<A extends Assigns = Assigns> {
  assigns: A;
  constructor(
    readonly endpoint: Endpoint,
    readonly transport: string,
    assigns: A = {} as A,
  ) {
    this.assigns = assigns;
  }
  get logger(): Logger {
    return this.endpoint.logger;
  }
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(values: Partial<A>): this;
  assign(key: any, value?: any): this {
    if (typeof key === "object") Object.assign(this.assigns, key);
    else (this.assigns as any)[key] = value;
    return this;
  }
}

/** `false` refuses with 403; `error(reason)` goes to the transport's error handler; anything else accepts. */
export type ConnectResult = boolean | Reply | void | undefined;

export interface SocketOptions<A extends Assigns = Assigns> {
  /** Shown in logs, e.g. "AuthSocket". */
  name?: string;
  /** `[topic pattern, channel, options?]` entries; first match wins; `*` only at the end. */
  channels: readonly (readonly [string, ChannelDefinition<any>] | readonly [string, ChannelDefinition<any>, RouteOptions])[];
  /** Authenticates a new connection; its assigns are copied into every channel it joins. */
  connect?(params: Record<string, any>, socket: ConnectSocket<A>, info: ConnectInfo): MaybePromise<ConnectResult>;
  /** Names the connection (e.g. `user_socket:42`) so `endpoint.broadcast(id, "disconnect", {})` can close it. */
  id?(socket: ConnectSocket<A>): string | null | undefined;
  /** Most channels one connection may join (default 100). */
  maxChannels?: number;
  /** Rate and size limits per connection (see `ConnectionLimits` for the defaults). */
  limits?: ConnectionLimits;
}

export class SocketHandler<A extends Assigns = Assigns> {
  readonly name: string;
  readonly router: Router;
  readonly maxChannels: number;
  readonly limits: ResolvedLimits;

  constructor(private readonly options: SocketOptions<A>) {
    this.limits = resolveLimits(options.limits);
    this.name = options.name ?? "Socket";
    this.router = new Router(options.channels.map(([pattern, channel, routeOptions]) => ({ pattern, channel, options: routeOptions })));
    this.maxChannels = options.maxChannels ?? 100;
  }

  /** Runs `connect`; resolves to accepted, refused (`false`) or refused with a reason. */
  async connect(params: Record<string, any>, socket: ConnectSocket<A>, info: ConnectInfo): Promise<{ ok: true } | { ok: false; reason?: unknown }> {
    const result = this.options.connect ? await this.options.connect(params, socket, info) : undefined;
    if (result === false) return { ok: false };
    if (result instanceof Reply && result.status !== "ok") return { ok: false, reason: result.response };
    return { ok: true };
  }

  id(socket: ConnectSocket<A>): string | null {
    const id = this.options.id?.(socket);
    if (id === undefined || id === null) return null;
    if (typeof id !== "string") throw new TypeError(`${this.name}.id must return a string or null, got ${typeof id}`);
    return id;
  }

  /** Warnings to log at startup: out handlers whose events are not intercepted. */
  interceptWarnings(): string[] {
    const warnings: string[] = [];
    const seen = new Set<ChannelDefinition<any>>();
    for (const { channel } of this.router.routes) {
      if (seen.has(channel)) continue;
      seen.add(channel);
      const out = channel.handleOut;
      if (!out || typeof out === "function") continue;
      const intercepts = new Set(channel.intercepts ?? []);
      for (const event of Object.keys(out)) {
        if (!intercepts.has(event)) {
          warnings.push(
            `${channel.name ?? "Channel"} defines handleOut for ${JSON.stringify(event)} but does not intercept it: add ${JSON.stringify(event)} to intercepts or the handler never runs`,
          );
        }
      }
    }
    return warnings;
  }
}

/**
 * Defines a socket handler: how connections authenticate and which channels they may join.
 *
 * @example
 * const UserSocket = defineSocket({
 *   name: "UserSocket",
 *   channels: [["room:*", RoomChannel]],
 *   connect(params, socket) { socket.assign({ user: params.user }); },
 *   id: (socket) => `user_socket:${socket.assigns.user}`,
 * });
 */
export function defineSocket<A extends Assigns = Assigns>(options: SocketOptions<A>): SocketHandler<A> {
  return new SocketHandler(options);
}
