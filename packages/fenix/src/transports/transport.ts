import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Frame, SharedFrame } from "../serializer/types.js";

/**
 * What a socket needs from a transport: a way to write frames and to close. WebSocket,
 * long-poll and SSE sessions implement it; the socket layer does not know which one it has.
 */
export interface TransportSession {
  readonly name: string;
  send(frame: Frame): void;
  /** Writes a frame shared by many connections; the transport may cache its wire form on it. */
  sendShared(frame: SharedFrame): void;
  close(code: number, reason?: string): void;
}

/** Close codes the server uses. Never 1000 when it wants the client back (phoenix.js ≤ 1.8.15 would not reconnect). */
export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  /** The client stopped reading: its outbound buffer passed the transport's bound. */
  SLOW_CONSUMER: 4008,
} as const;

/** A transport served at a path under a socket mount (e.g. `/socket/websocket`, `/socket/longpoll`). */
export interface HttpTransport {
  readonly name: string;
  handleRequest(req: IncomingMessage, res: ServerResponse, pathParams: Record<string, string>): Promise<void>;
  /** Only transports that accept HTTP upgrades implement this. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, pathParams: Record<string, string>): Promise<void>;
  close(): void;
}
