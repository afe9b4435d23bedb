import type { Logger } from "../util/log.js";
import { isThenable } from "../util/maybe.js";
import type { MaybePromise } from "../util/maybe.js";
import type { AnyChannel as ChannelDefinition, InResult, InfoResult } from "./definition.js";
import { NoMatchingClauseError } from "./results.js";
import type { StopReason } from "./results.js";
import type { ChannelSocket } from "./socket.js";

/** A short rendering of a bad return value for error messages. */
export function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 100) ?? String(value);
  } catch {
    return String(value);
  }
}

type Handlers = ChannelDefinition["handleIn"] | ChannelDefinition["handleOut"];

function call(callback: "handleIn" | "handleOut", handler: Handlers, event: string, payload: unknown, socket: ChannelSocket<any>): unknown {
  if (typeof handler === "function") return handler(event, payload, socket);
  // Only own keys: an event named "constructor" or "__proto__" must not find a handler.
  const fn = handler && Object.hasOwn(handler, event) ? handler[event] : undefined;
  if (!fn) throw new NoMatchingClauseError(callback, event);
  return fn(payload, socket);
}

/** Runs the channel's `handleIn` for an event (a map without the event is "no matching clause"). */
export function callIn(definition: ChannelDefinition, event: string, payload: unknown, socket: ChannelSocket<any>): MaybePromise<InResult> {
  return call("handleIn", definition.handleIn, event, payload, socket) as InResult | Promise<InResult>;
}

/** Runs the channel's `handleOut` for an intercepted event. */
export function callOut(definition: ChannelDefinition, event: string, payload: unknown, socket: ChannelSocket<any>): MaybePromise<InfoResult> {
  return call("handleOut", definition.handleOut, event, payload, socket) as InfoResult | Promise<InfoResult>;
}

export function callInfo(definition: ChannelDefinition, message: unknown, socket: ChannelSocket<any>): MaybePromise<InfoResult> {
  if (!definition.handleInfo) throw new NoMatchingClauseError("handleInfo", String(message));
  return definition.handleInfo(message, socket);
}

const TERMINATE_TIMEOUT_MS = 5_000;

/**
 * Runs `terminate`, never letting it throw into the caller, and never waiting more than 5 s for
 * an async one (a hung terminate must not hold a shutdown forever). Returns a promise only when
 * `terminate` did.
 */
export function callTerminate(definition: ChannelDefinition, reason: StopReason, socket: ChannelSocket<any>, logger: Logger): void | Promise<void> {
  const terminate = definition.terminate;
  if (!terminate) return;
  const name = definition.name ?? "Channel";
  const failed = (err: unknown) =>
    logger.error({ err, topic: socket.topic, channel: name }, `an exception was raised in ${name}.terminate: ${(err as Error)?.message}`);
  let result: unknown;
  try {
    result = terminate(reason, socket);
  } catch (err) {
    failed(err);
    return;
  }
  if (!isThenable(result)) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.error({ topic: socket.topic, channel: name }, `${name}.terminate on ${socket.topic} did not finish within ${TERMINATE_TIMEOUT_MS}ms`);
      resolve();
    }, TERMINATE_TIMEOUT_MS);
  });
  return Promise.race([Promise.resolve(result).then(() => undefined, failed), timeout]).finally(() => clearTimeout(timer));
}
