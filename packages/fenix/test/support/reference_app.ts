// The reference application of conformance-cases.md §0, written with the Fenix API: the
// sockets and channels Phoenix's websocket integration tests define inside themselves.
import type { AddressInfo } from "node:net";
import { Endpoint, defineChannel, defineSocket, error, ok, stop, websocket, longPoll } from "fenix";
import type { BroadcastMessage, EndpointOptions, SocketRef, StopReason } from "fenix";
import type { LongPollOptions } from "../../src/transports/longpoll.js";
import { V2 } from "./protocol.js";
import type { Proto, Ref } from "./protocol.js";
import { TestClient } from "./ws_client.js";
import type { OpenOptions, Refused } from "./ws_client.js";

export interface Termination {
  topic: string;
  reason: StopReason;
}

/**
 * Builds fresh socket and channel definitions around one terminations log, so each app
 * instance (one per test) records only its own channel endings.
 */
function definitions(terminations: Termination[], variant: Variant) {
  const RoomChannel = defineChannel({
    name: "RoomChannel",
    intercepts: ["new_msg"],
    join(_topic, payload, socket) {
      socket.send({ afterJoin: payload?.user ?? null });
    },
    handleIn: {
      new_msg(payload, socket) {
        void socket.broadcast("new_msg", payload);
        return ok();
      },
      boom() {
        throw new Error("boom");
      },
      binary_event(payload: Uint8Array, socket) {
        socket.push("binary_event", new Uint8Array([0, 1]));
        return ok(Buffer.concat([payload, Buffer.from([3, 4])]));
      },
    },
    handleOut: {
      new_msg(payload, socket) {
        socket.push("new_msg", { ...payload, transport: ":websocket" });
      },
    },
    handleInfo(message: { afterJoin: unknown }, socket) {
      void socket.broadcast("user_entered", { user: message.afterJoin });
      socket.push("joined", { status: "connected", ...socket.assigns });
    },
    terminate(reason, socket) {
      terminations.push({ topic: socket.topic, reason });
      socket.push("you_left", { message: "bye!" });
    },
  });

  // §0 "RoomChannel (LongPoll tests)": new_msg is not replied to, every intercepted event is
  // re-pushed with the transport's name, and terminate pushes nothing.
  const LongPollRoomChannel = defineChannel({
    name: "RoomChannel",
    intercepts: ["new_msg", "bin_ack"],
    join: RoomChannel.join,
    handleIn: {
      new_msg(payload, socket) {
        void socket.broadcast("new_msg", payload);
      },
      bin(_payload, socket) {
        void socket.broadcast("bin_ack", {});
      },
      boom() {
        throw new Error("boom");
      },
    },
    handleOut(event, payload, socket) {
      socket.push(event, { ...payload, transport: ":longpoll" });
    },
    handleInfo: RoomChannel.handleInfo,
    terminate(reason, socket) {
      terminations.push({ topic: socket.topic, reason });
    },
  });
  const Room = variant === "longpoll" ? LongPollRoomChannel : RoomChannel;

  const CustomChannel = defineChannel({
    name: "CustomChannel",
    join(_topic, payload) {
      switch (payload?.action) {
        case "ok":
          return ok({ action: "ok" });
        case "ignore":
          return error({ action: "ignore" });
        default:
          throw new Error(`join crashed on purpose: ${JSON.stringify(payload)}`);
      }
    },
    handleIn: {
      close: () => stop("shutdown"),
    },
  });

  const UserSocket = defineSocket<{ user_id: string | null }>({
    name: "UserSocket",
    channels: [
      ["room:*", Room],
      ["custom:*", CustomChannel],
    ],
    connect(params, socket) {
      if (params.reject === "true") return false;
      if (params.ratelimit === "true") return error("rate_limit");
      if (params.custom_error === "true") return error("custom");
      socket.assign({ user_id: params.user_id ?? null });
    },
    id: (socket) => (socket.assigns.user_id ? `user_sockets:${socket.assigns.user_id}` : null),
  });

  const LimitedUserSocket = defineSocket({
    name: "LimitedUserSocket",
    channels: [["room:*", Room]],
    maxChannels: 1,
  });

  // LP-08's SlowSocket, whose dispatch never returns, is made slow by the test itself (Fenix
  // dispatches synchronously, so nothing in a socket definition can hold a POST).
  const SlowSocket = defineSocket({ name: "SlowSocket", channels: [["room:*", Room]] });

  // Stands in for Phoenix's raw (non-channel) transport sockets: what a raw socket would
  // answer to the text "params", a channel answers in its join reply instead.
  const ProbeChannel = defineChannel({
    name: "ProbeChannel",
    join: (_topic, _payload, socket) => ok({ params: socket.assigns.params, auth_token: socket.assigns.auth_token }),
    handleIn: {
      // WS-14: a push the server sends later, outside any request/reply.
      ping(_payload, socket) {
        socket.sendAfter("pong", 10);
      },
    },
    handleInfo(message, socket) {
      if (message === "pong") socket.push("pong", {});
    },
  });

  // CH-24..26: the channel shapes Phoenix's ChannelTest exercises.
  const ReplyChannel = defineChannel({
    name: "ReplyChannel",
    join: () => ok({ resp: "x" }),
    handleIn: {
      stop: () => stop("shutdown", ok({ a: 1 })),
      async_reply(payload, socket) {
        socket.sendAfter({ ref: socket.ref(), payload }, 20);
      },
    },
    handleInfo(message: { ref: SocketRef; payload: unknown }) {
      message.ref.reply(ok({ later: message.payload }));
    },
  });

  const ProbeSocket = defineSocket<{ params: Record<string, unknown>; auth_token: string | null }>({
    name: "ProbeSocket",
    channels: [
      ["probe:*", ProbeChannel],
      ["reply:*", ReplyChannel],
    ],
    connect(params, socket, info) {
      socket.assign({ params, auth_token: info.authToken ?? null });
    },
  });

  return { UserSocket, LimitedUserSocket, ProbeSocket, SlowSocket };
}

