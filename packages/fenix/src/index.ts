// The application author's API. Wire-level values and serializers: "fenix/protocol";
// the channel test kit: "fenix/testing".
export { Endpoint } from "./endpoint/endpoint.js";
export type { EndpointOptions, MetricsOptions, MountOptions } from "./endpoint/endpoint.js";
export type { ConnectRateOptions, DrainOptions, HealthOptions } from "./endpoint/lifecycle.js";

export { defineSocket } from "./socket/definition.js";
export type { AnySocket, ChannelRoute, ConnectInfo, ConnectResult, SocketDefinition, SocketOptions } from "./socket/definition.js";
export { ConnectSocket } from "./socket/connect_socket.js";
export type { RouteOptions } from "./socket/router.js";
export type { ConnectionLimits } from "./socket/limits.js";

export { defineChannel } from "./channel/definition.js";
export type { AnyChannel, ChannelDefinition, InResult, InfoResult, PayloadOf } from "./channel/definition.js";
export type { InferOutput, Schemas, StandardSchemaV1 } from "./channel/schema.js";
export { ChannelSocket } from "./channel/socket.js";
export type { Assigns, SocketRef, TimerRef } from "./channel/types.js";
export { ok, error, reply, stop, noMatch, Reply, Stop, NoMatchingClauseError } from "./channel/results.js";
export type { StopReason } from "./channel/results.js";

export { websocket } from "./transports/websocket.js";
export type { WebSocketOptions } from "./transports/websocket.js";
export { longPoll } from "./transports/longpoll.js";
export type { LongPollOptions } from "./transports/longpoll.js";
export { formatSseEvent, sse, sseKeepAliveTimers } from "./transports/sse.js";
export type { SseEvent, SseMessage, SseOptions } from "./transports/sse.js";
export type { ErrorHandler, ErrorResponse, Mount, Transport, TransportFactory, TransportSession } from "./transports/transport.js";
export type { CheckOrigin } from "./transports/origin.js";
export { CloseCode } from "./protocol/close.js";

export { PubSub } from "./pubsub/pubsub.js";
export { Pipeline } from "./pipeline/pipeline.js";
export { PrometheusMetrics } from "./metrics/prometheus.js";
export type { PrometheusOptions } from "./metrics/prometheus.js";
export { StatsdSink } from "./metrics/statsd.js";
export { Observer } from "./metrics/observer.js";
export { mountOps } from "./ops/dashboard.js";
export type { Ops, OpsOptions } from "./ops/dashboard.js";
export type { DashboardStats } from "./ops/dashboard_data.js";
export type { NodeStats, ObserverQuery, ObserverSort } from "./metrics/observer.js";
export type { ConnectionSnapshot } from "./runtime/runtime.js";
export type { StatsdClient, StatsdSinkOptions } from "./metrics/statsd.js";
export type { PipelineEvent, PipelineOptions } from "./pipeline/pipeline.js";
export { readBody, BodyTooLargeError } from "./util/body.js";
export type { Scratch, Subscriber } from "./pubsub/pubsub.js";
export type { BroadcastMessage, PubSubAdapter } from "./pubsub/adapter.js";
export { RedisAdapter } from "./pubsub/redis.js";
export type { RedisAdapterOptions } from "./pubsub/redis.js";
export { NatsAdapter } from "./pubsub/nats.js";
export type { NatsAdapterOptions } from "./pubsub/nats.js";
export { RedisHistory } from "./pubsub/redis_history.js";
export type { RedisHistoryOptions } from "./pubsub/redis_history.js";
export { MemoryHistory } from "./pubsub/history.js";
export type { HistoryOptions, HistoryStore, HistoryEntry, Position, Recovery } from "./pubsub/history.js";
export type { PublishApiOptions } from "./http/publish.js";

export { Presence } from "./presence/presence.js";
export type { PresenceOptions, PresenceSubject, Presences } from "./presence/presence.js";
export type { TrackerOptions } from "./presence/tracker.js";
export type { Meta, Diff } from "./presence/types.js";

export { sign, verify, Tokens, generateSecret } from "./token/index.js";
export type { SignOptions, VerifyOptions, VerifyResult, TokenError } from "./token/index.js";

export type { Runtime } from "./runtime/runtime.js";
export { createLogger } from "./util/log.js";
export type { Logger } from "./util/log.js";
export { telemetry } from "./util/telemetry.js";
export type * from "./util/telemetry.js";
/** One client connection (for instrumentation and tests; applications use channels). */
export { Connection } from "./socket/connection.js";
