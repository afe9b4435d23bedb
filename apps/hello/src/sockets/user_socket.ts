import { defineSocket } from "fenix";
import { DedupeChannel } from "../channels/dedupe_channel.js";
import { PingChannel } from "../channels/ping_channel.js";
import { WildcardChannel } from "../channels/wildcard_channel.js";

/** The book's UserSocket: anyone may connect; no socket id. */
export const UserSocket = defineSocket({
  name: "UserSocket",
  channels: [
    ["ping", PingChannel],
    ["ping:*", PingChannel],
    ["wild:*", WildcardChannel],
    ["dupe", DedupeChannel],
  ],
  connect: () => true,
  id: () => null,
});
