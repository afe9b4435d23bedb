import * as wsLib from "ws";
import type { WebSocket } from "ws";
import type { SharedFrame } from "../protocol/message.js";

/*
 * The fastlane: a broadcast is framed once and the same bytes are written to every subscriber.
 *
 * Framing uses ws's own public `Sender.frame` (exported by ws, though @types/ws doesn't declare
 * it), so the bytes are exactly what `ws.send` would produce. Writing them is another matter:
 * ws has no public API to write pre-framed bytes — `ws.send` always frames (copying and
 * re-framing per socket is what this module avoids). So Fenix reads ws private members:
 *   - `ws._sender.sendFrame(list)`: writes a framed list to the TCP socket;
 *   - `ws._sender._state` / `ws._sender._queue`: whether ws is busy (deflating, reading a
 *     Blob) or has queued frames — writing past them would reorder messages;
 *   - `ws._extensions`: permessage-deflate negotiated means raw frames (RSV1 clear) are not
 *     what ws would send, so such sockets take the normal `ws.send` path;
 *   - `ws._socket` (in websocket.ts): the TCP socket, corked for one event-loop turn.
 * That is why ws is pinned to an exact version in package.json: a ws upgrade must be checked
 * against these members, and ws_private.test.ts fails loudly if any disappears or changes type.
 * If `Sender.frame` or `sendFrame` is missing at runtime, `rawSender` returns null and every
 * socket falls back to `ws.send` (correct, just without the fastlane).
 */

interface SenderInternals {
  _state: number;
  _queue: unknown[];
  sendFrame(list: Buffer[], cb?: () => void): void;
}
interface WebSocketInternals {
  _sender?: SenderInternals | null; // null until ws's setSocket()
  _extensions?: Record<string, unknown>;
}

/** Options of ws's `Sender.frame` (node_modules/ws/lib/sender.js). */
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
interface SenderStatic {
  /** Returns `[header, data]`, or `[header]` for an empty payload (unmasked). */
  frame(data: Buffer, options: FrameOptions): Buffer[];
}

// The ESM entry (wrapper.mjs) exports `Sender`; the CJS entry hangs it on the WebSocket class.
const lib = wsLib as unknown as { Sender?: SenderStatic; default?: { Sender?: SenderStatic } };
const Sender: SenderStatic | undefined = lib.Sender ?? lib.default?.Sender;

/** Whether ws's `Sender.frame` is available (checked by `rawSender`). */
const canFrame = typeof Sender?.frame === "function";

// RFC 6455 §5.2, server side: a single final frame, no RSV bits (no deflate), never masked.
// readOnly: the payload may be the caller's bytes and must not be modified (moot unmasked).
const TEXT: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false };
const BINARY: FrameOptions = { fin: true, opcode: 0x2, mask: false, readOnly: true, rsv1: false };

function payload(data: SharedFrame["data"]): Buffer {
  if (typeof data === "string") return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  // A view, not a copy: the bytes are copied into the wire buffer right away.
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw new TypeError("a WebSocket frame's data must be a string or bytes");
}

/**
 * Frames a shared message once so a broadcast to N sockets costs N socket writes and no
 * per-socket framing — the point of Phoenix's fastlane. `Sender.frame` returns header and
 * payload separately; they are joined into one buffer here, once per broadcast, so each socket
 * gets a single write (ws's `sendFrame` of a two-element list corks and writes twice). The
 * result never aliases `frame.data`.
 */
export function buildWireFrame(frame: SharedFrame): Buffer {
  if (Sender === undefined) throw new Error("ws does not export Sender.frame; the fastlane is unavailable");
  const list = Sender.frame(payload(frame.data), frame.binary ? BINARY : TEXT);
  return list.length === 1 ? list[0] : Buffer.concat(list, list[0].length + list[1].length);
}

/**
 * The socket's sender, if pre-framed buffers may bypass ws's framing at all: only without
 * permessage-deflate (fixed once the handshake is done, so this is checked once per socket).
 */
export function rawSender(ws: WebSocket): RawSender | null {
  if (!canFrame) return null;
  const internals = ws as unknown as WebSocketInternals;
  const sender = internals._sender;
  if (sender === undefined || sender === null || typeof sender.sendFrame !== "function") return null;
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
