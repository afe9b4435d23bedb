import type { WebSocket } from "ws";
import type { SharedFrame } from "../protocol/message.js";

interface SenderInternals {
  _state: number;
  _queue: unknown[];
  sendFrame(list: Buffer[], cb?: () => void): void;
}
interface WebSocketInternals {
  _sender?: SenderInternals;
  _extensions?: Record<string, unknown>;
}

/**
 * Frames a shared message once (header + payload in one buffer) so a broadcast to N sockets
 * costs N socket writes and no per-socket framing — the point of Phoenix's fastlane.
 */
export function buildWireFrame(frame: SharedFrame): Buffer {
  const data = typeof frame.data === "string" ? Buffer.from(frame.data) : Buffer.from(frame.data as Uint8Array);
  // RFC 6455 §5.2, server side: FIN set, no RSV bits, never masked.
  const length = data.length;
  const headerSize = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerSize + length);
  wire[0] = 0x80 | (frame.binary ? 0x2 : 0x1);
  if (length < 126) {
    wire[1] = length;
  } else if (length < 65536) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeBigUInt64BE(BigInt(length), 2);
  }
  data.copy(wire, headerSize);
  return wire;
}

/**
 * The socket's sender, if pre-framed buffers may bypass ws's framing at all: only without
 * permessage-deflate (fixed once the handshake is done, so this is checked once per socket).
 */
export function rawSender(ws: WebSocket): RawSender | null {
  const internals = ws as unknown as WebSocketInternals;
  const sender = internals._sender;
  if (sender === undefined || typeof sender.sendFrame !== "function") return null;
  if (internals._extensions !== undefined && Object.keys(internals._extensions).length > 0) return null;
  return sender;
}

export type RawSender = SenderInternals;

/** Whether a pre-framed buffer can be written now: open, and nothing queued in ws's sender (order). */
export function readyForRaw(ws: WebSocket, sender: RawSender): boolean {
  return ws.readyState === 1 && sender._state === 0 && sender._queue.length === 0;
}

/** Both checks at once (tests and one-off callers). */
export function canWriteRaw(ws: WebSocket): boolean {
  const sender = rawSender(ws);
  return sender !== null && readyForRaw(ws, sender);
}

export function writeRaw(ws: WebSocket, wire: Buffer): void {
  (ws as unknown as WebSocketInternals)._sender?.sendFrame([wire]);
}