const ALLOWED_ORIGINS = ["//example.com"];

type Variant = "websocket" | "longpoll";

export interface ReferenceAppOptions {
  /**
   * "longpoll" is the app of Phoenix's long-poll tests: the LongPoll RoomChannel, long-poll on
   * every mount (window 200 ms, PubSub timeout 200 ms) and the SlowSocket at /ws/slow.
   */
  variant?: Variant;
  /** Overrides the long-poll options of every mount (longpoll variant only). */
  longpoll?: LongPollOptions;
  /** For clusters of reference apps: nodeName, pubsubAdapter, secretKeyBase. */
  endpoint?: EndpointOptions;
}

export interface ReferenceApp {
  readonly endpoint: Endpoint;
  readonly port: number;
  /** Every channel terminate, in order (CH-11/CH-12 observe channel shutdown through it). */
  readonly terminations: Termination[];
  /** `ws://127.0.0.1:<port><path>?<query>`, adding `vsn` from `proto` unless the query is a raw string. */
  url(path: string, query?: Record<string, string> | string, proto?: Proto): string;
  /** The same URL with `http:`, for long-poll requests. */
  http(path: string, query?: Record<string, string> | string, proto?: Proto): string;
  connect(path: string, options?: OpenOptions & { query?: Record<string, string> | string }): Promise<TestClient>;
  refused(path: string, options?: OpenOptions & { query?: Record<string, string> | string }): Promise<Refused>;
  /** Records every broadcast on `topic` as the PubSub delivers it (a server-side observer). */
  watch(topic: string): BroadcastMessage[];
  close(): Promise<void>;
}

