import type { ChannelServer } from "../channel/server.js";
import type { Assigns } from "../channel/types.js";
import { Endpoint } from "../endpoint/endpoint.js";
import type { Frame, SharedFrame } from "../protocol/message.js";
import type { Subscriber } from "../pubsub/pubsub.js";
import { compileSocket } from "../socket/compile.js";
import type { CompiledSocket } from "../socket/compile.js";
import { connectSocket } from "../socket/connect.js";
import { ConnectSocket } from "../socket/connect_socket.js";
import { Connection } from "../socket/connection.js";
import type { ConnectInfo, SocketDefinition } from "../socket/definition.js";
import type { TransportSession } from "../socket/session.js";
import { addLogSink, createLogger, formatLogLine } from "../util/log.js";
import { Mailbox, settle } from "./mailbox.js";
import type { Item } from "./serializer.js";
import { TestSerializer } from "./serializer.js";

/** A socket built without a transport: `connect` may or may not have run. */
export class TestSocket<A extends Assigns = Assigns> extends ConnectSocket<A> {
  /** @internal */
  connection: Connection | undefined;
  /** @internal */
  readonly compiled: CompiledSocket;
  constructor(
    endpoint: Endpoint,
    readonly handler: SocketDefinition<A>,
    readonly id: string | null,
    assigns: A,
  ) {
    super(endpoint, "test", assigns);
    this.compiled = compileSocket(handler);
  }
}

/** A channel joined in a test: pass it to `push`, `leave`, `close`, `channelState`, `broadcastFrom`. */
export class TestChannel {
  constructor(
    readonly socket: TestSocket<any>,
    readonly topic: string,
    readonly joinRef: string,
    /** @internal */ readonly server: ChannelServer,
  ) {}
}

export type JoinResult = { ok: true; reply: unknown; channel: TestChannel } | { ok: false; reply: unknown };

class TestSession implements TransportSession {
  readonly name = "test";
  constructor(private readonly mailbox: Mailbox) {}
  send(frame: Frame): void {
    this.mailbox.add(frame.data as Item);
  }
  sendShared(frame: SharedFrame): void {
    this.mailbox.add(frame.data as Item);
  }
  close(): void {}
}

function roundTrip<T>(value: T): T {
  // Inbound data reaches channels as a client's JSON would: no undefined, no class instances.
  return value === undefined ? ({} as T) : (JSON.parse(JSON.stringify(value)) as T);
}

export interface ChannelTestOptions {
  /** The endpoint channels see (`socket.endpoint`); default: a fresh one with a test secret. */
  endpoint?: Endpoint;
}

/**
 * Phoenix.ChannelTest for Fenix: drive sockets and channels without a transport, then assert
 * on what they pushed, replied and broadcast. Payload comparison is exact deep equality unless
 * a matcher (`any()`, `partial()`, `like()`) is given. Timeouts default to 100 ms; 0 means
 * "already in the mailbox". Works with fake timers (`vi.useFakeTimers()`): waiting uses real time.
 *
 * @example
 * const t = channelTest();
 * const { channel } = await t.subscribeAndJoin(t.socket(UserSocket), "wild:2:4");
 * const ref = t.push(channel, "ping");
 * await t.assertReply(ref, "ok", { ping: "pong" });
 */
export class ChannelTest {
  readonly endpoint: Endpoint;
  readonly mailbox = new Mailbox();
  private refs = 0;
  private readonly subscriber: Subscriber = {
    deliver: (message) => this.mailbox.add({ kind: "broadcast", topic: message.topic, event: message.event, payload: message.payload }),
  };
  private readonly subscribed = new Set<string>();

  /** Set when the test kit made its endpoint: `cleanup` closes it (its log subscriber included). */
  private readonly ownEndpoint: boolean;

  constructor(options: ChannelTestOptions = {}) {
    this.ownEndpoint = options.endpoint === undefined;
    this.endpoint =
      options.endpoint ??
      new Endpoint({
        secretKeyBase: "fenix-test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz",
        logger: createLogger({ name: "test", level: "debug" }),
      });
  }

