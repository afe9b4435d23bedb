// Server-Sent Events helpers for the hello tests: an `eventsource` (npm) client that records what
// it receives, and a small app whose `news:*` topics keep a history, for Last-Event-ID recovery.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, ok, sse } from "fenix";
import { EventSource } from "eventsource";

export interface Received {
  type: string;
  /** `data` parsed as JSON. */
  data: any;
  lastEventId: string;
}

export interface Listener {
  source: EventSource;
  events: Received[];
  opens: number;
  errors: number;
  of(type: string): Received[];
}

/** Opens an EventSource on `url` and records every event of `types` (and opens/errors). */
export function listen(url: string, types: readonly string[]): Listener {
  const source = new EventSource(url);
  const listener: Listener = {
    source,
    events: [],
    opens: 0,
    errors: 0,
    of: (type) => listener.events.filter((e) => e.type === type),
  };
  source.addEventListener("open", () => {
    listener.opens++;
  });
  source.addEventListener("error", () => {
    listener.errors++;
  });
  for (const type of types) {
    source.addEventListener(type, (event: MessageEvent) => {
      listener.events.push({ type, data: JSON.parse(event.data), lastEventId: event.lastEventId });
    });
  }
  return listener;
}

/** An HTML page served on the app's origin, for browser tests. */
export const BLANK_PAGE = "<!doctype html><meta charset=utf-8><title>sse</title><p>sse test page</p>";

export interface HistoryApp {
  endpoint: Endpoint;
  base: string;
  /** The Last-Event-ID header (or undefined) of every connect, in order. */
  lastEventIds: (string | undefined)[];
  stop(): Promise<void>;
}

/**
 * `/socket` with `news:*` keeping a history (SSE only, retry `retryMs`); connections are named
 * `reader:<params.reader>` so `endpoint.broadcast("reader:x", "disconnect", {})` cuts them off.
 * Every other request gets a blank HTML page.
 */
export async function startHistoryApp(retryMs = 200): Promise<HistoryApp> {
  const lastEventIds: (string | undefined)[] = [];
  const NewsChannel = defineChannel({ name: "NewsChannel", join: () => ok() });
  const ReaderSocket = defineSocket<{ reader: string }>({
    name: "ReaderSocket",
    channels: [["news:*", NewsChannel, { history: { size: 100 } }]],
    connect(params, socket, info) {
      const header = info.headers["last-event-id"];
      lastEventIds.push(typeof header === "string" ? header : undefined);
      socket.assign("reader", String(params.reader ?? "anon"));
    },
    id: (socket) => `reader:${socket.assigns.reader}`,
  });
  const endpoint = new Endpoint({
    logger: createLogger({ level: "silent" }),
    handler: (_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(BLANK_PAGE),
  });
  endpoint.socket("/socket", ReaderSocket, { transports: [sse({ retryMs })] });
  const server = await endpoint.listen(0, "127.0.0.1");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, base, lastEventIds, stop: () => endpoint.close() };
}
