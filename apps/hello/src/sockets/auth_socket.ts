import { defineSocket } from "fenix";
import { authChannel } from "../channels/auth_channel.js";
import { PingChannel } from "../channels/ping_channel.js";
import { TOKEN_SALT, recurringChannel } from "../channels/recurring_channel.js";
import type { HelloMetrics } from "../pipeline/worker.js";

const ONE_DAY = 86_400;

/** The book's AuthSocket: a signed token (salt "salt identifier", one day) is required to connect. */
export function authSocket(recurringMs: number, metrics?: HelloMetrics) {
  return defineSocket<{ user_id: unknown }>({
    name: "AuthSocket",
    channels: [
      ["ping", PingChannel],
      ["user:*", authChannel(metrics)],
      ["recurring", recurringChannel(recurringMs)],
    ],
    connect(params, socket) {
      if (typeof params.token !== "string") {
        socket.logger.error("AuthSocket connect error missing params");
        return false;
      }
      const result = socket.tokens.verify(TOKEN_SALT, params.token, { maxAge: ONE_DAY });
      if (!result.ok) {
        socket.logger.error(`AuthSocket connect error :${result.error}`);
        return false;
      }
      socket.assign("user_id", result.data);
      return true;
    },
    id: (socket) => `auth_socket:${String(socket.assigns.user_id)}`,
  });
}
