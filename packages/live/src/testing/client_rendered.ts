/**
 * What the browser's `Rendered` does with the JSON, for tests in Node: merge diffs into the tree
 * the client holds and turn it into HTML. It follows the official client's rules (a node with `s`
 * replaces, one without merges; `k` entries by index, `kc` the count; `c` components by cid, a
 * numeric `s` sharing another component's statics) without its DOM-only optimisations.
 */
type Tree = { [key: string]: any };

export class ClientRendered {
  private tree: Tree = {};
  private components: Record<string, Tree> = {};

  constructor(rendered: Tree) {
    this.merge(rendered);
  }

  /** Applies one diff (join `rendered`, reply `diff`, or a `diff` push). `e`, `r`, `t` are not tree parts. */
  merge(input: Tree): { title?: string; events: unknown[]; reply?: unknown } {
    const { c, e, r, t, ...rest } = structuredClone(input);
    this.tree = mergeNode(this.tree, rest);
    if (c) {
      const next: Record<string, Tree> = {};
      const resolve = (cid: string): Tree => {
        if (next[cid]) return next[cid];
        const change = c[cid] as Tree;
        let result: Tree;
        if (typeof change.s === "number") {
          const source = change.s > 0 ? resolve(String(change.s)) : this.components[String(-change.s)];
          if (!source) throw new Error(`component ${cid} shares statics with unknown component ${change.s}`);
          result = mergeNode(structuredClone(source), { ...change, s: undefined });
          result.s = source.s;
        } else {
          const old = this.components[cid];
          result = change.s !== undefined || old === undefined ? change : mergeNode(structuredClone(old), change);
        }
        next[cid] = result;
        return result;
      };
      for (const cid of Object.keys(c)) resolve(cid);
      Object.assign(this.components, next);
    }
    return { title: t, events: e ?? [], reply: r };
  }

  /** The HTML of the whole view. */
  toString(): string {
    return this.nodeToString(this.tree);
  }

  /** The cids the client holds. */
  get cids(): number[] {
    return Object.keys(this.components).map(Number);
  }

  prune(cids: number[]): void {
    for (const cid of cids) delete this.components[cid];
  }

  private nodeToString(node: Tree): string {
    const statics = node.s as string[];
    if (node.k) {
      let out = "";
      for (let i = 0; i < node.k.kc; i++) out += this.interleave(statics, node.k[i]);
      return out;
    }
    return this.interleave(statics, node);
  }

  private interleave(statics: string[], dynamics: Tree): string {
    let out = statics[0] ?? "";
    for (let i = 1; i < statics.length; i++) out += this.dynamicToString(dynamics[i - 1]) + statics[i];
    return out;
  }

  private dynamicToString(value: unknown): string {
    if (typeof value === "number") {
      const component = this.components[value];
      if (!component) throw new Error(`no component for cid ${value}`);
      return this.nodeToString(component);
    }
    if (typeof value === "object" && value !== null) return this.nodeToString(value as Tree);
    return String(value ?? "");
  }
}

function mergeNode(target: Tree, source: Tree): Tree {
  if (source.s !== undefined) return source;
  if (source.k) {
    mergeKeyed(target, source);
    return target;
  }
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    if (isObject(value) && value.s === undefined && isObject(current)) target[key] = mergeNode(current, value);
    else target[key] = value;
  }
  return target;
}

function mergeKeyed(target: Tree, source: Tree): void {
  const before = structuredClone(target.k ?? { kc: 0 });
  target.k ??= { kc: 0 };
  for (const [key, entry] of Object.entries(source.k as Tree)) {
    if (key === "kc" || key === "km") continue;
    if (Array.isArray(entry)) target.k[key] = mergeNode(structuredClone(before[entry[0]]), entry[1]);
    else if (typeof entry === "number") target.k[key] = structuredClone(before[entry]);
    else target.k[key] = mergeNode(target.k[key] ?? {}, entry as Tree);
  }
  for (let i = source.k.kc; i < target.k.kc; i++) delete target.k[i];
  target.k.kc = source.k.kc;
}

function isObject(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
