import type { IncomingMessage } from "node:http";
import qs from "qs";
import type { ConnectInfo } from "../socket/definition.js";

/** Plug-style query params: `a[b]=1` → `{a: {b: "1"}}`, `k[0]=x` → `{k: {"0": "x"}}`. */
export function parseQuery(search: string): Record<string, any> {
  // The common case (`?vsn=2.0.0&token=…`) has no brackets: the native parser is several times faster.
  if (!search.includes("[") && !/%5b/i.test(search)) {
    const out: Record<string, string> = {};
    let count = 0;
    for (const [key, value] of new URLSearchParams(search)) {
      if (++count > 200) break;
      if (key === "__proto__") continue;
      out[key] = value;
    }
    return out;
  }
  return qs.parse(search.startsWith("?") ? search.slice(1) : search, { depth: 5, parseArrays: false, parameterLimit: 200, duplicates: "last" }) as Record<
    string,
    any
  >;
}

function headersWhere(req: IncomingMessage, keep: (name: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && keep(name)) out[name] = value;
  return out;
}

/** Built lazily: most `connect` callbacks read none of it, and a connect storm should not pay for it. */
export function connectInfo(req: IncomingMessage, transport: string, uri: URL, authToken?: string): ConnectInfo {
  let xHeaders: Record<string, string> | undefined;
  let traceContextHeaders: Record<string, string> | undefined;
  return {
    transport,
    get peer() {
      return { address: req.socket.remoteAddress, port: req.socket.remotePort };
    },
    uri,
    userAgent: req.headers["user-agent"],
    get xHeaders() {
      xHeaders ??= headersWhere(req, (name) => name.startsWith("x-"));
      return xHeaders;
    },
    get traceContextHeaders() {
      traceContextHeaders ??= headersWhere(req, (name) => name === "traceparent" || name === "tracestate");
      return traceContextHeaders;
    },
    authToken,
    headers: req.headers,
  };
}
