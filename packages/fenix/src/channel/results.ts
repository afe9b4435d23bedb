/** A reply to a client push or join: a status ("ok", "error", …) and a response payload. */
export class Reply {
  constructor(
    readonly status: string,
    readonly response: unknown = {},
  ) {}
}

/** Why a channel ended. "normal", "shutdown" and `{ shutdown }` are graceful (phx_close); anything else is a crash (phx_error). */
export type StopReason = "normal" | "shutdown" | { shutdown: string } | { error: unknown } | string;

/** Ends the channel, optionally replying first. */
export class Stop {
  constructor(
    readonly reason: StopReason,
    readonly reply?: Reply,
  ) {}
}

/** `return ok({ ping: "pong" })` replies `{"status":"ok","response":{"ping":"pong"}}`. */
export function ok(response: unknown = {}): Reply {
  return new Reply("ok", response);
}

/** `return error({ reason: "unauthorized" })` replies with status "error". */
export function error(response: unknown = {}): Reply {
  return new Reply("error", response);
}

/** A reply with any status, like Phoenix's `{:reply, status, socket}`. */
export function reply(status: string, response: unknown = {}): Reply {
  return new Reply(status, response);
}

/** `return stop("shutdown", ok({ msg: "bye" }))`: reply, then `phx_close`. */
export function stop(reason: StopReason = "normal", withReply?: Reply): Stop {
  return new Stop(reason, withReply);
}

export function isGraceful(reason: StopReason): boolean {
  return reason === "normal" || reason === "shutdown" || (typeof reason === "object" && reason !== null && "shutdown" in reason);
}

/** Thrown for an event a channel has no handler for — Phoenix's "no matching clause". */
export class NoMatchingClauseError extends Error {
  override name = "NoMatchingClauseError";
  constructor(callback: string, event: string) {
    super(`no function clause matching in ${callback} for event ${JSON.stringify(event)}`);
  }
}

/** `default: return noMatch("handleIn", event)` — crash the channel the way an unmatched clause does. */
export function noMatch(callback: string, event: string): never {
  throw new NoMatchingClauseError(callback, event);
}

export function describeReason(reason: StopReason): string {
  if (typeof reason === "string") return reason;
  if ("shutdown" in reason) return `shutdown: ${reason.shutdown}`;
  const err = reason.error;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
