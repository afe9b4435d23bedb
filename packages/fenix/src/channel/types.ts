import type { Frame, Ref, SharedFrame } from "../protocol/message.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Serializer } from "../serializer/serializer.js";
import type { Logger } from "../util/log.js";
import type { Reply } from "./results.js";

export type Assigns = Record<string, any>;

/** A handle on one push, kept to reply later (Phoenix's `socket_ref`). */
export interface SocketRef {
  readonly topic: string;
  readonly ref: Ref;
  reply(reply: Reply): void;
}

export type TimerRef = { readonly __timer: true };

/** What a channel needs from the connection that hosts it (the socket layer implements it). */
export interface ChannelHost {
  readonly id: string | null;
  readonly transportName: string;
  readonly runtime: Runtime;
  readonly logger: Logger;
  readonly serializer: Serializer;
  /** The socket's name, for logs ("UserSocket"). */
  readonly socketName: string;
  write(frame: Frame): void;
  writeShared(frame: SharedFrame): void;
  /** The channel stops taking messages; the host forgets it (if it is still the one registered for its topic). */
  channelEnded(channel: ChannelProcess): void;
  /** The channel is gone: terminate ran and its last frame (phx_close/phx_error) is written. */
  channelGone(channel: ChannelProcess): void;
}

/** What a channel's socket (`ChannelSocket`) drives: one channel process. */
export interface ChannelProcess {
  readonly topic: string;
  /** The channel definition's name, for telemetry ("RoomChannel"). */
  readonly name: string;
  /** join_ref carried by replies and pushes. */
  readonly channelJoinRef: Ref;
  readonly conn: ChannelHost;
  push(event: string, payload: unknown): void;
  info(message: unknown): void;
  timer(message: unknown, ms: number, repeat: boolean): TimerRef;
  cancelTimer(timer: TimerRef): void;
  onEnd(callback: () => void): void;
  currentRef(): SocketRef;
}

/** `assign(key, value)` or `assign({...})`, shared by the connect-time and the channel socket. */
export function assignInto(assigns: Assigns, key: unknown, value?: unknown): void {
  if (typeof key === "object" && key !== null) Object.assign(assigns, key);
  else assigns[key as string] = value;
}
