import { defineSocket } from "fenix";
import { pingChannel } from "./ping_channel.js";
import type { PingTicker } from "./ping_ticker.js";

/** The book's PingSocket at `/socket`: topics `ping` and `other` only, no authentication. */
export function pingSocket(ticker: PingTicker) {
  const channel = pingChannel(ticker);
  return defineSocket({
    name: "PingSocket",
    channels: [
      ["ping", channel],
      ["other", channel],
    ],
    connect: () => undefined,
    id: () => null,
  });
}
