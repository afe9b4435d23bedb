import { defineChannel } from "fenix";

/**
 * `admin:cart_tracker`: the admin dashboard's view of every open cart. After the join reply it
 * pushes `presence_state` (every cart on every node); the topic's `presence_diff` broadcasts then
 * reach it by themselves. Only admin tokens reach this channel (see `adminSocket`), so there is no
 * per-topic check.
 *
 * @example
 * defineSocket({ channels: [[CART_TRACKER_TOPIC, DashboardChannel]] })
 */
export const DashboardChannel = defineChannel({
  name: "DashboardChannel",
  join(_topic, _payload, socket) {
    // After the reply: the client's Presence expects the state once it has joined.
    socket.send("after_join");
  },
  async handleInfo(message, socket) {
    if (message === "after_join") await socket.presence.pushState(socket);
  },
});
