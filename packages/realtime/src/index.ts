// @fenix/realtime: Supabase Realtime's Broadcast and Presence on Fenix, for the unmodified
// @supabase/realtime-js client.
export { realtime } from "./realtime.js";
export type { Realtime, RealtimeOptions } from "./realtime.js";
export type { AuthorizeHook } from "./context.js";
export type { RealtimeLimits, ResolvedLimits } from "./limits.js";
export { createVerifier } from "./auth.js";
export type { Claims, JwtOptions, Verified, Verifier } from "./auth.js";
export { RealtimeSerializer } from "./serializer.js";
export { realtimeWebsocket } from "./transport.js";
export { ExpiryWheel } from "./expiry.js";
export type { ExpiryHandle } from "./expiry.js";
