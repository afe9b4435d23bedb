// The frames a page puts on its /socket WebSockets, read from Chromium's own WebSocket events
// (playwright `page.on("websocket")`): what actually went over the wire, not what the hooks think.
import type { Page, WebSocket } from "playwright-core";

/** A V2 JSON frame: [joinRef, ref, topic, event, payload]. */
export type Frame = [string | null, string | null, string, string, any];

export interface RecordedSocket {
  url: string;
  sent: Frame[];
  received: Frame[];
  closed: boolean;
}

export interface Wire {
  sockets: RecordedSocket[];
  /** Sent frames of every socket except heartbeats, as "event topic", from mark `from` on. */
  sentSince(from: number): string[];
  /** A mark for {@link sentSince}: the number of non-heartbeat frames sent so far. */
  mark(): number;
  /** Payloads of `event` received on `topic`, over all sockets, in order. */
  received(topic: string, event: string): unknown[];
}

export function recordWire(page: Page): Wire {
  const sockets: RecordedSocket[] = [];
  const sent: string[] = [];
  page.on("websocket", (ws: WebSocket) => {
    if (!new URL(ws.url()).pathname.startsWith("/socket/")) return;
    const socket: RecordedSocket = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(socket);
    ws.on("framesent", ({ payload }) => {
      if (typeof payload !== "string") return;
      const frame = JSON.parse(payload) as Frame;
      socket.sent.push(frame);
      if (frame[2] !== "phoenix") sent.push(`${frame[3]} ${frame[2]}`);
    });
    ws.on("framereceived", ({ payload }) => {
      if (typeof payload === "string") socket.received.push(JSON.parse(payload) as Frame);
    });
    ws.on("close", () => {
      socket.closed = true;
    });
  });
  return {
    sockets,
    sentSince: (from) => sent.slice(from),
    mark: () => sent.length,
    received: (topic, event) => sockets.flatMap((s) => s.received.filter((f) => f[2] === topic && f[3] === event).map((f) => f[4])),
  };
}
