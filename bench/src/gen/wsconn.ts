// A bare WebSocket client connection: the HTTP upgrade through node:http, then a frame parser
// written for what the servers under test send (unfragmented text frames, pings, close). With the
// `ws` client's Receiver stream the generator spent about as much CPU per delivery as the server
// under test, so fanout figures were generator-bound; this one costs a fraction of that.
import { randomBytes } from "node:crypto";
import { type Socket, connect } from "node:net";

export interface ConnOptions {
  port: number;
  path: string;
  localAddress: string;
  timeoutMs: number;
}

const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const EMPTY = Buffer.alloc(0);
const HEADERS_END = Buffer.from("\r\n\r\n");

export class WsConn {
  private pending: Buffer = EMPTY;
  private closed = false;
  private reason = "socket closed";

  private constructor(
    private readonly socket: Socket,
    /** Called with each text or binary frame's payload, a view valid only during the call. */
    private readonly onMessage: (payload: Buffer) => void,
    private readonly onClose: (reason: string) => void,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (err) => this.end(err.message));
    socket.on("close", () => this.end(this.reason));
  }

  /**
   * Connects and upgrades by hand: one write of the request, one scan for the end of the 101's
   * headers. node:http's client costs several times more CPU per handshake, which made the join
   * figures generator-bound.
   */
  static open(opts: ConnOptions, onMessage: (payload: Buffer) => void, onClose: (reason: string) => void): Promise<WsConn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: opts.port, localAddress: opts.localAddress });
      let head: Buffer = EMPTY;
      const fail = (err: Error) => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onError = (err: Error) => fail(err);
      const onEnd = () => fail(new Error("connection closed during the handshake"));
      const onData = (chunk: Buffer) => {
        head = head.length > 0 ? Buffer.concat([head, chunk]) : chunk;
        const end = head.indexOf(HEADERS_END);
        if (end < 0) {
          if (head.length > 16_384) fail(new Error("handshake response too large"));
          return;
        }
        // "HTTP/1.1 101 …": the status code is at bytes 9..11. Sec-WebSocket-Accept is not
        // checked: the peer is our own server under test.
        const status = head.toString("latin1", 9, 12);
        if (status !== "101") {
          fail(new Error(`handshake refused: HTTP ${status}`));
          return;
        }
        cleanup();
        const conn = new WsConn(socket, onMessage, onClose);
        resolve(conn);
        // Frames that came with the 101 (engine.io's open packet does) are parsed once the
        // caller holds the connection and can answer them; later socket data comes later still.
        const rest = head.subarray(end + HEADERS_END.length);
        if (rest.length > 0) setImmediate(() => conn.receive(rest));
      };
      const timer = setTimeout(() => fail(new Error(`handshake timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("error", onError);
        socket.off("end", onEnd);
      };
      socket.on("data", onData);
      socket.on("error", onError);
      socket.on("end", onEnd);
      const key = randomBytes(16).toString("base64");
      socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: 127.0.0.1:${opts.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
      );
    });
  }

  /** Sends a text frame. Client frames must be masked; an all-zero key keeps the payload as is. */
  send(text: string): void {
    if (this.closed) return;
    const len = Buffer.byteLength(text);
    const head = len < 126 ? 6 : len < 65536 ? 8 : 14;
    const frame = Buffer.allocUnsafe(head + len);
    frame[0] = 0x80 | OP_TEXT;
    if (len < 126) {
      frame[1] = 0x80 | len;
    } else if (len < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(len, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(len, 6);
    }
    frame.writeUInt32BE(0, head - 4); // the mask key
    frame.write(text, head, "utf8");
    this.socket.write(frame);
  }

  ping(): void {
    this.control(OP_PING, EMPTY);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private control(op: number, payload: Buffer): void {
    if (this.closed || payload.length > 125) return;
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | op;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket.write(frame);
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(reason);
  }

  /** Parses as many whole frames as `chunk` (after any leftover) holds; keeps the rest. */
  private receive(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 2) {
      const b0 = buf[at];
      const b1 = buf[at + 1];
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - at < 10) break;
        len = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
        head = 10;
      }
      if (b1 & 0x80) {
        this.end("protocol error: masked frame from the server");
        return;
      }
      if (buf.length - at < head + len) break;
      const payload = buf.subarray(at + head, at + head + len);
      at += head + len;
      const op = b0 & 0x0f;
      if (op === OP_TEXT || op === OP_BINARY) this.onMessage(payload);
      else if (op === OP_PING) this.control(0xa, Buffer.from(payload));
      else if (op === OP_CLOSE) {
        // Answer and let the server close TCP first (RFC 6455 §7.1.1): TIME_WAIT then stays on
        // the server's port instead of filling our source addresses' ports, where it makes
        // every later bind() scan longer (seen: 80 % of the generator core in the kernel).
        this.reason = `closed by the server (${len >= 2 ? payload.readUInt16BE(0) : "no code"})`;
        this.control(OP_CLOSE, Buffer.from(payload.subarray(0, Math.min(2, len))));
        setTimeout(() => this.socket.destroy(), 5000).unref();
        return;
      }
      // Pongs and (never sent by these servers) continuation frames are ignored.
    }
    // A copy, so a few leftover bytes do not pin a whole 64 KB read buffer.
    this.pending = at === buf.length ? EMPTY : Buffer.from(buf.subarray(at));
  }
}
