import type { Presence } from "../presence/presence.js";
import type { Subscriber } from "../pubsub/pubsub.js";
import type { Ref } from "../protocol/message.js";
import type { Tokens } from "../token/token.js";
import type { Logger } from "../util/log.js";
import { assignInto } from "./types.js";
import type { Assigns, ChannelProcess, SocketRef, TimerRef } from "./types.js";
import { lazyBytes, telemetry } from "../util/telemetry.js";

/**
 * The channel's view of its connection: its own copy of the assigns, the ways to talk to the
 * client and the topic, and the few node services a channel uses (`tokens`, `presence`,
 * `logger`) — not the whole node.
 */
export class ChannelSocket<A extends Assigns = Assigns> {
  /** Copied from the connection at join time; changes here stay in this channel. */
  assigns: A;

  /** @internal */
  constructor(
    private readonly process: ChannelProcess & Subscriber,
    assigns: A,
  ) {
    this.assigns = assigns;
  }

  get topic(): string {
    return this.process.topic;
  }

  /**
   * @internal Delivers a message encoded once for many, as a broadcast to this channel alone
   * (Presence's coalesced `presence_state`).
   */
  deliverShared(message: { topic: string; event: string; payload: unknown }, scratch: Record<symbol, unknown>): void {
    this.process.deliver(message, scratch);
  }
  /** The join_ref replies and pushes carry. */
  get joinRef(): Ref {
    return this.process.channelJoinRef;
  }
  /** The connection's socket id (`id(socket)`), or null. */
  get id(): string | null {
    return this.process.conn.id;
  }
  get transport(): string {
    return this.process.conn.transportName;
  }
  get nodeName(): string {
    return this.process.conn.runtime.nodeName;
  }
  get logger(): Logger {
    return this.process.conn.logger;
  }
  /** Phoenix.Token signing with the endpoint's `secretKeyBase`. */
  get tokens(): Tokens {
    return this.process.conn.runtime.tokens;
  }
  /** The endpoint's Presence (enabled with `new Endpoint({ presence: {} })`). */
  get presence(): Presence {
    return this.process.conn.runtime.presence;
  }

  /** Sets one assign, or merges several. Returns the socket for chaining. */
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(values: Partial<A>): this;
  assign(key: any, value?: any): this {
    assignInto(this.assigns, key, value);
    return this;
  }

  /** Sends an event to this client only: `[join_ref, null, topic, event, payload]`. */
  push(event: string, payload: unknown = {}): void {
    if (telemetry.push.hasSubscribers) {
      const bytes = lazyBytes(payload);
      telemetry.push.publish({
        runtime: this.process.conn.runtime,
        channel: this.process.name,
        topic: this.topic,
        event,
        get bytes() {
          return bytes();
        },
      });
    }
    this.process.push(event, payload);
  }

  /** Sends an event to every subscriber of this topic, on every node. */
  broadcast(event: string, payload: unknown = {}): Promise<void> {
    return this.process.conn.runtime.pubsub.broadcast(this.topic, event, payload);
  }

  /** Like `broadcast`, but not to this client. */
  broadcastFrom(event: string, payload: unknown = {}): Promise<void> {
    return this.process.conn.runtime.pubsub.broadcastFrom(this.process, this.topic, event, payload);
  }

  /** Queues a message for this channel's `handleInfo`. */
  send(message: unknown): void {
    this.process.info(message);
  }

  /** Delivers `message` to `handleInfo` after `ms`. Cancelled when the channel ends. */
  sendAfter(message: unknown, ms: number): TimerRef {
    return this.process.timer(message, ms, false);
  }

  /** Delivers `message` to `handleInfo` every `ms`. Cancelled when the channel ends. */
  sendInterval(message: unknown, ms: number): TimerRef {
    return this.process.timer(message, ms, true);
  }

  cancelTimer(timer: TimerRef): void {
    this.process.cancelTimer(timer);
  }

  /** Runs `callback` once after the channel has ended, whatever ended it (after `terminate`). */
  onEnd(callback: () => void): void {
    this.process.onEnd(callback);
  }

  /** The push being handled, to answer later with `ref.reply(ok(...))` after returning nothing. */
  ref(): SocketRef {
    return this.process.currentRef();
  }
}