  private nextRef(): string {
    this.refs += 1;
    return String(this.refs);
  }

  /** Builds a socket as `connect` would leave it, without running `connect`. */
  socket<A extends Assigns>(handler: SocketDefinition<A>, id: string | null = null, assigns: Partial<A> = {}): TestSocket<A> {
    return new TestSocket(this.endpoint, handler, id, { ...assigns } as A);
  }

  /** Runs the handler's `connect` and `id` with stringified params, as a client's would arrive. */
  async connect<A extends Assigns>(
    handler: SocketDefinition<A>,
    params: Record<string, unknown> = {},
    info: Partial<ConnectInfo> = {},
  ): Promise<{ ok: true; socket: TestSocket<A> } | { ok: false; reason?: unknown }> {
    const connectInfo: ConnectInfo = {
      transport: "test",
      peer: {},
      uri: new URL("http://localhost/"),
      xHeaders: {},
      traceContextHeaders: {},
      headers: {},
      ...info,
    };
    // The real connect (connect, id, telemetry and its log line), without a transport or admission.
    const outcome = await connectSocket(
      this.endpoint,
      compileSocket(handler),
      { transport: "test", params: roundTrip(params) as Record<string, unknown>, info: connectInfo, serializer: TestSerializer },
      { admission: false },
    );
    if (!outcome.ok) return outcome.reason === undefined ? { ok: false } : { ok: false, reason: outcome.reason };
    // Read back what connect decided on a throwaway session, then let that connection go.
    const probe = outcome.start(new TestSession(new Mailbox()));
    void probe.transportClosed();
    return { ok: true, socket: new TestSocket(this.endpoint, handler, probe.id, probe.assigns as A) };
  }

  private connection(socket: TestSocket<any>): Connection {
    socket.connection ??= new Connection(this.endpoint, socket.compiled, TestSerializer, new TestSession(this.mailbox), socket.assigns, socket.id);
    return socket.connection;
  }

  /** Subscribes the test to `topic` (so `assertBroadcast` sees broadcasts), then joins. */
  async subscribeAndJoin(socket: TestSocket<any>, topic: string, payload: unknown = {}): Promise<JoinResult> {
    if (!this.subscribed.has(topic)) {
      this.subscribed.add(topic);
      this.endpoint.pubsub.subscribe(topic, this.subscriber);
    }
    return this.join(socket, topic, payload);
  }

  /** Joins `topic` through the socket's routes. Resolves with the join's reply. */
  async join(socket: TestSocket<any>, topic: string, payload: unknown = {}): Promise<JoinResult> {
    const connection = this.connection(socket);
    if (!socket.compiled.router.match(topic)) throw new Error(`no channel found for topic ${JSON.stringify(topic)} in ${socket.compiled.name}`);
    const ref = this.nextRef();
    connection.handleMessage({ joinRef: ref, ref, topic, event: "phx_join", payload: roundTrip(payload) });
    const reply = (await this.mailbox.take((i) => i.kind === "reply" && i.ref === ref && i.topic === topic, 5_000, `a reply to joining ${topic}`)) as Extract<
      Item,
      { kind: "reply" }
    >;
    if (reply.status !== "ok") return { ok: false, reply: reply.payload };
    const server = connection.channels.get(topic) as ChannelServer;
    return { ok: true, reply: reply.payload, channel: new TestChannel(socket, topic, ref, server) };
  }

  /** Sends an event to the channel's `handleIn`; returns the ref to pass to `assertReply`. */
  push(channel: TestChannel, event: string, payload: unknown = {}): string {
    const ref = this.nextRef();
    const data = payload instanceof Uint8Array ? payload : roundTrip(payload);
    this.connection(channel.socket).handleMessage({ joinRef: channel.joinRef, ref, topic: channel.topic, event, payload: data });
    return ref;
  }

