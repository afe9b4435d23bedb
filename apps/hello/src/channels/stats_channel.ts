import { defineChannel, error, ok } from "fenix";
import type { Piscina } from "piscina";
import { z } from "zod";
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
export function statsChannel(stats: Stats, options: StatsChannelOptions = {}, pool?: () => Piscina) {
  const slowMs = options.slowPingMs ?? 3_000;
  const pingMax = options.pingMaxMs ?? 1_000;
  return defineChannel({
    name: "StatsChannel",
    schemas: { hash: z.object({ ms: z.number().int().min(1).max(10_000) }) },
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
      // CPU-bound work for `ms` in the worker pool; answered when it is done, meanwhile the
      // channel, the socket's heartbeats and every other client are served as usual.
      hash(payload: { ms: number }, socket) {
        if (!pool) return error({ reason: "no worker pool" });
        const ref = socket.ref();
        pool()
          .run({ ms: payload.ms })
          .then(
            () => ref.reply(ok({ done: true })),
            (err: Error) => {
              socket.logger.error(`StatsChannel: hash failed in the worker pool: ${err.message}`);
              ref.reply(error({ reason: "hash failed" }));
            },
          );
      },
    },
  });
}
