import type { Channel } from "phoenix";
import { useCallback, useRef, useState } from "react";
import { type ChannelEntry, type ChannelStatus, acquireChannel, releaseChannel } from "./channel_registry.js";
import { useIsomorphicLayoutEffect } from "./layout_effect.js";
import { type PushResult, pushTo } from "./push.js";
import { useSocket } from "./socket_provider.js";

/** Callbacks of {@link useChannel}; the latest ones passed are always the ones called. */
export interface UseChannelOptions<JoinResponse = unknown> {
  /** The join succeeded (again after every rejoin; at once when the shared channel already was joined). */
  onJoin?: (response: JoinResponse, channel: Channel) => void;
  /** The join was refused (`reason` is the server's response), or the joined channel errored. */
  onError?: (reason: unknown, channel: Channel) => void;
}

/** What {@link useChannel} returns. */
export interface ChannelHandle {
  /** The phoenix Channel, `null` while there is no socket (or no topic). */
  channel: Channel | null;
  status: ChannelStatus;
  /** Pushes an event and resolves with the reply; see {@link pushTo}. */
  push: <Response = unknown>(event: string, payload?: object, timeout?: number) => Promise<PushResult<Response>>;
}

interface Snapshot {
  entry: ChannelEntry | null;
  status: ChannelStatus;
}

const IDLE: Snapshot = { entry: null, status: "idle" };

/**
 * Joins `topic` on the socket of the nearest `SocketProvider` while the component is mounted, and
 * leaves it when unmounted. Components using the same topic under one provider share one channel
 * (reference-counted), so moving between them neither leaves nor rejoins, and StrictMode's double
 * effects make one join. A new `topic` leaves the old one (its leave goes out first) and joins the
 * new one. `null` as topic joins nothing. A refused join ends in `status: "errored"` and is not
 * retried until the component remounts.
 *
 * @example
 * const { channel, status, push } = useChannel("room:lobby", { token }, { onJoin: (r) => setWelcome(r) });
 * useEvent(channel, "new_msg", (msg) => setMessages((m) => [...m, msg]));
 * <button disabled={status !== "joined"} onClick={() => push("new_msg", { body })}>Send</button>
 */
export function useChannel<JoinResponse = unknown>(topic: string | null, params?: object, options: UseChannelOptions<JoinResponse> = {}): ChannelHandle {
  const socket = useSocket();
  const [snapshot, setSnapshot] = useState<Snapshot>(IDLE);
  const latest = useRef({ params, options });
  useIsomorphicLayoutEffect(() => {
    latest.current = { params, options };
  });

  useIsomorphicLayoutEffect(() => {
    if (!socket || topic === null) {
      setSnapshot(IDLE);
      return;
    }
    const entry = acquireChannel(socket, topic, latest.current.params ?? {});
    let seen: ChannelStatus | null = null;
    const update = () => {
      const status = entry.status;
      setSnapshot({ entry, status });
      if (status === seen) return;
      seen = status;
      const { onJoin, onError } = latest.current.options;
      if (status === "joined") onJoin?.(entry.joinResponse as JoinResponse, entry.channel);
      else if (status === "errored") onError?.(entry.joinError, entry.channel);
    };
    entry.statusListeners.add(update);
    update();
    return () => {
      entry.statusListeners.delete(update);
      releaseChannel(socket, entry);
    };
  }, [socket, topic]);

  const entry = snapshot.entry && snapshot.entry.topic === topic ? snapshot.entry : null;
  const channel = entry?.channel ?? null;
  const push = useCallback(
    <Response = unknown>(event: string, payload?: object, timeout?: number) => pushTo<Response>(channel, event, payload, timeout),
    [channel],
  );
  return { channel, status: entry ? snapshot.status : "idle", push };
}
