import type { CompiledChannel } from "../channel/compile.js";
import { TopicTable } from "./topic_table.js";
import type { StopReason } from "../channel/results.js";
import { ChannelServer } from "../channel/server.js";
import type { Assigns, ChannelHost, ChannelProcess } from "../channel/types.js";
import { CloseCode } from "../protocol/close.js";
import { DecodeError } from "../protocol/message.js";
import type { Frame, InboundMessage, Ref, SharedFrame } from "../protocol/message.js";
import type { BroadcastMessage } from "../pubsub/adapter.js";
import type { Subscriber } from "../pubsub/pubsub.js";
import { adjustGauge, countDrop } from "../runtime/runtime.js";
import { telemetry } from "../util/telemetry.js";
import type { ConnectionSnapshot, Runtime } from "../runtime/runtime.js";
import type { Serializer } from "../serializer/serializer.js";
import type { Logger } from "../util/log.js";
import type { CompiledSocket } from "./compile.js";
import { ConnectionLimiter } from "./limits.js";
import type { TransportSession } from "./session.js";

/** A listen-only stream's joins: each topic with its join payload. */
export type TopicJoins = readonly (readonly [topic: string, payload: unknown])[];

/**
 * One client connection: owns the serializer, the heartbeat, and the topic → channel map.
 * Transports feed it frames; it answers through the transport session.
 */
let serials = 0;

export class Connection implements ChannelHost {
  readonly channels = new TopicTable<ChannelServer>();
  private closed = false;
  private readonly idSubscriber: Subscriber | null;
  private readonly limiter: ConnectionLimiter;
  private lastLimitLog = 0;
  private readonly connectedAt = Date.now();
  private readonly serial = ++serials;
  private messagesIn = 0;
  private messagesOut = 0;

  readonly logger: Logger;
  /** Set in topics mode (SSE): the stream ends once every topic it joined has closed. */
  private topicsMode: "off" | "joining" | "on" = "off";

  constructor(
    readonly runtime: Runtime,
    readonly socket: CompiledSocket,
    readonly serializer: Serializer,
    readonly session: TransportSession,
    readonly assigns: Assigns,
    readonly id: string | null,
  ) {
    this.logger = runtime.logger;
    this.limiter = new ConnectionLimiter(socket.limits);
    this.idSubscriber = id === null ? null : { deliver: (message) => this.onIdBroadcast(message) };
    if (id !== null && this.idSubscriber) runtime.pubsub.subscribe(id, this.idSubscriber);
    runtime.connections.add(this);
    adjustGauge(runtime.gauges.connections, session.name, 1);
  }

  get transportName(): string {
    return this.session.name;
  }

  get socketName(): string {
    return this.socket.name;
  }

  /**
   * Listen-only mode, for transports whose clients cannot send (SSE): joins each topic through
   * its channel's own `join`, as if the client had sent `phx_join`, and closes the connection
   * (1000) once every one of them has ended — refused, left, stopped or crashed.
   */
  joinTopics(joins: TopicJoins): void {
    this.topicsMode = "joining";
    try {
      joins.forEach(([topic, payload], i) => {
        const ref = String(i + 1);
        this.handleMessage({ joinRef: ref, ref, topic, event: "phx_join", payload });
      });
    } catch (err) {
      this.logger.error(
        { err, socket: this.socket.name },
        `${this.socket.name}: closing a ${this.transportName} stream after an internal error: ${(err as Error)?.message}`,
      );
      void this.close(CloseCode.INTERNAL_ERROR, "internal error");
      return;
    }
    this.topicsMode = "on";
    this.closeIfNoTopicLeft();
  }

  private closeIfNoTopicLeft(): void {
    if (this.topicsMode !== "on" || this.closed || this.channels.size > 0) return;
    this.logger.debug({ socket: this.socket.name }, `${this.transportName} stream ends: every topic has closed`);
    void this.close(CloseCode.NORMAL, "every topic closed");
  }

  /** A reply to one client message. */
  private reply(joinRef: Ref, ref: Ref, topic: string, status: string, response: unknown): void {
    this.write(this.serializer.encode({ joinRef, ref, topic, status, response }));
  }

  write(frame: Frame): void {
    if (this.closed) return;
    this.runtime.stats.messagesOut++;
    this.messagesOut++;
    this.session.send(frame);
  }

  writeShared(frame: SharedFrame): void {
    if (this.closed) return;
    this.runtime.stats.messagesOut++;
    this.messagesOut++;
    this.session.sendShared(frame);
  }

