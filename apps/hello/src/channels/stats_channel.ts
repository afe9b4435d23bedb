import { defineChannel, error, ok } from "fenix";
import type { Stats } from "../stats.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StatsChannelOptions {
  /** `slow_ping` and `parallel_slow_ping` work (the book's 3 s). */
  slowPingMs?: number;
  /** `ping` sleeps a random 1..max ms (the book's 1000). */
  pingMaxMs?: number;
}

/**
 * The book's StatsChannel (chapter 6): `valid` joins and `invalid` is refused, each counted as
 * `channel_join` with a status tag; `ping` is timed as `stats_channel.ping`; `slow_ping` shows a
 * channel handling one message at a time, `parallel_slow_ping` the fix — a deferred reply.
 */
export function statsChannel(stats: Stats, options: StatsChannelOptions = {}) {
  const slowMs = options.slowPingMs ?? 3_000;
  const pingMax = options.pingMaxMs ?? 1_000;
  return defineChannel({
    name: "StatsChannel",
    join(topic) {
      if (topic === "valid") {
        stats.increment("channel_join", 1, { status: "success", channel: "StatsChannel" });
        return ok();
      }
      if (topic === "invalid") {
        stats.increment("channel_join", 1, { status: "fail", channel: "StatsChannel" });
        return error({ reason: "always fails" });
      }
      // No clause matches other topics in the book: the join crashes.
      throw new Error(`StatsChannel has no join for ${JSON.stringify(topic)}`);
    },
    handleIn: {
      ping: () => stats.measure("stats_channel.ping", () => sleep(1 + Math.floor(Math.random() * pingMax))).then(() => ok({ ping: "pong" })),
      // The channel's mailbox waits for this one: five of them take five times as long.
      slow_ping: () => sleep(slowMs).then(() => ok({ ping: "pong" })),
      // Answered later through the push's ref: the mailbox moves on at once.
      parallel_slow_ping(_payload, socket) {
        const ref = socket.ref();
        setTimeout(() => ref.reply(ok({ ping: "pong" })), slowMs);
      },
    },
  });
}
