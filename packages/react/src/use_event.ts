import type { Channel } from "phoenix";
import { useRef } from "react";
import { useIsomorphicLayoutEffect } from "./layout_effect.js";

/**
 * Calls `handler` for every `event` the server pushes on `channel`. The binding is made once per
 * (channel, event) and removed with `channel.off(event, ref)` on cleanup; a re-render with a new
 * handler does not re-subscribe, and the newest handler is the one called.
 *
 * @example
 * const { channel } = useChannel("room:lobby");
 * useEvent(channel, "new_msg", (msg: { body: string }) => setMessages((m) => [msg.body, ...m]));
 */
export function useEvent<Payload = any>(channel: Channel | null, event: string, handler: (payload: Payload) => void): void {
  const latest = useRef(handler);
  useIsomorphicLayoutEffect(() => {
    latest.current = handler;
  });
  useIsomorphicLayoutEffect(() => {
    if (!channel) return;
    const ref = channel.on(event, (payload) => latest.current(payload as Payload));
    return () => channel.off(event, ref);
  }, [channel, event]);
}