export async function startReferenceApp(options: ReferenceAppOptions = {}): Promise<ReferenceApp> {
  const terminations: Termination[] = [];
  const variant = options.variant ?? "websocket";
  const { UserSocket, LimitedUserSocket, ProbeSocket, SlowSocket } = definitions(terminations, variant);
  const endpoint = new Endpoint(options.endpoint);
  const lp: LongPollOptions | false = variant === "longpoll" ? { windowMs: 200, pubsubTimeoutMs: 200, ...options.longpoll } : false;
  // The long-poll variant serves every mount on long-poll too.
  const lps = lp ? [longPoll(lp)] : [];
  const userSocketWs = {
    timeout: 200,
    errorHandler: (reason: unknown) => (reason === "rate_limit" ? { status: 429, body: "Too many requests" } : { status: 403 }),
  };
  endpoint
    .socket("/ws", UserSocket, { checkOrigin: ALLOWED_ORIGINS, transports: [websocket(userSocketWs), ...lps] })
    .socket("/ws/admin", UserSocket, { checkOrigin: ALLOWED_ORIGINS, transports: [websocket({ timeout: 200 }), ...lps] })
    .socket("/ws/limited", LimitedUserSocket, { checkOrigin: ALLOWED_ORIGINS, transports: [websocket(userSocketWs), ...lps] })
    // Phoenix mounts its raw echo socket at /ws with these options; ours lives beside UserSocket.
    .socket("/ws/raw", ProbeSocket, { transports: [websocket({ subprotocols: ["sip"], timeout: 200 }), ...lps] })
    // Registered before the `:socket_var` mount, which would also match these segments.
    .socket("/custom/some_path", ProbeSocket, { transports: [websocket({ path: "nested/path" })] })
    // Phoenix's long-poll tests serve this path with long-poll instead of the WebSocket.
    .socket("/custom/:socket_var", ProbeSocket, {
      transports: [lp ? longPoll({ ...lp, path: ":path_var/path" }) : websocket({ path: ":path_var/path" })],
    })
    .socket("/ws/auth", ProbeSocket, { transports: [websocket({ authToken: true }), ...lps] });
  if (lp) endpoint.socket("/ws/slow", SlowSocket, { transports: [longPoll({ ...lp, windowMs: 100 })] });
  const server = await endpoint.listen(0, "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  const watchers: (() => void)[] = [];

  const url = (path: string, query: Record<string, string> | string = {}, proto: Proto = V2, scheme = "ws"): string => {
    const search = typeof query === "string" ? query : new URLSearchParams({ ...query, ...(proto.vsn === undefined ? {} : { vsn: proto.vsn }) }).toString();
    return `${scheme}://127.0.0.1:${port}${path}${search ? `?${search}` : ""}`;
  };

  return {
    endpoint,
    port,
    terminations,
    url: (path, query, proto) => url(path, query, proto),
    http: (path, query, proto) => url(path, query, proto, "http"),
    connect: (path, options = {}) => TestClient.open(url(path, options.query, options.proto), options),
    refused: (path, options = {}) => TestClient.refused(url(path, options.query, options.proto), options),
    watch(topic) {
      const seen: BroadcastMessage[] = [];
      const subscriber = { deliver: (message: BroadcastMessage) => void seen.push(message) };
      endpoint.pubsub.subscribe(topic, subscriber);
      watchers.push(() => endpoint.pubsub.unsubscribe(topic, subscriber));
      return seen;
    },
    async close() {
      for (const unwatch of watchers) unwatch();
      await endpoint.close();
    },
  };
}

/**
 * Joins a RoomChannel topic and consumes what every such join produces, in Phoenix's order:
 * the ok reply, the `user_entered` broadcast, then the `joined` push.
 */
export async function joinRoom(
  client: TestClient,
  joinRef: Ref,
  ref: Ref,
  topic: string,
  joined: Record<string, unknown> = { status: "connected", user_id: null },
): Promise<void> {
  client.push(joinRef, ref, topic, "phx_join", {});
  await client.expectReply(joinRef, ref, topic, "ok", {});
  await client.expectMessage(null, null, topic, "user_entered", { user: null });
  await client.expectMessage(joinRef ?? ref, null, topic, "joined", joined);
}
