import { defineChannel, noMatch } from "fenix";
import type { Endpoint } from "fenix";

export interface DedupeAssigns {
  buffer?: unknown[];
  awaiting_buffer?: boolean;
}

/** The flush window; the book uses one second. */
export const DEDUPE_WINDOW_MS = 1_000;

/**
 * The book's DedupeChannel: intercepted `number` broadcasts are buffered (newest first) and,
 * one second after the first of a window, pushed once per distinct value in first-seen order.
 */
export const DedupeChannel = defineChannel<DedupeAssigns>({
  name: "DedupeChannel",
  intercepts: ["number"],

  handleOut: {
    number(payload, socket) {
      if (payload === null || typeof payload !== "object" || !("number" in payload)) noMatch("handleOut", "number");
      // Newest first, as the book's list prepend keeps it.
      const buffer = socket.assigns.buffer ?? [];
      buffer.unshift(payload.number);
      socket.assign("buffer", buffer);
      if (!socket.assigns.awaiting_buffer) {
        socket.sendAfter("send_buffer", DEDUPE_WINDOW_MS);
        socket.assign("awaiting_buffer", true);
      }
    },
  },

  handleInfo(message, socket) {
    if (message !== "send_buffer") return noMatch("handleInfo", String(message));
    const seen = new Set<string>();
    for (const value of [...(socket.assigns.buffer ?? [])].reverse()) {
      const key = JSON.stringify(value);
      if (seen.has(key)) continue;
      seen.add(key);
      socket.push("number", { value });
    }
    socket.assign({ buffer: [], awaiting_buffer: false });
  },
});

/** `DedupeChannel.broadcast([1, 2, 3], 100)` from the book: `times` rounds of every number. */
export async function broadcastNumbers(endpoint: Endpoint, numbers: readonly number[], times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    for (const number of numbers) await endpoint.broadcast("dupe", "number", { number });
  }
}
