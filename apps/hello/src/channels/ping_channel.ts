import { defineChannel, error, noMatch, ok, stop } from "fenix";

/** The book's PingChannel (chapter 3): replies, noreply, stop, and an intercepted broadcast. */
export const PingChannel = defineChannel({
  name: "PingChannel",
  intercepts: ["request_ping"],

  join() {
    return ok();
  },

  handleIn(event, payload) {
    const map = payload !== null && typeof payload === "object" ? payload : {};
    switch (event) {
      case "ping":
        return "ack_phrase" in map ? ok({ ping: map.ack_phrase }) : ok({ ping: "pong" });
      case "pong":
        return; // never replies: the client's push times out
      case "ding":
        return stop("shutdown", ok({ msg: "shutting down" }));
      case "param_ping":
        return map.error === true ? error({ reason: "You asked for this!" }) : ok(payload);
    }
    if (event.startsWith("ping:")) return ok({ ping: event.slice("ping:".length) });
    // Any other event is Phoenix's "no matching clause": the channel crashes and the client rejoins.
    return noMatch("handleIn", event);
  },

  handleOut: {
    request_ping(payload, socket) {
      socket.push("send_ping", { ...payload, from_node: socket.nodeName });
    },
  },
});
