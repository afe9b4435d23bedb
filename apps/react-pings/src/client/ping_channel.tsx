import { useChannel, useEvent } from "@fenix/react";
import { createContext, useContext, useEffect, useMemo, useRef } from "react";
import { Outlet } from "react-router";

/** A `ping` push from the server, or the `{pong}` reply to ours. */
export type PingData = Record<string, unknown>;

/** The book's PingChannel context: domain functions, not the Channel. */
export interface PingChannelApi {
  /** Calls `fn` with every ping; returns the unsubscribe function. */
  onPing(fn: (data: PingData) => void): () => void;
  /** Pushes `ping` and hands the ok reply to `fn`. */
  sendPing(fn: (reply: PingData) => void): void;
}

const PingChannelContext = createContext<PingChannelApi>({
  onPing: () => () => {},
  sendPing: () => console.error("Channel not connected"),
});

/**
 * Joins `topic` while mounted and offers `{onPing, sendPing}` to the routes below it. One
 * `channel.on("ping")` fans out to every subscriber.
 */
export function PingChannel({ topic }: { topic: string }) {
  const { channel, push } = useChannel(topic, {}, { onError: (reason) => console.error("PingChannel join failed", topic, reason) });
  // The book's debug lines: under StrictMode (development build) they show the double effects
  // that still make one join on the wire.
  useEffect(() => {
    console.debug("PingChannel mounted", topic);
    return () => console.debug("PingChannel unmounted", topic);
  }, [topic]);
  const subscribers = useRef(new Set<(data: PingData) => void>());
  useEvent(channel, "ping", (data: PingData) => {
    for (const fn of subscribers.current) fn(data);
  });
  const api = useMemo<PingChannelApi>(
    () => ({
      onPing(fn) {
        subscribers.current.add(fn);
        return () => subscribers.current.delete(fn);
      },
      sendPing(fn) {
        void push<PingData>("ping", {}).then(({ status, response }) => {
          if (status === "ok" && response) fn(response);
          else console.error(`Ping ${status}`, response);
        });
      },
    }),
    [push],
  );
  return (
    <PingChannelContext.Provider value={api}>
      <Outlet />
    </PingChannelContext.Provider>
  );
}

export function usePingChannel(): PingChannelApi {
  return useContext(PingChannelContext);
}
