import type { BroadcastMessage } from "../pubsub/adapter.js";
import { formatId, parsePosition } from "../pubsub/history.js";
import type { Position, Recovery, ResolvedHistoryOptions } from "../pubsub/history.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { andThen } from "../util/maybe.js";
import type { MaybePromise } from "../util/maybe.js";

/** What a join on a history topic answers and replays. */
export interface RecoveryPlan {
  /** Merged into the ok join reply: `epoch`, `offset`, and `recovered` when the client asked to recover. */
  info: { epoch: string; offset: number; recovered?: boolean };
  /** Missed messages, oldest first, with their ids. */
  replay: BroadcastMessage[];
}

/**
 * Reads the topic's position and, if the join payload carries `recover: {epoch, offset}` (or an
 * `"epoch:offset"` id), the messages after it. Synchronous with in-memory history.
 */
export function planRecovery(pubsub: PubSub, topic: string, options: ResolvedHistoryOptions, payload: unknown): MaybePromise<RecoveryPlan> {
  const requested = payload !== null && typeof payload === "object" ? (payload as Record<string, unknown>).recover : undefined;
  const from = requested === undefined ? undefined : parsePosition(requested);
  return andThen(pubsub.history.position(topic, options), (top: Position): MaybePromise<RecoveryPlan> => {
    if (requested === undefined) return { info: { epoch: top.epoch, offset: top.offset }, replay: [] };
    if (from === undefined) return { info: { epoch: top.epoch, offset: top.offset, recovered: false }, replay: [] };
    return andThen(
      pubsub.history.since(topic, from, options),
      (result: Recovery): RecoveryPlan => ({
        info: { epoch: top.epoch, offset: top.offset, recovered: result.recovered },
        replay: result.messages.map((m) => ({ topic, event: m.event, payload: m.payload, id: formatId({ epoch: top.epoch, offset: m.offset }) })),
      }),
    );
  });
}

/** True when a live message was already part of the replay (same epoch, offset not past it). */
export function alreadyReplayed(message: BroadcastMessage, info: RecoveryPlan["info"]): boolean {
  const position = message.id === undefined ? undefined : parsePosition(message.id);
  return position !== undefined && position.epoch === info.epoch && position.offset <= info.offset;
}

/** The join reply with the recovery facts added (only to object responses). */
export function withRecoveryInfo(response: unknown, info: RecoveryPlan["info"]): unknown {
  if (response === undefined || response === null) return { ...info };
  if (typeof response !== "object" || Array.isArray(response) || response instanceof Uint8Array) return response;
  return { ...(response as object), ...info };
}
