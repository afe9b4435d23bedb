import type { Claims, Verifier } from "./auth.js";
import type { ExpiryHandle, ExpiryWheel } from "./expiry.js";
import type { JoinConfig } from "./join_config.js";
import type { Bucket, ResolvedLimits, Window } from "./limits.js";

/**
 * May these claims use the private channel `topic` (`realtime:<name>`)? Public channels never
 * ask. Called at join, on every token refresh, and for each private HTTP broadcast.
 *
 * @example
 * const authorize: AuthorizeHook = (topic, claims) => topic === `realtime:private-${claims.sub}`;
 */
export type AuthorizeHook = (topic: string, claims: Claims) => boolean | Promise<boolean>;

/** What the socket, the channel and the HTTP API share: set once at mount. */
export interface RealtimeContext {
  verify: Verifier;
  authorize: AuthorizeHook;
  limits: ResolvedLimits;
  wheel: ExpiryWheel;
}

/** Shared by every channel of one connection (assigns are copied shallowly, this object is not). */
export interface ConnectionState {
  channels: number;
}

export interface RealtimeAssigns {
  /** The connection's `apikey` (a JWT): the channels' token when a join brings none. */
  apikey: string;
  connection: ConnectionState;
  // Per channel, set at join:
  config: JoinConfig;
  claims: Claims;
  accessToken: string;
  presenceKey: string;
  expiry: ExpiryHandle | undefined;
  bucket: Bucket;
  presenceWindow: Window;
}

/** Refuses every private channel: what you get without an `authorize` hook. */
export const refusePrivate: AuthorizeHook = () => false;
