import type { Frame, SharedFrame } from "../protocol/message.js";

/**
 * What a connection needs from its transport: a way to write frames and to close. WebSocket,
 * long-poll and SSE sessions implement it; the socket layer does not know which one it has.
 */
export interface TransportSession {
  /** The transport's name, as `socket.transport` and `connectInfo.transport` show it. */
  readonly name: string;
  send(frame: Frame): void;
  /** Writes a frame shared by many connections; the transport may cache its wire form on it (`frame.wire`). */
  sendShared(frame: SharedFrame): void;
  close(code: number, reason?: string): void;
  /** Bytes written but not yet taken by the client (for the observer); absent when unknown. */
  bufferedBytes?(): number;
}
