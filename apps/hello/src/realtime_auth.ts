import type { AuthorizeHook } from "@fenix/realtime";

/** HelloSockets' private realtime channels: `realtime:private-<sub>` belongs to the token whose `sub` is `<sub>`; no other private topic exists. */
export const authorizeRealtime: AuthorizeHook = (topic, claims) =>
  typeof claims.sub === "string" && claims.sub !== "" && topic === `realtime:private-${claims.sub}`;
