import { defineChannel, error, ok } from "fenix";

/** The book's AuthChannel: `user:ID` may only be joined by the user the socket authenticated. */
export const AuthChannel = defineChannel<{ user_id: unknown }>({
  name: "AuthChannel",

  join(topic, _payload, socket) {
    const requested = topic.slice("user:".length);
    const userId = socket.assigns.user_id;
    if (requested === String(userId)) return ok();
    socket.logger.error(`AuthChannel failed ${requested} != ${String(userId)}`);
    return error({ reason: "unauthorized" });
  },
});
