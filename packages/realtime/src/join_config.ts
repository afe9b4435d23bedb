/** The join payload's `config`, read the way Supabase's `Payloads.Join` reads it. */
export interface JoinConfig {
  self: boolean;
  ack: boolean;
  /** `presence.key`; empty means "give me a server-generated key". */
  presenceKey: string;
  presenceEnabled: boolean;
  private: boolean;
  /** `postgres_changes` bindings the client asked for (this server refuses any). */
  postgresChanges: unknown[];
  /** The join's `access_token`, when it carries a user JWT (not an `sb_` key). */
  accessToken: string | undefined;
}

function flag(value: unknown): boolean {
  return value === true || value === "true";
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function readJoinConfig(payload: unknown): JoinConfig {
  const body = record(payload);
  const config = record(body.config);
  const broadcast = record(config.broadcast);
  const presence = record(config.presence);
  const changes = Array.isArray(config.postgres_changes) ? config.postgres_changes.filter((c) => c !== null && c !== undefined) : [];
  const token = body.access_token ?? body.user_token;
  return {
    self: flag(broadcast.self),
    ack: flag(broadcast.ack),
    presenceKey: typeof presence.key === "string" || typeof presence.key === "number" ? String(presence.key) : "",
    presenceEnabled: flag(presence.enabled),
    private: flag(config.private),
    postgresChanges: changes,
    accessToken: typeof token === "string" && token !== "" && !token.startsWith("sb_") ? token : undefined,
  };
}

/** `postgres_changes(event=INSERT, schema=public, table=todos)` — how a refused binding is named. */
export function describeBinding(binding: unknown): string {
  const b = record(binding);
  const parts = ["event", "schema", "table", "filter"].filter((k) => b[k] !== undefined).map((k) => `${k}=${String(b[k])}`);
  return `postgres_changes(${parts.join(", ")})`;
}

/** The join refusal for `postgres_changes` bindings: this server serves Broadcast and Presence only. */
export function postgresChangesRefusal(bindings: unknown[]): string {
  return `PostgresChangesNotSupported: this server serves Broadcast and Presence only; unsupported bindings: ${bindings.map(describeBinding).join("; ")}`;
}
