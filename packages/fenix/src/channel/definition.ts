import type { ChannelSocket } from "./socket.js";
import type { Reply, Stop, StopReason } from "./results.js";

export type Assigns = Record<string, any>;
type MaybePromise<T> = T | Promise<T>;

/** What `handleIn` may return: a reply, a stop, or nothing (noreply). */
export type InResult = Reply | Stop | void | undefined;
/** What `handleOut` and `handleInfo` may return: nothing, or a stop. */
export type InfoResult = Stop | void | undefined;

export type InHandler<A extends Assigns> = (event: string, payload: any, socket: ChannelSocket<A>) => MaybePromise<InResult>;
export type InHandlers<A extends Assigns> = Record<string, (payload: any, socket: ChannelSocket<A>) => MaybePromise<InResult>>;
export type OutHandler<A extends Assigns> = (event: string, payload: any, socket: ChannelSocket<A>) => MaybePromise<InfoResult>;
export type OutHandlers<A extends Assigns> = Record<string, (payload: any, socket: ChannelSocket<A>) => MaybePromise<InfoResult>>;

/** Anything with zod's `safeParse` (zod schemas work as they are). */
export interface PayloadSchema {
  safeParse(
    value: unknown,
  ): { success: true; data: unknown } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/**
 * A channel: the callbacks run for one (connection, topic) pair, one at a time, in arrival order.
 *
 * @example
 * const RoomChannel = defineChannel({
 *   join: (topic, payload, socket) => ok(),
 *   handleIn: {
 *     new_msg: (payload, socket) => { socket.broadcast("new_msg", payload); },
 *   },
 * });
 */
export interface ChannelDefinition<A extends Assigns = Assigns> {
  /** Shown in logs. */
  name?: string;
  /**
   * Payload schemas by event (`"phx_join"` for the join payload). An invalid payload is answered
   * `{"reason":"invalid_payload","errors":[{path, message}]}` and never reaches the handler.
   */
  schemas?: Readonly<Record<string, PayloadSchema>>;
  /** Broadcast events that go through `handleOut` instead of straight to the client. */
  intercepts?: readonly string[];
  /** Authorizes the join. Return nothing/`ok(reply)` to accept, `error(reply)` to refuse; a throw refuses with "join crashed". */
  join?(topic: string, payload: any, socket: ChannelSocket<A>): MaybePromise<Reply | void | undefined>;
  /** Client pushes, as one function or a map of event → handler. An event with no handler crashes the channel. */
  handleIn?: InHandler<A> | InHandlers<A>;
  /** Intercepted broadcasts, as one function or a map of event → handler. */
  handleOut?: OutHandler<A> | OutHandlers<A>;
  /** Messages sent with `socket.send`, `socket.sendAfter` or `socket.sendInterval`. */
  handleInfo?(message: any, socket: ChannelSocket<A>): MaybePromise<InfoResult>;
  /** Runs once whenever the channel ends: leave, stop, crash, duplicate join, or the connection closing. */
  terminate?(reason: StopReason, socket: ChannelSocket<A>): MaybePromise<void>;
}

/** Identity function that types a channel definition. */
export function defineChannel<A extends Assigns = Assigns>(definition: ChannelDefinition<A>): ChannelDefinition<A> {
  return definition;
}
