/** A decoded form or query: Plug's rules (`a[b]=1` → `{a: {b: "1"}}`, `a[]=1&a[]=2` → `{a: ["1", "2"]}`). */
export type Params = { [key: string]: string | string[] | Params | Params[] };

/**
 * Decodes a URL-encoded form body (what `phx-change`/`phx-submit` send) into nested params.
 *
 * @example
 * decodeForm("user%5Bname%5D=Ada&user%5Bemail%5D=") // { user: { name: "Ada", email: "" } }
 */
export function decodeForm(encoded: string | URLSearchParams): Params {
  const out: Params = {};
  const search = typeof encoded === "string" ? new URLSearchParams(encoded) : encoded;
  for (const [key, value] of search) put(out, parseKey(key), value);
  return out;
}

export function parseKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0 || !key.endsWith("]")) return [key];
  const parts = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] as string);
  return parts;
}

function put(target: Params, path: string[], value: string): void {
  let node: Params = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    if (path[i + 1] === "") {
      // `a[]=x`: a list of strings (deeper `a[][b]` forms are not used by LiveView forms)
      const list = Array.isArray(node[key]) ? (node[key] as string[]) : [];
      list.push(value);
      node[key] = list;
      return;
    }
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Params;
  }
  node[path[path.length - 1] as string] = value;
}
