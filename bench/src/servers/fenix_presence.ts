// The presence scenario's server: one Fenix node whose `presence:*` channel tracks every joiner
// under the `user` of its join payload, as a chat room's Presence does, with diff coalescing set
// by PRESENCE_COALESCE_MS (0: one presence_diff per join, Phoenix's behaviour).
import { Endpoint, createLogger, defineChannel, defineSocket, ok } from "fenix";

const env = process.env;
const PresenceChannel = defineChannel<{ user?: string }>({
  join(_topic, payload, socket) {
    socket.assign("user", String((payload as { user?: unknown }).user ?? ""));
    socket.send("after_join");
    return ok();
  },
  async handleInfo(_msg, socket) {
    await socket.presence.pushState(socket);
    socket.presence.track(socket, socket.assigns.user!, { online_at: Date.now() });
  },
});

const endpoint = new Endpoint({
  logger: createLogger({ name: "presence", level: "warn" }),
  connectRate: false,
  presence: { coalesceMs: Number(env.PRESENCE_COALESCE_MS ?? 0) },
});
endpoint.socket("/socket", defineSocket({ channels: [["presence:*", PresenceChannel]] }));
await endpoint.listen(Number(env.PORT ?? 4000));
endpoint.shutdownOnSignals({ windowMs: 200 });
