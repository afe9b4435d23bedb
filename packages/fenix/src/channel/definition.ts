import type { MaybePromise } from "../util/maybe.js";
import type { Reply, Stop, StopReason } from "./results.js";
import type { InferOutput, Schemas } from "./schema.js";
import type { ChannelSocket } from "./socket.js";

export type { Assigns } from "./types.js";
import type { Assigns } from "./types.js";

/** What `handleIn` may return: a reply, a stop, or nothing (noreply). */
export type InResult = Reply | Stop | void | undefined;
/** What `handleOut` and `handleInfo` may return: nothing, or a stop. */
export type InfoResult = Stop | void | undefined;

/** The payload type of `event`: inferred from its schema, `any` without one. */
export type PayloadOf<S, E> = E extends keyof S ? InferOutput<S[E]> : any;

export type InHandler<A extends Assigns> = (event: string, payload: any, socket: ChannelSocket<A>) => MaybePromise<InResult>;
/** Handlers by event; `H` is the map itself (inferred), so each event's payload comes from its schema. */
export type InHandlers<A extends Assigns, S = {}, H = Record<string, unknown>> = {
  [E in keyof H]: (payload: PayloadOf<S, E>, socket: ChannelSocket<A>) => MaybePromise<InResult>;
};
export type OutHandler<A extends Assigns> = (event: string, payload: any, socket: ChannelSocket<A>) => MaybePromise<InfoResult>;
export type OutHandlers<A extends Assigns> = Record<string, (payload: any, socket: ChannelSocket<A>) => MaybePromise<InfoResult>>;

/**
 * A channel: the callbacks run for one (connection, topic) pair, one at a time, in arrival order.
 *
 * @example
 * const RoomChannel = defineChannel({
 *   schemas: { new_msg: z.object({ body: z.string() }) },
 *   join: (topic, payload, socket) => ok(),
 *   handleIn: {
 *     new_msg: (payload, socket) => { socket.broadcast("new_msg", payload); }, // payload: { body: string }
 *   },
 * });
 */
export interface ChannelDefinition<A extends Assigns = Assigns, S extends Schemas = {}, H = Record<string, unknown>> {
  /** Shown in logs. */
  name?: string;
  /**
   * Payload schemas by event (`"phx_join"` for the join payload), any Standard Schema (zod,
   * valibot, arktype). An invalid payload is answered
   * `{"reason":"invalid_payload","errors":[{path, message}]}` and never reaches the handler.
   */
  schemas?: S;
  /** Broadcast events that go through `handleOut` instead of straight to the client. */
  intercepts?: readonly string[];
  /** Authorizes the join. Return nothing/`ok(reply)` to accept, `error(reply)` to refuse; a throw refuses with "join crashed". */
  join?(topic: string, payload: PayloadOf<S, "phx_join">, socket: ChannelSocket<A>): MaybePromise<Reply | void | undefined>;
  /** Client pushes, as one function or a map of event → handler. An event with no handler crashes the channel. */
  handleIn?: InHandler<A> | InHandlers<A, S, H>;
  /** Intercepted broadcasts, as one function or a map of event → handler. */
  handleOut?: OutHandler<A> | OutHandlers<A>;
  /** Messages sent with `socket.send`, `socket.sendAfter` or `socket.sendInterval`. */
  handleInfo?(message: any, socket: ChannelSocket<A>): MaybePromise<InfoResult>;
  /** Runs once whenever the channel ends: leave, stop, crash, duplicate join, or the connection closing. */
  terminate?(reason: StopReason, socket: ChannelSocket<A>): MaybePromise<void>;
}

/**
 * Types a channel definition (it returns it unchanged). Payload types come from `schemas`;
 * to type the assigns too, pass both: `defineChannel<MyAssigns, typeof schemas>({ schemas, … })`.
 */
export function defineChannel<A extends Assigns = Assigns, const S extends Schemas = {}, H = Record<string, unknown>>(
  definition: ChannelDefinition<A, S, H>,
): ChannelDefinition<A, S, H> {
  return definition;
}

/** Any channel definition, whatever its assigns and schemas. */
export type AnyChannel = ChannelDefinition<any, any, any>;
