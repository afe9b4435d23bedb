// The "logins" topic: a stream joins it, gets the list as its first event, then every change
// made after that list was read, exactly once.
import { defineChannel, ok } from "fenix";
import type { ChannelSocket } from "fenix";
import type { Change, UserStore } from "../user_store.js";

export const LOGINS_TOPIC = "logins";

interface Assigns {
  /** The version of the list this stream started from; changes up to it are in that list. */
  version?: number;
}

/**
 * The channel behind `GET /user-stream`.
 *
 * The list is read only after the stream has subscribed (a message to itself, after the join),
 * so no change can fall between the two; changes the list already holds are dropped by version.
 *
 * @example
 * defineSocket({ name: "LoginsSocket", channels: [[LOGINS_TOPIC, loginsChannel(store)]] });
 */
export function loginsChannel(store: UserStore) {
  const forward = (change: Change, socket: ChannelSocket<Assigns>) => {
    if (change.version > (socket.assigns.version ?? Number.POSITIVE_INFINITY)) socket.push(change.action, { action: change.action, user: change.user });
  };
  return defineChannel<Assigns>({
    name: "LoginsChannel",
    intercepts: ["add", "del"],
    join(_topic, _payload, socket) {
      socket.send("snapshot");
      return ok();
    },
    async handleInfo(message, socket) {
      if (message !== "snapshot") return;
      const { users, version } = await store.snapshot();
      socket.assign("version", version);
      socket.push("users", { users });
    },
    handleOut: {
      add: (payload, socket) => forward(payload as Change, socket),
      del: (payload, socket) => forward(payload as Change, socket),
    },
  });
}
