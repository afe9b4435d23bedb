import type { IncomingMessage } from "node:http";
import type { Transport } from "../transports/transport.js";

interface Route {
  segments: string[];
  transport: Transport;
}

export function splitPath(path: string): string[] {
  return path.split("/").filter(Boolean);
}

export function joinPath(...parts: string[]): string {
  return `/${parts.flatMap(splitPath).join("/")}`;
}

function matchRoute(segments: string[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.startsWith(":")) params[seg.slice(1)] = decodeURIComponent(parts[i]);
    else if (seg !== parts[i]) return null;
  }
  return params;
}

/** Transport routes: `<mount><transport path>`, `:name` segments becoming path params. */
export class Routes {
  private readonly routes: Route[] = [];

  add(path: string, transport: Transport): void {
    this.routes.push({ segments: splitPath(path), transport });
  }

  match(req: IncomingMessage): { transport: Transport; params: Record<string, string> } | null {
    const parts = splitPath((req.url ?? "/").split("?", 1)[0]);
    for (const route of this.routes) {
      const params = matchRoute(route.segments, parts);
      if (params) return { transport: route.transport, params };
    }
    return null;
  }

  get transports(): Transport[] {
    return this.routes.map((route) => route.transport);
  }
}
