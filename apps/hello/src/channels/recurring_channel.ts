import { defineChannel, noMatch } from "fenix";

/** The token salt shared by AuthSocket, the page and RecurringChannel. */
export const TOKEN_SALT = "salt identifier";

/**
 * The book's RecurringChannel: every period (5 s by default) it pushes `new_token` with a
 * fresh token for the socket's user, rescheduling first so one slow push never stops it.
 */
export function recurringChannel(periodMs: number) {
  return defineChannel<{ user_id: unknown }>({
    name: "RecurringChannel",

    join(_topic, _payload, socket) {
      socket.sendAfter("send_token", periodMs);
    },

    handleInfo(message, socket) {
      if (message !== "send_token") return noMatch("handleInfo", String(message));
      socket.sendAfter("send_token", periodMs);
      socket.push("new_token", { token: socket.tokens.sign(TOKEN_SALT, socket.assigns.user_id) });
    },
  });
}