  stopChannel(topic: string, reason = "stopped by an operator"): boolean {
    const channel = this.channels.get(topic);
    if (channel === undefined) return false;
    channel.stop({ shutdown: reason });
    return true;
  }

  inspect(): ConnectionSnapshot {
    return {
      ref: this.serial,
      socket: this.socket.name,
      transport: this.transportName,
      id: this.id,
      connectedAt: this.connectedAt,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bufferedBytes: this.session.bufferedBytes?.() ?? 0,
      channels: [...this.channels.values()].map((c) => ({
        topic: c.topic,
        pattern: this.socket.router.patternOf(c.topic) ?? c.topic,
        channel: c.name,
        queue: c.queueLength,
        handled: c.handled,
      })),
    };
  }

  /** A raw frame from the transport. An undecodable one closes the connection (1011), as in Phoenix. */
  handleFrame(data: string | Buffer, binary: boolean): void {
    // A closing transport may still hand over frames that were already in flight: ignore them.
    if (this.closed) return;
    let message: InboundMessage;
    try {
      message = this.serializer.decode(data, binary);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.logger.error(
        { err: { message: err.message }, socket: this.socket.name },
        `${this.socket.name}: closing connection on undecodable frame: ${err.message}`,
      );
      // The close reason tells the client what was wrong (a close reason holds at most 123 bytes).
      this.close(CloseCode.INTERNAL_ERROR, truncate(`malformed frame: ${err.message}`, 123));
      return;
    }
    this.runtime.stats.messagesIn++;
    this.messagesIn++;
    const heartbeat = message.topic === "phoenix" && message.event === "heartbeat";
    if (!heartbeat && !this.admit(message, typeof data === "string" ? Buffer.byteLength(data) : data.length)) return;
    try {
      this.handleMessage(message);
    } catch (err) {
      // A bug must cost this connection at most, never the process.
      this.logger.error({ err, socket: this.socket.name }, `${this.socket.name}: closing connection after an internal error: ${(err as Error)?.message}`);
      this.close(CloseCode.INTERNAL_ERROR, "internal error");
    }
  }

  /** Applies the connection's limits; refused messages get an error reply, a flood closes with 1008. */
  private admit(message: InboundMessage, bytes: number): boolean {
    const verdict = this.limiter.check(message.event, bytes);
    if (verdict === "ok") return true;
    countDrop(this.runtime.stats, verdict);
    if (telemetry.drop.hasSubscribers) {
      telemetry.drop.publish({
        runtime: this.runtime,
        socket: this.socket.name,
        transport: this.transportName,
        reason: verdict,
        topic: message.topic,
        event: message.event,
      });
    }
    if (verdict === "flood") {
      this.logger.warn({ socket: this.socket.name, id: this.id }, `${this.socket.name}: closing a connection that keeps flooding past its rate limit`);
      this.close(CloseCode.POLICY_VIOLATION, "rate limit exceeded");
      return false;
    }
    const now = Date.now();
    if (now - this.lastLimitLog > 1000) {
      // At most one line a second per connection: the log must not become the flood.
      this.lastLimitLog = now;
      this.logger.warn(
        { socket: this.socket.name, topic: message.topic, event: message.event, bytes, reason: verdict },
        `${this.socket.name}: refused ${message.event} on ${message.topic}: ${verdict}`,
      );
    }
    const response = verdict === "payload_too_large" ? { reason: verdict, limit: this.limiter.limits.maxPayloadBytes } : { reason: verdict };
    this.reply(message.joinRef, message.ref, message.topic, "error", response);
    return false;
  }

  handleMessage(message: InboundMessage): void {
    if (this.closed) return;
    const { topic, event, joinRef, ref, payload } = message;
    if (topic === "phoenix" && event === "heartbeat") {
      this.reply(null, ref, "phoenix", "ok", {});
      return;
    }
    const existing = this.channels.get(topic);
    if (event === "phx_join") {
      this.join(message, existing);
      return;
    }
    if (existing === undefined) {
      if (event === "phx_leave") {
        this.reply(joinRef, ref, topic, "ok", {});
      } else {
        this.unmatched(topic, ref, event);
      }
      return;
    }
    if (joinRef !== null && joinRef !== existing.joinRef) {
      // The client raced a server close or rejoin: Phoenix drops stale messages silently.
      this.logger.debug({ topic, event, joinRef }, `dropping message for ${topic} with stale join_ref ${joinRef}`);
      return;
    }
    if (event === "phx_leave") existing.leave(ref);
    else existing.handleIn(event, payload, ref);
  }

