import { CloseCode } from "../protocol/close.js";
import { countDrop } from "../runtime/runtime.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Connection } from "../socket/connection.js";
import { telemetry } from "../util/telemetry.js";

/**
 * A client stopped reading and its backlog passed the transport's bound: the same for every
 * transport — one telemetry event (logged once, by the endpoint's log subscriber), close code
 * 4008, and every channel ends with `{shutdown: "slow_consumer"}`. The transport drops its
 * buffered bytes itself (it knows how).
 */
export function closeSlowConsumer(runtime: Runtime, connection: Connection, buffered: number, limit: number, unit: "bytes" | "messages"): Promise<void> {
  countDrop(runtime.stats, "slow_consumer");
  if (telemetry.drop.hasSubscribers) {
    telemetry.drop.publish({ runtime, socket: connection.socketName, transport: connection.transportName, reason: "slow_consumer" });
  }
  if (telemetry.slowConsumer.hasSubscribers) {
    telemetry.slowConsumer.publish({
      runtime,
      socket: connection.socketName,
      transport: connection.transportName,
      id: connection.id,
      buffered,
      limit,
      unit,
    });
  }
  return connection.close(CloseCode.SLOW_CONSUMER, "slow consumer", { shutdown: "slow_consumer" });
}
