import { randomUUID } from "node:crypto";
import { defineSocket } from "fenix";
import type { Balancer } from "../balancer/balancer.js";
import { jamChannel } from "../channels/jam_channel.js";
import type { JamAssigns } from "../channels/jam_channel.js";

/** Where the socket is mounted: the browser connects to `ws://host/socket/websocket`. */
export const SOCKET_PATH = "/socket";

/**
 * Every connection is a new player: a fresh uuid `user_id`, copied into each jam it joins.
 *
 * @example
 * endpoint.socket(SOCKET_PATH, userSocket(balancer), { transports: [websocket({ timeout: 45_000 })] });
 */
export function userSocket(balancer: Balancer) {
  return defineSocket<JamAssigns>({
    name: "UserSocket",
    channels: [["jams:*", jamChannel(balancer)]],
    connect(_params, socket) {
      socket.assign("user_id", randomUUID());
    },
  });
}
