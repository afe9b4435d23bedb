import type { IncomingMessage } from "node:http";
import qs from "qs";
import type { ConnectInfo } from "../socket/handler.js";

/** Plug-style query params: `a[b]=1` → `{a: {b: "1"}}`, `k[0]=x` → `{k: {"0": "x"}}`. */
export function parseQuery(search: string): Record<string, any> {
  return qs.parse(search.startsWith("?") ? search.slice(1) : search, { depth: 5, parseArrays: false, parameterLimit: 200, duplicates: "last" }) as Record<
    string,
    any
  >;
}

export function connectInfo(req: IncomingMessage, transport: string, uri: URL, authToken?: string): ConnectInfo {
  const xHeaders: Record<string, string> = {};
  const traceContextHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== "string") continue;
    if (name.startsWith("x-")) xHeaders[name] = value;
    if (name === "traceparent" || name === "tracestate") traceContextHeaders[name] = value;
  }
  return {
    transport,
    peer: { address: req.socket.remoteAddress, port: req.socket.remotePort },
    uri,
    userAgent: req.headers["user-agent"],
    xHeaders,
    traceContextHeaders,
    authToken,
    headers: req.headers,
  };
}

const SECRET = /token|password|secret/i;

/** Connect params as they may appear in logs. */
export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = SECRET.test(key) ? "[FILTERED]" : value;
  return out;
}
