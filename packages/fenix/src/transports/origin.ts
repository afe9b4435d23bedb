import type { IncomingMessage } from "node:http";

/**
 * `true`: the Origin's host must be the endpoint's host (or the request's own Host);
 * a list: `"//example.com"`, `"https://*.example.com"`, `"//host:81"`; a function decides;
 * `false`: no check. Requests without an Origin header (non-browser clients) always pass.
 */
export type CheckOrigin = boolean | readonly string[] | ((origin: URL, req: IncomingMessage) => boolean);

interface AllowedOrigin {
  scheme: string | null;
  host: string;
  port: number | null;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };
const ORIGIN_PATTERN = /^(?:([a-z][a-z0-9+.-]*):)?\/\/([^:/]+)(?::(\d+))?\/?$/i;

export function parseAllowedOrigin(entry: string): AllowedOrigin {
  const m = ORIGIN_PATTERN.exec(entry);
  if (!m) throw new Error(`invalid checkOrigin entry ${JSON.stringify(entry)}: expected "//host", "scheme://host" or "//host:port"`);
  const scheme = m[1]?.toLowerCase() ?? null;
  const port = m[3] !== undefined ? Number(m[3]) : scheme ? (DEFAULT_PORTS[scheme] ?? null) : null;
  return { scheme, host: m[2].toLowerCase(), port };
}

function hostMatches(allowed: string, host: string): boolean {
  if (allowed.startsWith("*.")) {
    const base = allowed.slice(2);
    return host === base || host.endsWith(`.${base}`);
  }
  return allowed === host;
}

/** Compiles the option once per transport so each upgrade only compares strings. */
export function compileOriginCheck(option: CheckOrigin, host?: string): (origin: string | undefined, req: IncomingMessage) => boolean {
  if (option === false) return () => true;
  const allowed = Array.isArray(option) ? (option as readonly string[]).map(parseAllowedOrigin) : null;
  return (origin, req) => {
    if (origin === undefined) return true;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    // A function decides even for opaque origins such as "null" (sandboxed frames, file pages).
    if (typeof option === "function") return option(url ?? new URL("null:"), req);
    if (url === undefined) return false;
    const originHost = url.hostname.toLowerCase();
    if (!originHost) return false;
    if (allowed === null) {
      const own = host ?? requestHost(req);
      return own !== undefined && originHost === own;
    }
    const scheme = url.protocol.replace(/:$/, "").toLowerCase();
    const port = url.port ? Number(url.port) : (DEFAULT_PORTS[scheme] ?? null);
    return allowed.some((a) => (a.scheme === null || a.scheme === scheme) && hostMatches(a.host, originHost) && (a.port === null || a.port === port));
  };
}

function requestHost(req: IncomingMessage): string | undefined {
  const header = req.headers.host;
  if (!header) return undefined;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