  /** Leaves the channel (phx_leave); returns the ref of the leave's reply. */
  leave(channel: TestChannel): string {
    const ref = this.nextRef();
    this.connection(channel.socket).handleMessage({ joinRef: channel.joinRef, ref, topic: channel.topic, event: "phx_leave", payload: {} });
    return ref;
  }

  /** Ends the channel as if its connection closed, and waits for `terminate`. */
  close(channel: TestChannel): Promise<void> {
    return channel.server.shutdown({ shutdown: "closed" });
  }

  /** Broadcasts on the channel's topic from the test itself: the test is not sent its own broadcast. */
  broadcastFrom(channel: TestChannel, event: string, payload: unknown = {}): Promise<void> {
    return this.endpoint.pubsub.broadcastFrom(this.subscriber, channel.topic, event, payload);
  }

  /** The channel's assigns, like `:sys.get_state(pid).assigns`. */
  channelState<A extends Assigns = Assigns>(channel: TestChannel): A {
    return channel.server.socket.assigns as A;
  }

  /** Live `sendAfter`/`sendInterval` timers of the channel. */
  timerCount(channel: TestChannel): number {
    return channel.server.timerCount;
  }

  async assertReply(ref: string, status: string, payload: unknown = {}, timeout = 100): Promise<unknown> {
    const item = await this.mailbox.expect({ kind: "reply", ref, status, payload }, timeout);
    return item.payload;
  }

  async refuteReply(ref: string, status?: string, payload?: unknown, timeout = 100): Promise<void> {
    await this.mailbox.refute({ kind: "reply", ref, status, payload }, timeout);
  }

  /** Waits for a push (or a fastlaned broadcast) to the client and removes it from the mailbox. */
  async assertPush(event: string, payload?: unknown, timeout = 100): Promise<unknown> {
    const item = await this.mailbox.expect({ kind: "push", event, payload }, timeout);
    return item.payload;
  }

  /** Fails if a matching push arrives within `timeout`; no arguments means no push at all. */
  async refutePush(event?: string, payload?: unknown, timeout = 100): Promise<void> {
    await this.mailbox.refute({ kind: "push", event, payload }, timeout);
  }

  /** Waits for a broadcast on a topic joined with `subscribeAndJoin`. */
  async assertBroadcast(event: string, payload?: unknown, timeout = 100): Promise<unknown> {
    const item = await this.mailbox.expect({ kind: "broadcast", event, payload }, timeout);
    return item.payload;
  }

  async refuteBroadcast(event?: string, payload?: unknown, timeout = 100): Promise<void> {
    await this.mailbox.refute({ kind: "broadcast", event, payload }, timeout);
  }

  /** Waits for the channel to close gracefully (`phx_close`). */
  async assertClose(topic: string, timeout = 100): Promise<void> {
    await this.mailbox.expect({ kind: "close", topic }, timeout);
  }

  /** Waits for the channel to crash (`phx_error`). */
  async assertCrash(topic: string, timeout = 100): Promise<void> {
    await this.mailbox.expect({ kind: "error", topic }, timeout);
  }

  /** Unsubscribes the test and closes every connection it opened. */
  async cleanup(): Promise<void> {
    for (const topic of this.subscribed) this.endpoint.pubsub.unsubscribe(topic, this.subscriber);
    this.subscribed.clear();
    for (const connection of [...this.endpoint.connections]) void connection.transportClosed();
    if (this.ownEndpoint) await this.endpoint.close();
  }
}

/** Creates a channel test harness (one per test). */
export function channelTest(options: ChannelTestOptions = {}): ChannelTest {
  return new ChannelTest(options);
}

/** Runs `fn` and returns the log lines written meanwhile, as `[level] message` text. */
export async function captureLog(fn: () => unknown): Promise<string> {
  const lines: string[] = [];
  const remove = addLogSink((line) => lines.push(formatLogLine(line)));
  try {
    await fn();
    // Let handlers that log asynchronously (a crashed join, a refused connect) finish.
    await settle();
  } finally {
    remove();
  }
  return lines.join("\n");
}
