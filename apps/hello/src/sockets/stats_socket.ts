import { defineSocket } from "fenix";
import { type StatsChannelOptions, statsChannel } from "../channels/stats_channel.js";
import type { Stats } from "../stats.js";
import type { Piscina } from "piscina";

/** The book's StatsSocket: every topic goes to StatsChannel; each connect counts `socket_connect`. */
export function statsSocket(stats: Stats, options: StatsChannelOptions = {}, pool?: () => Piscina) {
  return defineSocket({
    name: "StatsSocket",
    channels: [["*", statsChannel(stats, options, pool)]],
    connect() {
      stats.increment("socket_connect", 1, { status: "success", socket: "StatsSocket" });
      return true;
    },
    id: () => null,
  });
}