  private join(message: InboundMessage, existing: ChannelServer | undefined): void {
    const { topic, joinRef, ref, payload } = message;
    if (existing !== undefined) {
      // Duplicate join: the old channel ends, the new join is answered, then the old one's phx_close.
      this.logger.debug({ topic }, `duplicate channel join for topic ${topic} in ${this.socket.name}: closing existing channel for new join`);
      this.deleteChannel(topic);
      const oldJoinRef = existing.joinRef;
      const ended = existing.shutdown({ shutdown: "duplicate_join" }, true);
      this.startJoin(existing.compiled, message, ended, () =>
        this.write(this.serializer.encode({ joinRef: oldJoinRef, ref: oldJoinRef, topic, event: "phx_close", payload: {} })),
      );
      return;
    }
    const channel = this.socket.router.match(topic);
    if (channel === undefined) {
      this.unmatched(topic, ref, "phx_join");
      return;
    }
    if (this.channels.size >= this.socket.maxChannels) {
      this.logger.warn(
        { topic, max: this.socket.maxChannels },
        `${this.socket.name}: refusing join to ${topic}: too many channels joined (max ${this.socket.maxChannels})`,
      );
      this.reply(joinRef ?? ref, ref, topic, "error", { reason: "too many channels joined" });
      return;
    }
    this.startJoin(channel, { topic, joinRef, ref, payload, event: "phx_join" });
  }

  private startJoin(channel: CompiledChannel, message: InboundMessage, before?: Promise<unknown>, afterReply?: () => void): void {
    const server = new ChannelServer(this, channel, message.topic, message.joinRef, message.ref, { ...this.assigns });
    this.channels.set(message.topic, server);
    adjustGauge(this.runtime.gauges.channels, this.socket.router.patternOf(message.topic) ?? message.topic, 1);
    server.join(message.payload, message.ref, before, afterReply);
  }

  private unmatched(topic: string, ref: Ref, event: string): void {
    this.logger.warn({ topic, event }, `Ignoring unmatched topic ${JSON.stringify(topic)} in ${this.socket.name}`);
    this.reply(null, ref, topic, "error", { reason: "unmatched topic" });
  }

  channelEnded(server: ChannelProcess): void {
    if (this.channels.get(server.topic) === server) this.deleteChannel(server.topic);
  }

  /** Every removal from the table goes through here, so the channel gauge stays exact. */
  private deleteChannel(topic: string): void {
    if (this.channels.delete(topic)) adjustGauge(this.runtime.gauges.channels, this.socket.router.patternOf(topic) ?? topic, -1);
  }

  channelGone(_server: ChannelProcess): void {
    if (this.topicsMode === "on") this.closeIfNoTopicLeft();
  }

  private onIdBroadcast(message: BroadcastMessage): void {
    if (message.event !== "disconnect") return;
    this.logger.info({ id: this.id }, `${this.socket.name} ${this.id}: disconnect requested`);
    this.close(CloseCode.GOING_AWAY, "", { shutdown: "disconnected" });
  }

  /** Closes the transport and ends every channel without frames; resolves once every `terminate` has run. */
  close(code: number, reason = "", channelReason: StopReason = { shutdown: "closed" }): Promise<void> {
    if (this.closed) return this.ended ?? Promise.resolve();
    this.session.close(code, reason);
    return this.transportClosed(channelReason);
  }

  private ended: Promise<void> | undefined;

  /** The transport is gone (client closed, network error, or our own close). */
  transportClosed(reason: StopReason = { shutdown: "closed" }): Promise<void> {
    if (this.closed) return this.ended ?? Promise.resolve();
    this.closed = true;
    if (this.idSubscriber && this.id !== null) this.runtime.pubsub.unsubscribe(this.id, this.idSubscriber);
    this.runtime.connections.delete(this);
    adjustGauge(this.runtime.gauges.connections, this.session.name, -1);
    const channels = [...this.channels.values()];
    for (const topic of [...this.channels.keys()]) this.deleteChannel(topic);
    this.ended = Promise.all(channels.map((channel) => channel.shutdown(reason))).then(() => undefined);
    return this.ended;
  }
}

function truncate(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  return buf.length <= bytes
    ? text
    : buf
        .subarray(0, bytes)
        .toString("utf8")
        .replace(/\uFFFD$/, "");
}
