// Frame builders for both wire versions, so one test body can run as V1 and as V2.
// Tests describe every frame in V2 terms (join_ref, ref, topic, event, payload) and the
// protocol maps it to what that version actually puts on the wire.

export type Ref = string | null;

export interface Proto {
  readonly name: string;
  /** The `vsn` query parameter; undefined sends none (Phoenix then assumes 1.0.0). */
  readonly vsn: string | undefined;
  /** What the client writes. */
  frame(joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown): string;
  /** What the server must write, as parsed JSON. */
  out(joinRef: Ref, ref: Ref, topic: string, event: string, payload: unknown): unknown;
}

export const V2: Proto = {
  name: "V2",
  vsn: "2.0.0",
  frame: (joinRef, ref, topic, event, payload) => JSON.stringify([joinRef, ref, topic, event, payload]),
  out: (joinRef, ref, topic, event, payload) => [joinRef, ref, topic, event, payload],
};

/**
 * V1 clients may omit join_ref (Phoenix's own V1 test client does); we send it whenever the
 * test has one so that the stale-join_ref rules are exercised identically in both versions.
 * Server frames never carry a join_ref key in V1.
 */
export const V1: Proto = {
  name: "V1",
  vsn: undefined,
  frame: (joinRef, ref, topic, event, payload) => JSON.stringify({ topic, event, payload, ref, ...(joinRef === null ? {} : { join_ref: joinRef }) }),
  out: (_joinRef, ref, topic, event, payload) => ({ event, payload, ref, topic }),
};

export const V1_EXPLICIT: Proto = { ...V1, name: "V1 (vsn=1.0.0)", vsn: "1.0.0" };

/** The protocols every CH case runs under unless the case is version-specific. */
export const BOTH: readonly Proto[] = [V2, V1];

export function replyPayload(status: string, response: unknown = {}): { status: string; response: unknown } {
  return { status, response };
}
