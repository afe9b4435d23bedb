import type { Params } from "./form.js";

/** A compiled `live(path, View)` route: literal segments and `:name` params. */
export interface Route<T> {
  path: string;
  segments: string[];
  target: T;
}

export function compileRoute<T>(path: string, target: T): Route<T> {
  if (!path.startsWith("/")) throw new Error(`live route "${path}" must start with /`);
  return { path, segments: split(path), target };
}

/** The first route matching `pathname`, with its path params. */
export function matchRoute<T>(routes: readonly Route<T>[], pathname: string): { route: Route<T>; params: Params } | undefined {
  const parts = split(pathname);
  for (const route of routes) {
    if (route.segments.length !== parts.length) continue;
    const params: Params = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = route.segments[i] as string;
      const part = parts[i] as string;
      if (seg.startsWith(":")) params[seg.slice(1)] = safeDecode(part);
      else ok = seg === part;
    }
    if (ok) return { route, params };
  }
  return undefined;
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
