import type { Channel } from "node:diagnostics_channel";
import type { Runtime } from "../runtime/runtime.js";
import { subscribeFor, telemetry } from "../util/telemetry.js";
import type { ChannelCrashEvent, ChannelHandleInEvent, ChannelJoinEvent, SlowConsumerEvent, SocketConnectEvent } from "../util/telemetry.js";

/** The part of a StatsD client (hot-shots' `StatsD`, DogStatsD tags) this sink uses. */
export interface StatsdClient {
  increment(stat: string, value: number, tags?: Record<string, string>): void;
  gauge(stat: string, value: number, tags?: Record<string, string>): void;
  timing(stat: string, ms: number, tags?: Record<string, string>): void;
}

export interface StatsdSinkOptions {
  /** Maps a topic to its channel route pattern (`room:lobby` → `room:*`). */
  patternOf(topic: string): string | undefined;
  /** How often gauges and counter deltas are sent (default 10 s). */
  intervalMs?: number;
}

/**
 * The same facts as the Prometheus metrics, as StatsD: events become counters and timers when
 * they happen (`fenix.socket.connect`, `fenix.channel.join`, `fenix.channel.handle_in`,
 * `fenix.channel.crash`, `fenix.drops`), and every `intervalMs` the gauges
 * (`fenix.connections`, `fenix.channels`) and the deltas of the message counters
 * (`fenix.messages_in`, `fenix.messages_out`, `fenix.broadcasts`) are sent, tagged DogStatsD-style.
 *
 * @example
 * import StatsD from "hot-shots";
 * const sink = new StatsdSink(endpoint, new StatsD({ host: "127.0.0.1", port: 8125 }), { patternOf: (t) => endpoint.patternOf(t) });
 */
export class StatsdSink {
  private readonly unsubscribers: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  private last = { messagesIn: 0, messagesOut: 0, broadcasts: 0 };

  constructor(
    private readonly runtime: Runtime,
    private readonly client: StatsdClient,
    options: StatsdSinkOptions,
  ) {
    const pattern = (topic: string) => options.patternOf(topic) ?? topic;
    this.on<SocketConnectEvent>(telemetry.connect, (e) => {
      const tags = { socket: e.socket, transport: e.transport, status: e.status };
      client.increment("fenix.socket.connect", 1, tags);
      client.timing("fenix.socket.connect_duration", e.durationMs, tags);
    });
    this.on<ChannelJoinEvent>(telemetry.join, (e) => {
      const tags = { channel: e.channel, pattern: pattern(e.topic), status: e.status };
      client.increment("fenix.channel.join", 1, tags);
      client.timing("fenix.channel.join_duration", e.durationMs, tags);
    });
    this.on<ChannelHandleInEvent>(telemetry.handleIn, (e) =>
      client.timing("fenix.channel.handle_in", e.durationMs, { channel: e.channel, pattern: pattern(e.topic), event: e.event, status: e.status }),
    );
    this.on<ChannelCrashEvent>(telemetry.crash, (e) => client.increment("fenix.channel.crash", 1, { channel: e.channel, pattern: pattern(e.topic) }));
    this.on<SlowConsumerEvent>(telemetry.slowConsumer, (e) => client.increment("fenix.drops", 1, { reason: "slow_consumer", transport: e.transport }));
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  private sentTransports = new Set<string>();
  private sentPatterns = new Set<string>();

  /** Sends the gauges and counter deltas now (also every `intervalMs`). */
  flush(): void {
    const { connections, channels } = this.runtime.gauges;
    // A StatsD gauge keeps its last value: a transport or pattern that emptied since the last
    // flush is sent once as 0.
    for (const transport of this.sentTransports) if (!connections.has(transport)) this.client.gauge("fenix.connections", 0, { transport });
    for (const pattern of this.sentPatterns) if (!channels.has(pattern)) this.client.gauge("fenix.channels", 0, { pattern });
    for (const [transport, n] of connections) this.client.gauge("fenix.connections", n, { transport });
    for (const [pattern, n] of channels) this.client.gauge("fenix.channels", n, { pattern });
    this.sentTransports = new Set(connections.keys());
    this.sentPatterns = new Set(channels.keys());
    const now = { messagesIn: this.runtime.stats.messagesIn, messagesOut: this.runtime.stats.messagesOut, broadcasts: this.runtime.pubsub.broadcasts };
    this.client.increment("fenix.messages_in", now.messagesIn - this.last.messagesIn);
    this.client.increment("fenix.messages_out", now.messagesOut - this.last.messagesOut);
    this.client.increment("fenix.broadcasts", now.broadcasts - this.last.broadcasts);
    this.last = now;
  }

  close(): void {
    clearInterval(this.timer);
    for (const off of this.unsubscribers.splice(0)) off();
  }

  private on<E extends { runtime: object }>(channel: Channel, handler: (event: E) => void): void {
    this.unsubscribers.push(subscribeFor(this.runtime, channel, handler));
  }
}
