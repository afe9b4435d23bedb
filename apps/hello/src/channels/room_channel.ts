import { defineChannel, error } from "fenix";
import { z } from "zod";

/**
 * A chat room with Presence (Phoenix's canonical example): the presence key is the socket's
 * `user` connect param, meta `{online_at}`; `presence_state` is pushed after join; `new_msg`
 * is broadcast to the room with the sender's name.
 */
export const RoomChannel = defineChannel<{ user?: string }>({
  name: "RoomChannel",
  schemas: { new_msg: z.object({ body: z.string().min(1).max(4_000) }) },

  join(_topic, _payload, socket) {
    if (!socket.assigns.user) return error({ reason: "connect with a user param to join a room" });
    socket.send("after_join");
  },

  async handleInfo(message, socket) {
    if (message !== "after_join") return;
    const presence = socket.presence;
    await presence.pushState(socket);
    presence.track(socket, socket.assigns.user as string, { online_at: String(Math.floor(Date.now() / 1000)) });
  },

  handleIn: {
    new_msg(payload: { body: string }, socket) {
      void socket.broadcast("new_msg", { user: socket.assigns.user, body: payload.body });
    },
  },
});
