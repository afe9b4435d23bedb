// @fenix/react: React hooks for Fenix (and Phoenix) channels on the official phoenix client.
export { SocketContext, SocketProvider, useSocket } from "./socket_provider.js";
export type { SocketProviderProps } from "./socket_provider.js";
export { useChannel } from "./use_channel.js";
export type { ChannelHandle, UseChannelOptions } from "./use_channel.js";
export { useEvent } from "./use_event.js";
export { usePush } from "./use_push.js";
export type { PushFn, PushState } from "./use_push.js";
export { usePresence } from "./use_presence.js";
export { pushTo } from "./push.js";
export type { PushResult } from "./push.js";
export type { ChannelStatus, PresenceEntry } from "./channel_registry.js";
