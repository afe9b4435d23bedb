import { type Channel, channel } from "node:diagnostics_channel";

/**
 * Fenix's telemetry seam, on `node:diagnostics_channel`: a publisher checks `hasSubscribers`
 * first, so an event nobody listens to costs one property read — no timing, no object. Every
 * event carries the `runtime` (the Endpoint) it happened on, so one process may host several.
 *
 * @example
 * import { subscribe } from "node:diagnostics_channel";
 * subscribe("fenix:channel:join", (e) => {
 *   const { topic, status, durationMs } = e as ChannelJoinEvent;
 *   histogram.observe({ status }, durationMs);
 * });
 */
export const telemetry = {
  /** A connection attempt finished `connect` (and `id`): accepted, refused, or crashed. */
  connect: channel("fenix:socket:connect"),
  /** A channel join was answered. */
  join: channel("fenix:channel:join"),
  /** A client push was handled (after the handler's promise, if any, settled). */
  handleIn: channel("fenix:channel:handle_in"),
  /** A channel callback threw or rejected; the channel ends (`phx_error`). */
  crash: channel("fenix:channel:crash"),
  /** A transport cut a client that stopped reading (close code 4008). */
  slowConsumer: channel("fenix:transport:slow_consumer"),
  /** The PubSub adapter or history store failed; the message reached this node only. */
  adapterError: channel("fenix:pubsub:adapter_error"),
  /** A broadcast was delivered to this node's subscribers (once per node that has any). */
  broadcast: channel("fenix:pubsub:broadcast"),
  /** A channel pushed an event to its client. */
  push: channel("fenix:channel:push"),
  /** Presence changed on a topic (joins and leaves, local or from another node). */
  presenceDiff: channel("fenix:presence:diff"),
  /** A client message was refused or a connection cut by a limit. */
  drop: channel("fenix:socket:drop"),
} as const;

export type Telemetry = typeof telemetry;

export interface SocketConnectEvent {
  runtime: object;
  socket: string;
  transport: string;
  /** The negotiated serializer, e.g. "v2". */
  serializer: string;
  status: "ok" | "refused" | "error";
  durationMs: number;
  /** The connect params with secret-looking values redacted (a getter: built only when read). */
  readonly params: Record<string, unknown>;
  error?: unknown;
}

export interface ChannelJoinEvent {
  runtime: object;
  socket: string;
  channel: string;
  topic: string;
  /** "ok", "error" (refused), or "crashed" (join threw). */
  status: string;
  durationMs: number;
}

export interface ChannelHandleInEvent {
  runtime: object;
  channel: string;
  topic: string;
  event: string;
  /** The reply's status, "noreply" or "stop". (A handler that throws publishes a crash instead; an invalid payload is answered before any handler runs.) */
  status: string;
  durationMs: number;
}

export interface ChannelCrashEvent {
  runtime: object;
  channel: string;
  topic: string;
  /** Where it threw: `join("room:1")`, `handleIn("new_msg")`, `handleOut(…)`, `handleInfo`. */
  where: string;
  error: unknown;
}

export interface SlowConsumerEvent {
  runtime: object;
  socket: string;
  transport: string;
  id: string | null;
  /** What was queued and unread, in the transport's unit. */
  buffered: number;
  limit: number;
  unit: "bytes" | "messages";
}

export interface AdapterErrorEvent {
  runtime: object;
  operation: "publish" | "history";
  topic: string;
  event: string;
  error: unknown;
}

/** The payload's JSON size, computed only when read. */
export function lazyBytes(payload: unknown): () => number {
  let bytes: number | undefined;
  return () => (bytes ??= Buffer.byteLength(JSON.stringify(payload ?? {})));
}

export interface BroadcastEvent {
  runtime: object;
  topic: string;
  event: string;
  /** Subscribers on this node it was handed to (channels and other subscribers). */
  subscribers: number;
  /** The payload's JSON size in bytes (computed when read). */
  readonly bytes: number;
}

export interface PushEvent {
  runtime: object;
  channel: string;
  topic: string;
  event: string;
  /** The payload's JSON size in bytes (computed when read). */
  readonly bytes: number;
}

export interface PresenceDiffEvent {
  runtime: object;
  topic: string;
  joins: number;
  leaves: number;
}

export interface DropEvent {
  runtime: object;
  socket: string;
  transport: string;
  /** `rate_limited`, `payload_too_large`, `flood` (the connection is closed, 1008) or `slow_consumer` (closed, 4008). */
  reason: string;
  topic?: string;
  event?: string;
}

/**
 * Subscribes `handler` to one telemetry channel for the events of one `runtime` (an exporter of
 * one Endpoint in a process that may host several); returns the unsubscribe.
 */
export function subscribeFor<E extends { runtime: object }>(runtime: object, channel: Channel, handler: (event: E) => void): () => void {
  const listener = (message: unknown) => {
    if ((message as E).runtime === runtime) handler(message as E);
  };
  channel.subscribe(listener);
  return () => channel.unsubscribe(listener);
}
