import type { Presence } from "../presence/presence.js";
import type { PubSub } from "../pubsub/pubsub.js";
import type { Tokens } from "../token/token.js";
import type { Logger } from "../util/log.js";
import type { Telemetry } from "../util/telemetry.js";

/** A refusal before any transport work: a full or draining node answers 503 with Retry-After. */
export interface Refusal {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** What the node keeps of each open connection: enough to count it and to close it on drain. */
export interface ManagedConnection {
  readonly id: string | null;
  /** "websocket", "longpoll", "sse", … */
  readonly transportName: string;
  /** A snapshot for the observer. */
  inspect(): ConnectionSnapshot;
  /** Stops one channel (phx_close to the client); false when the topic is not joined. */
  stopChannel(topic: string, reason?: string): boolean;
  /** Closes the transport and ends every channel; resolves once every `terminate` has run. */
  close(code: number, reason?: string, why?: { shutdown: string }): Promise<void>;
}

/** One connection as the observer shows it. */
export interface ConnectionSnapshot {
  /** A number unique in this process, for the observer's admin actions. */
  ref: number;
  socket: string;
  transport: string;
  /** The socket id (as `id` returned it), or null. */
  id: string | null;
  connectedAt: number;
  messagesIn: number;
  messagesOut: number;
  /** Bytes written and not yet taken by the client (0 when the transport cannot tell). */
  bufferedBytes: number;
  channels: { topic: string; pattern: string; channel: string; queue: number; handled: number }[];
}

/**
 * Counters kept on every node, always (an increment each — cheaper than asking whether anyone
 * listens); metrics exporters read them.
 */
export interface RuntimeStats {
  /** Frames decoded from clients (heartbeats included). */
  messagesIn: number;
  /** Frames written to clients: replies, pushes and broadcast deliveries. */
  messagesOut: number;
  /** Channel callbacks that threw or rejected. */
  crashes: number;
  /** Messages refused or connections cut, by reason: `rate_limited`, `payload_too_large`, `flood`, `slow_consumer`. */
  drops: Record<string, number>;
}

export function newRuntimeStats(): RuntimeStats {
  return { messagesIn: 0, messagesOut: 0, crashes: 0, drops: {} };
}

/**
 * Live counts kept as connections and channels come and go, so a metrics scrape reads a few map
 * entries instead of walking every connection (at 10,000 sockets that walk was the scrape's cost
 * and its garbage).
 */
export interface RuntimeGauges {
  /** Open connections by transport name. */
  readonly connections: Map<string, number>;
  /** Channels in a connection's table (joining or joined) by route pattern. */
  readonly channels: Map<string, number>;
}

export function newRuntimeGauges(): RuntimeGauges {
  return { connections: new Map(), channels: new Map() };
}

/** Adds `delta` to `key`'s count; a count back at 0 is removed, so labels of the past do not linger. */
export function adjustGauge(gauge: Map<string, number>, key: string, delta: number): void {
  const n = (gauge.get(key) ?? 0) + delta;
  if (n > 0) gauge.set(key, n);
  else gauge.delete(key);
}

export function countDrop(stats: RuntimeStats, reason: string): void {
  stats.drops[reason] = (stats.drops[reason] ?? 0) + 1;
}

/**
 * What channels, sockets and transports may use of the node they run on — and nothing more.
 * `Endpoint` implements it; a unit test can hand any object with these members.
 */
export interface Runtime {
  /** This node's name (`from_node`, long-poll session routing). */
  readonly nodeName: string;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  /** Phoenix.Token bound to the node's `secretKeyBase`; throws when it has none. */
  readonly tokens: Tokens;
  /** The node's Presence; throws when the endpoint was created without `presence`. */
  readonly presence: Presence;
  /** The diagnostics channels events are published on (see `util/telemetry.ts`). */
  readonly telemetry: Telemetry;
  /** The node's counters (messages, crashes, drops). */
  readonly stats: RuntimeStats;
  /** Connections by transport and channels by pattern, kept live. */
  readonly gauges: RuntimeGauges;
  /** Open connections on this node; a connection adds itself when it opens and removes itself when it ends. */
  readonly connections: Set<ManagedConnection>;
  /** True once the node drains: readiness fails and new connections are refused. */
  readonly draining: boolean;
  /**
   * Asked before a connection is admitted: null, or the 503 to answer. `drainingOnly` asks again
   * after `connect` ran, without taking from the connect-rate budget a second time.
   */
  admit(drainingOnly?: boolean): Refusal | null;
  /** A stable secret for signing transport state (long-poll tokens): the node's, or one per process. */
  readonly transportTokens: Tokens;
}
