import type { Channel } from "node:diagnostics_channel";
import { Counter, Gauge, type Metric, Registry, collectDefaultMetrics } from "prom-client";
import type { Presence } from "../presence/presence.js";
import type { Runtime } from "../runtime/runtime.js";
import { subscribeFor, telemetry } from "../util/telemetry.js";
import { TwoLabelHistogram } from "./histogram.js";
import type { ChannelHandleInEvent, ChannelJoinEvent, SocketConnectEvent } from "../util/telemetry.js";

export interface PrometheusOptions {
  /** Maps a topic to its channel route pattern (`room:lobby` → `room:*`); unknown topics keep their own name. */
  patternOf(topic: string): string | undefined;
  /** The node's Presence, when enabled: `fenix_presences{pattern}`. */
  presence?: () => Presence | undefined;
  /** Node's default metrics (event-loop lag, heap, GC…), default true. */
  defaultMetrics?: boolean;
}

/**
 * Prometheus metrics for one node: gauges read from the live counts the node keeps as connections
 * and channels come and go (so they always equal what is open, and a scrape never walks them), counters from the node's always-on counters, and histograms fed by the
 * telemetry events (subscribed only while metrics exist).
 *
 * Names: gauges `fenix_connections{transport}`, `fenix_channels{pattern}`, `fenix_presences{pattern}`;
 * counters `fenix_messages_in_total`, `fenix_messages_out_total`, `fenix_broadcasts_total`,
 * `fenix_drops_total{reason}`, `fenix_channel_crashes_total`; histograms
 * `fenix_connect_duration_seconds{transport,status}`, `fenix_join_duration_seconds{pattern,status}`,
 * `fenix_handle_in_duration_seconds{pattern,event}`.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly runtime: Runtime,
    options: PrometheusOptions,
  ) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client counts open descriptors by listing /proc/self/fd: at 10,000 sockets that is
      // 6 ms and 10,000 strings per scrape (measured), for a number fenix_connections already
      // gives. process_max_fds stays.
      this.registry.removeSingleMetric("process_open_fds");
    }
    const pattern = (topic: string) => options.patternOf(topic) ?? topic;

    new Gauge({
      name: "fenix_connections",
      help: "Open client connections on this node, by transport.",
      labelNames: ["transport"],
      registers,
      collect() {
        this.reset();
        for (const [transport, n] of runtime.gauges.connections) this.set({ transport }, n);
      },
    });
    new Gauge({
      name: "fenix_channels",
      help: "Joined channels on this node, by route pattern.",
      labelNames: ["pattern"],
      registers,
      collect() {
        this.reset();
        for (const [p, n] of runtime.gauges.channels) this.set({ pattern: p }, n);
      },
    });
    new Gauge({
      name: "fenix_presences",
      help: "Tracked presences (every node's), by channel route pattern.",
      labelNames: ["pattern"],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const [topic, n] of options.presence?.()?.topicSizes() ?? []) counts.set(pattern(topic), (counts.get(pattern(topic)) ?? 0) + n);
        for (const [p, n] of counts) this.set({ pattern: p }, n);
      },
    });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    counter("fenix_messages_in_total", "Frames received from clients.", () => runtime.stats.messagesIn);
    counter("fenix_messages_out_total", "Frames written to clients (replies, pushes, broadcast deliveries).", () => runtime.stats.messagesOut);
    counter("fenix_broadcasts_total", "Broadcasts sent from this node.", () => runtime.pubsub.broadcasts);
    counter("fenix_channel_crashes_total", "Channel callbacks that threw or rejected.", () => runtime.stats.crashes);
    new Counter({
      name: "fenix_drops_total",
      help: "Refused messages and cut connections, by reason (rate_limited, payload_too_large, flood, slow_consumer).",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        for (const reason of ["rate_limited", "payload_too_large", "flood", "slow_consumer"]) this.inc({ reason }, 0);
        for (const [reason, n] of Object.entries(runtime.stats.drops)) this.inc({ reason }, n);
      },
    });

    const seconds = (name: string, help: string, labelNames: [string, string]) => {
      const histogram = new TwoLabelHistogram(name, help, labelNames, [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]);
      this.registry.registerMetric(histogram as unknown as Metric);
      return histogram;
    };
    const connect = seconds("fenix_connect_duration_seconds", "Time spent in the socket's connect (and id), by transport and status.", ["transport", "status"]);
    const join = seconds("fenix_join_duration_seconds", "Time from a join's arrival to its reply, by route pattern and status.", ["pattern", "status"]);
    const handleIn = seconds("fenix_handle_in_duration_seconds", "Time a handleIn took, by route pattern and event.", ["pattern", "event"]);
    this.on<SocketConnectEvent>(telemetry.connect, (e) => connect.observe(e.transport, e.status, e.durationMs / 1000));
    this.on<ChannelJoinEvent>(telemetry.join, (e) => join.observe(pattern(e.topic), e.status, e.durationMs / 1000));
    this.on<ChannelHandleInEvent>(telemetry.handleIn, (e) => handleIn.observe(pattern(e.topic), e.event, e.durationMs / 1000));
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops listening to telemetry and presence. */
  close(): void {
    for (const off of this.unsubscribers.splice(0)) off();
    this.registry.clear();
  }

  private on<E extends { runtime: object }>(channel: Channel, handler: (event: E) => void): void {
    this.unsubscribers.push(subscribeFor(this.runtime, channel, handler));
  }
}
