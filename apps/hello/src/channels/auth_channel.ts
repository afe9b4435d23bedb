import { defineChannel, error, ok } from "fenix";
import { type HelloMetrics, NO_METRICS } from "../pipeline/worker.js";

/**
 * The book's AuthChannel: `user:ID` may only be joined by the user the socket authenticated. It
 * intercepts the pipeline's `push_timed {data, at}`: the client gets `data` only, and the time
 * from the item's enqueueing to this delivery is recorded as `pipeline.push_delivered` — once
 * per subscribed channel.
 */
export function authChannel(metrics: HelloMetrics = NO_METRICS) {
  return defineChannel<{ user_id: unknown }>({
    name: "AuthChannel",
    intercepts: ["push_timed"],

    join(topic, _payload, socket) {
      const requested = topic.slice("user:".length);
      const userId = socket.assigns.user_id;
      if (requested === String(userId)) return ok();
      socket.logger.error(`AuthChannel failed ${requested} != ${String(userId)}`);
      return error({ reason: "unauthorized" });
    },

    handleOut: {
      push_timed(payload, socket) {
        const { data, at } = payload as { data: object; at: number };
        socket.push("push_timed", data);
        metrics.histogram("pipeline.push_delivered", Date.now() - at);
      },
    },
  });
}

export const AuthChannel = authChannel();
