import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Status texts for the answers transports give before (or instead of) a session. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** A plain-text answer; the body defaults to the status text. */
export function plain(res: ServerResponse, status: number, body?: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(body ?? STATUS_TEXT[status] ?? "");
}

/** Refuses an HTTP upgrade on the raw socket, before any WebSocket handshake. */
export function rejectUpgrade(socket: Duplex, status: number, body = "", headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}`, "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
