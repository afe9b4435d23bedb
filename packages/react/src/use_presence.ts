import { type Channel, Presence } from "phoenix";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { type PresenceEntry, entryOf } from "./channel_registry.js";

const EMPTY: PresenceEntry<never>[] = [];
const noop = () => () => {};

/**
 * The synced presence list of `channel` (phoenix.js `Presence` fed by `presence_state` and
 * `presence_diff`), one `{key, metas}` per key, re-rendering on every sync. Channels from
 * {@link useChannel} track presence from before their join, so no early state is missed.
 *
 * @example
 * const { channel } = useChannel("room:lobby");
 * const online = usePresence<{ name: string }>(channel);
 * <ul>{online.map((p) => <li key={p.key}>{p.metas[0].name}</li>)}</ul>
 */
export function usePresence<Meta = Record<string, unknown>>(channel: Channel | null): PresenceEntry<Meta>[] {
  const entry = channel ? entryOf(channel) : undefined;
  const subscribe = useCallback(
    (listener: () => void) => {
      if (!entry) return noop();
      entry.presenceListeners.add(listener);
      return () => entry.presenceListeners.delete(listener);
    },
    [entry],
  );
  const shared = useSyncExternalStore(
    subscribe,
    () => (entry ? entry.presenceList : EMPTY),
    () => EMPTY,
  ) as PresenceEntry<Meta>[];
  const own = useOwnPresence<Meta>(entry ? null : channel);
  return entry ? shared : own;
}

// A channel made outside the registry: follow it with a Presence of our own while mounted. It only
// sees state arriving after this effect, so join such channels after mounting the component.
function useOwnPresence<Meta>(channel: Channel | null): PresenceEntry<Meta>[] {
  const [list, setList] = useState<PresenceEntry<Meta>[]>(EMPTY);
  useEffect(() => {
    if (!channel) return;
    const bindings: [string, number][] = [];
    // Presence only calls on() and joinRef(); recording the bindings lets cleanup remove them.
    const facade = {
      on: (event: string, callback: (payload: unknown) => void) => {
        const ref = channel.on(event, callback);
        bindings.push([event, ref]);
        return ref;
      },
      joinRef: () => (channel as unknown as { joinRef(): string }).joinRef(),
    } as unknown as Channel;
    const presence = new Presence(facade);
    presence.onSync(() => setList(presence.list((key, value: { metas: PresenceEntry<Meta>["metas"] }) => ({ key, metas: value.metas }))));
    return () => {
      for (const [event, ref] of bindings) channel.off(event, ref);
      setList(EMPTY);
    };
  }, [channel]);
  return list;
}
