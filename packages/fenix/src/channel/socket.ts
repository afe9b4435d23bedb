import type { Endpoint } from "../endpoint.js";
import type { Logger } from "../log.js";
import type { Ref } from "../serializer/types.js";
import type { Assigns } from "./definition.js";
import type { Reply } from "./results.js";
import type { ChannelServer } from "./server.js";

/** A handle on one push, kept to reply later (Phoenix's `socket_ref`). */
export interface SocketRef {
  readonly topic: string;
  readonly ref: Ref;
  reply(reply: Reply): void;
}

export type TimerRef = { readonly __timer: true };

/**
 * The channel's view of its connection: its own copy of the assigns plus the ways to talk
 * to the client and the topic.
 */
export class ChannelSocket<A extends Assigns = Assigns> {
  /** Copied from the connection at join time; changes here stay in this channel. */
  assigns: A;

  /** @internal */
  constructor(
    private readonly server: ChannelServer,
    assigns: A,
  ) {
    this.assigns = assigns;
  }

  get topic(): string {
    return this.server.topic;
  }
  /** The join_ref replies and pushes carry. */
  get joinRef(): Ref {
    return this.server.channelJoinRef;
  }
  /** The connection's socket id (`id(socket)`), or null. */
  get id(): string | null {
    return this.server.conn.id;
  }
  get transport(): string {
    return this.server.conn.transportName;
  }
  get endpoint(): Endpoint {
    return this.server.conn.endpoint;
  }
  get nodeName(): string {
    return this.server.conn.endpoint.nodeName;
  }
  get logger(): Logger {
    return this.server.conn.logger;
  }

  /** Sets one assign, or merges several. Returns the socket for chaining. */
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(values: Partial<A>): this;
  assign(key: any, value?: any): this {
    if (typeof key === "object") Object.assign(this.assigns, key);
    else (this.assigns as any)[key] = value;
    return this;
  }

  /** Sends an event to this client only: `[join_ref, null, topic, event, payload]`. */
  push(event: string, payload: unknown = {}): void {
    this.server.push(event, payload);
  }

  /** Sends an event to every subscriber of this topic, on every node. */
  broadcast(event: string, payload: unknown = {}): Promise<void> {
    return this.server.conn.endpoint.pubsub.broadcast(this.topic, event, payload);
  }

  /** Like `broadcast`, but not to this client. */
  broadcastFrom(event: string, payload: unknown = {}): Promise<void> {
    return this.server.conn.endpoint.pubsub.broadcastFrom(this.server, this.topic, event, payload);
  }

  /** Queues a message for this channel's `handleInfo`. */
  send(message: unknown): void {
    this.server.info(message);
  }

  /** Delivers `message` to `handleInfo` after `ms`. Cancelled when the channel ends. */
  sendAfter(message: unknown, ms: number): TimerRef {
    return this.server.timer(message, ms, false);
  }

  /** Delivers `message` to `handleInfo` every `ms`. Cancelled when the channel ends. */
  sendInterval(message: unknown, ms: number): TimerRef {
    return this.server.timer(message, ms, true);
  }

  cancelTimer(timer: TimerRef): void {
    this.server.cancelTimer(timer);
  }

  /** Runs `callback` once after the channel has ended, whatever ended it (after `terminate`). */
  onEnd(callback: () => void): void {
    this.server.onEnd(callback);
  }

  /** The push being handled, to answer later with `ref.reply(ok(...))` after returning nothing. */
  ref(): SocketRef {
    return this.server.currentRef();
  }
}
