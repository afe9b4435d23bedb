import { defineChannel, error, ok } from "fenix";
import { isPingTopic, pingMessage } from "./ping.js";
import { type PingTicker, SEND_PING } from "./ping_ticker.js";

/**
 * The book's PingChannel: a `ping` push right after the join and then every 2 s (from the shared
 * ticker), `{pong: "true"}` in reply to the client's `ping`, and the schedule dropped when the
 * channel ends however it ends (leave, close, crash).
 */
export function pingChannel(ticker: PingTicker) {
  return defineChannel({
    name: "PingChannel",
    join(topic, _payload, socket) {
      if (!isPingTopic(topic)) return error({ reason: "unknown topic" });
      socket.send(SEND_PING);
      ticker.add(socket);
      return ok();
    },
    handleIn: {
      ping: () => ok({ pong: "true" }),
    },
    handleInfo(message, socket) {
      if (message === SEND_PING) socket.push("ping", pingMessage(socket.nodeName));
    },
    terminate(_reason, socket) {
      ticker.delete(socket);
    },
  });
}
