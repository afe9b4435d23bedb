// `GET /user-stream`: Fenix's SSE transport on a fixed route, always on the logins topic, writing
// the seed's wire format (unnamed `data:` events; the list first as `event: users`).
import { defineSocket, sse } from "fenix";
import type { SseOptions } from "fenix";
import { LOGINS_TOPIC, loginsChannel } from "../channels/logins_channel.js";
import type { UserStore } from "../user_store.js";

export const STREAM_PATH = "/user-stream";

type Encode = NonNullable<SseOptions["encode"]>;

/**
 * `{"users":[…]}` as `event: users`, each change as an unnamed event with exactly
 * `{"action":"add","user":"yay"}`; join replies and closes send nothing.
 *
 * @example
 * encodeLoginEvent({ kind: "event", topic: "logins", event: "add", payload: { action: "add", user: "yay" } });
 * // { data: '{"action":"add","user":"yay"}' }
 */
export const encodeLoginEvent: Encode = (message) => {
  if (message.kind !== "event") return null;
  const payload = message.payload as { users?: string[]; action?: string; user?: string };
  if (message.event === "users") return { event: "users", data: JSON.stringify({ users: payload.users }) };
  if (message.event === "add" || message.event === "del") return { data: JSON.stringify({ action: payload.action, user: payload.user }) };
  return null;
};

/** The socket mounted at `/user-stream`, with its transport. */
export function loginsSocket(store: UserStore, options: { keepAliveMs?: number } = {}) {
  return {
    socket: defineSocket({ name: "LoginsSocket", channels: [[LOGINS_TOPIC, loginsChannel(store)]] }),
    transports: [sse({ path: "", topics: [LOGINS_TOPIC], encode: encodeLoginEvent, keepAliveMs: options.keepAliveMs })],
  };
}
