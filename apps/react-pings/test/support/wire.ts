// What a page sends and receives on its /socket WebSockets, recorded from Chromium's own
// WebSocket events (playwright `page.on("websocket")`): the frames on the wire.
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
  /** Every sent frame of every socket except heartbeats, as "event topic", from index `from` on. */
  sentSince(mark: number): string[];
  /** A mark for {@link sentSince}: the number of non-heartbeat frames sent so far. */
  mark(): number;
  /** `ping` pushes received (payloads), over all sockets, in order. */
  pings(topic?: string): unknown[];
}

export function recordWire(page: Page): Wire {
  const sockets: RecordedSocket[] = [];
  const sentLog: string[] = [];
  page.on("websocket", (ws: WebSocket) => {
    if (!new URL(ws.url()).pathname.startsWith("/socket/")) return; // Vite's HMR socket is not the app's
    const socket: RecordedSocket = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(socket);
    ws.on("framesent", ({ payload }) => {
      if (typeof payload !== "string") return;
      const frame = JSON.parse(payload) as Frame;
      socket.sent.push(frame);
      if (frame[2] !== "phoenix") sentLog.push(`${frame[3]} ${frame[2]}`);
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
    sentSince: (mark) => sentLog.slice(mark),
    mark: () => sentLog.length,
    pings: (topic) => sockets.flatMap((s) => s.received.filter((f) => f[3] === "ping" && (!topic || f[2] === topic)).map((f) => f[4])),
  };
}
