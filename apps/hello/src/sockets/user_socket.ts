import { defineSocket } from "fenix";
import type { ConnectionLimits } from "fenix";
import { BenchChannel } from "../channels/bench_channel.js";
import { DedupeChannel } from "../channels/dedupe_channel.js";
import { PingChannel } from "../channels/ping_channel.js";
import { RoomChannel } from "../channels/room_channel.js";
import { WildcardChannel } from "../channels/wildcard_channel.js";

/**
 * The book's UserSocket: anyone may connect; no socket id. The chat rooms (`room:*`) take the
 * user's name from the `user` connect param.
 */
export function userSocket(limits?: ConnectionLimits) {
  return defineSocket<{ user?: string }>({
    name: "UserSocket",
    limits,
    channels: [
      ["ping", PingChannel],
      ["ping:*", PingChannel],
      ["wild:*", WildcardChannel],
      ["dupe", DedupeChannel],
      // Rooms keep their last 100 messages for 5 minutes: a client that rejoins with
      // `recover: {epoch, offset}` gets what it missed.
      ["room:*", RoomChannel, { history: { size: 100, ttlMs: 300_000 } }],
      ["bench:*", BenchChannel],
    ],
    connect(params, socket) {
      if (typeof params.user === "string" && params.user !== "") socket.assign("user", params.user);
      return true;
    },
    id: () => null,
  });
}

export const UserSocket = userSocket();
