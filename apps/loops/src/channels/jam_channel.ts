// `jams:<id>`: a player is admitted by the balancer (seat and loop reserved atomically) before
// Presence ever sees them; a full jam refuses with the jam to join instead; whatever ends the
// channel frees the seat and the loop.
import { randomUUID } from "node:crypto";
import { defineChannel, error, ok } from "fenix";
import type { ChannelSocket } from "fenix";
import type { Balancer } from "../balancer/balancer.js";

export const JAM_TOPIC_PREFIX = "jams:";

/** Jam ids are uuids; anything of this shape is accepted so that a jam can be named in a link. */
const JAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The two loop events a client sends; each becomes `loop_event` in its presence meta. */
export const LOOP_EVENTS = { "loop:played": "played", "loop:stopped": "stopped" } as const;

export interface JamAssigns {
  user_id: string;
  jam_id?: string;
  loop_name?: string;
  /** This channel's claim on its seat: a rejoin's new channel takes it over, the old one then frees nothing. */
  seat_ref?: string;
}

/** The topic of a jam: `jamTopic("abc")` → `"jams:abc"`. */
export function jamTopic(jamId: string): string {
  return `${JAM_TOPIC_PREFIX}${jamId}`;
}

/**
 * The jam channel over a balancer.
 *
 * @example
 * defineSocket({ name: "UserSocket", channels: [["jams:*", jamChannel(new MemoryBalancer())]] });
 */
export function jamChannel(balancer: Balancer) {
  const notEchoed = (event: string) => (payload: { user_id?: string }, socket: ChannelSocket<JamAssigns>) => {
    if (payload.user_id !== socket.assigns.user_id) socket.push(event, payload);
  };

  return defineChannel<JamAssigns>({
    name: "JamChannel",
    intercepts: Object.keys(LOOP_EVENTS),

    async join(topic, _payload, socket) {
      const jamId = topic.slice(JAM_TOPIC_PREFIX.length);
      if (!JAM_ID.test(jamId)) return error({ reason: "a jam id is 1 to 64 letters, digits, - or _" });
      const userId = socket.assigns.user_id;
      const ref = randomUUID();
      let admission: Awaited<ReturnType<Balancer["admit"]>>;
      try {
        admission = await balancer.admit(jamId, userId, ref);
      } catch (err) {
        socket.logger.error({ err, topic }, `JamChannel: the balancer (${balancer.description}) failed to admit a player: ${(err as Error).message}`);
        return error({ reason: "the jam balancer is unavailable, try again" });
      }
      if (!admission.ok) return error({ new_topic: jamTopic(admission.newJamId) });
      socket.assign({ jam_id: jamId, loop_name: admission.loop, seat_ref: ref });
      socket.send("after_join");
      return ok({ user_id: userId });
    },

    async handleInfo(message, socket) {
      if (message !== "after_join") return;
      const { user_id, loop_name } = socket.assigns;
      socket.presence.track(socket, user_id, { user_id, loop_name });
      await socket.presence.pushState(socket);
    },

    // The payload's user_id is ignored: a client can only play or stop its own loop. No reply.
    handleIn(event, _payload, socket) {
      const loopEvent = LOOP_EVENTS[event as keyof typeof LOOP_EVENTS];
      if (!loopEvent) return error({ reason: `unknown event ${JSON.stringify(event)}; send loop:played or loop:stopped` });
      const { user_id, loop_name } = socket.assigns;
      socket.presence.update(socket, user_id, { user_id, loop_name, loop_event: loopEvent });
      void socket.broadcast(event, { user_id });
    },

    handleOut: {
      "loop:played": notEchoed("loop:played"),
      "loop:stopped": notEchoed("loop:stopped"),
    },

    async terminate(_reason, socket) {
      const { jam_id, user_id, seat_ref } = socket.assigns;
      if (jam_id === undefined || seat_ref === undefined) return;
      try {
        await balancer.leave(jam_id, user_id, seat_ref);
      } catch (err) {
        socket.logger.error({ err, topic: socket.topic }, `JamChannel: could not free a seat in ${balancer.description}: ${(err as Error).message}`);
      }
    },
  });
}
