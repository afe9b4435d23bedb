import type { Logger } from "../util/log.js";
import { telemetry } from "../util/telemetry.js";
import type { AdapterErrorEvent, ChannelCrashEvent, ChannelHandleInEvent, ChannelJoinEvent, SlowConsumerEvent, SocketConnectEvent } from "../util/telemetry.js";

const ms = (value: number) => value.toFixed(2);

/**
 * The endpoint's log lines, as a subscriber of the telemetry seam: one line per connect, join,
 * crash, slow consumer and (at most once a second) adapter outage — and `HANDLED` lines for
 * client pushes only when the logger is at debug. Returns the unsubscribe function.
 */
export function attachLogSubscriber(runtime: object, logger: Logger): () => void {
  const detach: (() => void)[] = [];
  const on = <E extends { runtime: object }>(channel: (typeof telemetry)[keyof typeof telemetry], handle: (event: E) => void) => {
    const listener = (message: unknown) => {
      if ((message as E).runtime === runtime) handle(message as E);
    };
    channel.subscribe(listener);
    detach.push(() => channel.unsubscribe(listener));
  };

  on<SocketConnectEvent>(telemetry.connect, (e) => {
    if (e.status === "error") {
      logger.error({ err: e.error, socket: e.socket }, `an exception was raised in ${e.socket}.connect: ${(e.error as Error)?.message ?? e.error}`);
      return;
    }
    if (!logger.isLevelEnabled("info")) return;
    const fields = { socket: e.socket, transport: e.transport, serializer: e.serializer, params: e.params, ms: ms(e.durationMs) };
    logger.info(fields, `${e.status === "ok" ? "CONNECTED TO" : "REFUSED CONNECTION TO"} ${e.socket} in ${fields.ms}ms`);
  });

  on<ChannelJoinEvent>(telemetry.join, (e) => {
    if (e.status === "crashed" || !logger.isLevelEnabled("info")) return;
    const took = ms(e.durationMs);
    if (e.status === "ok") logger.info({ topic: e.topic, channel: e.channel, ms: took }, `JOIN ${e.topic} to ${e.channel} ok in ${took}ms`);
    else logger.info({ topic: e.topic, channel: e.channel, status: e.status, ms: took }, `JOIN ${e.topic} to ${e.channel} refused (${e.status}) in ${took}ms`);
  });

  on<ChannelCrashEvent>(telemetry.crash, (e) => {
    const on = e.where.startsWith("join(") ? "" : ` on ${e.topic}`;
    logger.error(
      { err: e.error, topic: e.topic, channel: e.channel },
      `an exception was raised in ${e.channel}.${e.where}${on}: ${(e.error as Error)?.message ?? e.error}`,
    );
  });

  // Per-push lines cost every push a timing and an event: only subscribe when they are wanted.
  if (logger.isLevelEnabled("debug")) {
    on<ChannelHandleInEvent>(telemetry.handleIn, (e) => {
      logger.debug(
        { topic: e.topic, channel: e.channel, event: e.event, status: e.status, ms: ms(e.durationMs) },
        `HANDLED ${e.event} INCOMING ON ${e.topic} (${e.channel}) in ${ms(e.durationMs)}ms: ${e.status}`,
      );
    });
  }

  on<SlowConsumerEvent>(telemetry.slowConsumer, (e) => {
    logger.warn(
      { socket: e.socket, transport: e.transport, id: e.id, buffered: e.buffered, limit: e.limit },
      `${e.socket}: closing a slow consumer (${e.buffered} ${e.unit} unread, limit ${e.limit}) on ${e.transport}`,
    );
  });

  // During an outage every broadcast fails the same way: one line a second, with a count.
  let lastAdapterLog = 0;
  let unlogged = 0;
  on<AdapterErrorEvent>(telemetry.adapterError, (e) => {
    const now = Date.now();
    if (now - lastAdapterLog < 1000) {
      unlogged += 1;
      return;
    }
    lastAdapterLog = now;
    const more = unlogged > 0 ? ` (and ${unlogged} more since the last report)` : "";
    unlogged = 0;
    const message = (e.error as Error)?.message;
    logger.error(
      { err: e.error, topic: e.topic, event: e.event, operation: e.operation },
      e.operation === "publish"
        ? `broadcast of ${e.event} on ${e.topic} reached this node only${more}: ${message}`
        : `could not record ${e.event} on ${e.topic} in its history${more}: ${message}`,
    );
  });

  return () => {
    for (const off of detach) off();
  };
}
