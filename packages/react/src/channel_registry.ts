// One joined phoenix Channel per (socket, topic), shared by every component that asks for it.
// Why a registry: a phoenix Channel cannot rejoin after leave(), and a second `socket.channel(t)`
// joining the same topic makes phoenix leave the first. Components that mount, unmount and remount
// (StrictMode, route changes) would otherwise churn join/leave or kill each other's channel.
// Releases are deferred to the end of the current task so a release followed by an acquire of the
// same topic (StrictMode's double effects, Pings → Count) collapses into nothing on the wire; an
// acquire of a *different* topic flushes pending leaves first, so the old leave precedes the new join.
import { type Channel, Presence, type Socket } from "phoenix";

/** Where a shared channel is in its lifecycle, as the hooks report it. */
export type ChannelStatus = "idle" | "joining" | "joined" | "errored" | "closed";

type Listener = () => void;

/** A shared channel, its join state and the Presence that tracks it from before the join. */
export interface ChannelEntry {
  readonly topic: string;
  readonly channel: Channel;
  readonly presence: Presence;
  status: ChannelStatus;
  /** The last join reply (ok or error), replayed to late subscribers. */
  joinResponse: unknown;
  joinError: unknown;
  refs: number;
  /** Current join params, read by phoenix on every (re)join. */
  params: object;
  readonly statusListeners: Set<Listener>;
  readonly presenceListeners: Set<Listener>;
  /** Presence list snapshot; replaced (never mutated) on each sync so React sees a new value. */
  presenceList: PresenceEntry[];
}

/** One key of the synced presence list: phoenix.js `Presence.list()` with the key attached. */
export interface PresenceEntry<Meta = Record<string, unknown>> {
  key: string;
  metas: (Meta & { phx_ref: string })[];
}

interface SocketRegistry {
  readonly entries: Map<string, ChannelEntry>;
  readonly pending: Set<ChannelEntry>;
  flushTimer: ReturnType<typeof setTimeout> | null;
  /** Leaves sent and not yet answered: the socket closes only after them (or a short bound). */
  readonly leaving: Set<Promise<void>>;
}

const registries = new WeakMap<Socket, SocketRegistry>();
const byChannel = new WeakMap<Channel, ChannelEntry>();

function registryOf(socket: Socket): SocketRegistry {
  let registry = registries.get(socket);
  if (!registry) {
    registry = { entries: new Map(), pending: new Set(), flushTimer: null, leaving: new Set() };
    registries.set(socket, registry);
  }
  return registry;
}

function setStatus(entry: ChannelEntry, status: ChannelStatus): void {
  if (entry.status === status) return;
  entry.status = status;
  for (const listener of [...entry.statusListeners]) listener();
}

function createEntry(socket: Socket, topic: string, params: object): ChannelEntry {
  // phoenix reads a params function on every join and rejoin: the entry keeps the latest params.
  const channel = socket.channel(topic, () => entry.params);
  const presence = new Presence(channel);
  const entry: ChannelEntry = {
    topic,
    channel,
    presence,
    status: "joining",
    joinResponse: undefined,
    joinError: undefined,
    refs: 0,
    params,
    statusListeners: new Set(),
    presenceListeners: new Set(),
    presenceList: [],
  };
  presence.onSync(() => {
    entry.presenceList = presence.list((key, value: { metas: PresenceEntry["metas"] }) => ({ key, metas: value.metas }));
    for (const listener of [...entry.presenceListeners]) listener();
  });
  channel.onError(() => setStatus(entry, "errored"));
  // A closed channel cannot be joined again: forget it so the next acquire makes a new one. A
  // refused join stays "errored" after the leave that stops phoenix retrying it.
  channel.onClose(() => {
    const registry = registryOf(socket);
    if (registry.entries.get(topic) === entry) registry.entries.delete(topic);
    registry.pending.delete(entry);
    setStatus(entry, entry.joinError !== undefined ? "errored" : "closed");
  });
  // Join-push hooks fire again on every rejoin, so "joined" also follows a reconnect.
  channel
    .join()
    .receive("ok", (response) => {
      entry.joinResponse = response;
      entry.joinError = undefined;
      setStatus(entry, "joined");
    })
    .receive("error", (reason) => {
      entry.joinError = reason;
      setStatus(entry, "errored");
      // phoenix would retry a refused join forever; stop it. Remounting (or a new key) tries again.
      leaveNow(socket, entry);
    })
    .receive("timeout", () => setStatus(entry, "errored"));
  byChannel.set(channel, entry);
  return entry;
}

function leaveNow(socket: Socket, entry: ChannelEntry): void {
  const registry = registryOf(socket);
  registry.pending.delete(entry);
  if (registry.entries.get(entry.topic) === entry) registry.entries.delete(entry.topic);
  if (entry.channel.state === "closed" || entry.channel.state === "leaving") return;
  const push = entry.channel.leave();
  const answered = new Promise<void>((resolve) => {
    push
      .receive("ok", () => resolve())
      .receive("error", () => resolve())
      .receive("timeout", () => resolve());
  });
  registry.leaving.add(answered);
  void answered.then(() => registry.leaving.delete(answered));
}

function flush(socket: Socket): void {
  const registry = registryOf(socket);
  if (registry.flushTimer) clearTimeout(registry.flushTimer);
  registry.flushTimer = null;
  for (const entry of [...registry.pending]) if (entry.refs === 0) leaveNow(socket, entry);
  registry.pending.clear();
}

/**
 * Takes a reference to the shared channel for `topic` on `socket`, creating and joining it if
 * nobody holds it. Pending leaves of other topics go out first, so a topic change leaves before
 * it joins. Pair every call with {@link releaseChannel}.
 */
export function acquireChannel(socket: Socket, topic: string, params: object): ChannelEntry {
  const registry = registryOf(socket);
  let entry = registry.entries.get(topic);
  if (entry) registry.pending.delete(entry);
  flush(socket);
  if (!entry) {
    entry = createEntry(socket, topic, params);
    registry.entries.set(topic, entry);
  }
  entry.refs += 1;
  return entry;
}

/** Drops a reference; the last one leaves the channel at the end of the current task unless re-acquired. */
export function releaseChannel(socket: Socket, entry: ChannelEntry): void {
  entry.refs = Math.max(0, entry.refs - 1);
  if (entry.refs > 0) return;
  const registry = registryOf(socket);
  if (registry.entries.get(entry.topic) !== entry) return;
  registry.pending.add(entry);
  registry.flushTimer ??= setTimeout(() => flush(socket), 0);
}

/**
 * Leaves every channel of `socket` now, and resolves once the server answered every leave (at
 * most `boundMs` later): long-poll sends a leave in a POST that closing the socket would abort, so
 * the caller disconnects only after this.
 */
export function leaveAll(socket: Socket, boundMs = 2_000): Promise<void> {
  const registry = registries.get(socket);
  if (!registry) return Promise.resolve();
  flush(socket);
  for (const entry of [...registry.entries.values()]) leaveNow(socket, entry);
  if (registry.leaving.size === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, boundMs);
  });
  return Promise.race([Promise.all([...registry.leaving]).then(() => undefined), bound]).finally(() => clearTimeout(timer));
}

/** The registry entry of a channel acquired through {@link acquireChannel}, if any. */
export function entryOf(channel: Channel): ChannelEntry | undefined {
  return byChannel.get(channel);
}
