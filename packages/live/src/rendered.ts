import { ComponentCall, Raw, Template, escapeHtml } from "./template.js";

/**
 * The server's copy of what the client holds: a tree of rendered templates kept per view, so the
 * next render can be compared with it and only the differences sent.
 */
export type Node = string | TemplateNode | ListNode | ComponentNode;

/** One template call: its call site's statics (the fingerprint) and its rendered dynamics. */
export interface TemplateNode {
  kind: "template";
  statics: readonly string[];
  dynamics: Node[];
}

/** A comprehension: one statics array shared by every entry (the `k` form of LiveView ≥ 1.1). */
export interface ListNode {
  kind: "list";
  statics: readonly string[];
  entries: Node[][];
}

/** A live component's slot: rendered on the wire as its bare cid. */
export interface ComponentNode {
  kind: "component";
  cid: number;
}

/** The JSON the official client merges (`rendered.js`). */
export type Json = string | number | { [key: string]: Json } | Json[] | readonly string[];
type JsonObject = { [key: string]: Json };

/** Gives a component call its cid (mounting and rendering the component on the way). */
export type ResolveComponent = (call: ComponentCall) => number;

// The statics of a list whose items are not all one template: each entry wraps one item.
const WRAP: readonly string[] = Object.freeze(["", ""]);

const noComponents: ResolveComponent = () => {
  throw new Error("liveComponent() is only allowed inside a live view's render");
};

/** Turns a template and the values it holds into a tree, rendering nested templates and lists. */
export function build(value: unknown, resolve: ResolveComponent = noComponents): Node {
  if (value instanceof Template) {
    return { kind: "template", statics: value.statics, dynamics: value.values.map((v) => build(v, resolve)) };
  }
  if (value === null || value === undefined || value === false || value === true) return "";
  if (typeof value === "string") return escapeHtml(value);
  if (value instanceof Raw) return value.html;
  if (Array.isArray(value)) return buildList(value, resolve);
  if (value instanceof ComponentCall) return { kind: "component", cid: resolve(value) };
  return escapeHtml(String(value));
}

function buildList(items: unknown[], resolve: ResolveComponent): ListNode {
  const first = items[0];
  if (first instanceof Template && items.every((item) => item instanceof Template && item.statics === first.statics)) {
    return {
      kind: "list",
      statics: first.statics,
      entries: items.map((item) => (item as Template).values.map((v) => build(v, resolve))),
    };
  }
  return { kind: "list", statics: WRAP, entries: items.map((item) => [build(item, resolve)]) };
}

/** The full JSON of a tree: what a join reply carries, or a node whose fingerprint is new. */
export function full(node: Node): Json {
  if (typeof node === "string") return node;
  if (node.kind === "component") return node.cid;
  if (node.kind === "template") return { s: node.statics, ...fullDynamics(node.dynamics) };
  const k: JsonObject = {};
  node.entries.forEach((entry, i) => {
    k[i] = fullDynamics(entry);
  });
  k.kc = node.entries.length;
  return { s: node.statics, k };
}

function fullDynamics(dynamics: Node[]): JsonObject {
  const out: JsonObject = {};
  dynamics.forEach((d, i) => {
    out[i] = full(d);
  });
  return out;
}

/**
 * What the client needs to go from `old` to `next`, or `undefined` when nothing changed: changed
 * dynamics only, statics only where a fingerprint is new, list entries by index.
 */
export function diff(old: Node | undefined, next: Node): Json | undefined {
  if (typeof next === "string") return old === next ? undefined : next;
  if (old === undefined || typeof old === "string" || old.kind !== next.kind) return full(next);
  if (next.kind === "component") return (old as ComponentNode).cid === next.cid ? undefined : next.cid;
  if ((old as TemplateNode | ListNode).statics !== (next as TemplateNode | ListNode).statics) return full(next);
  if (next.kind === "template") return diffDynamics((old as TemplateNode).dynamics, next.dynamics);
  const before = (old as ListNode).entries;
  const k: JsonObject = {};
  let changed = before.length !== next.entries.length;
  next.entries.forEach((entry, i) => {
    const d = i < before.length ? diffDynamics(before[i] as Node[], entry) : fullDynamics(entry);
    if (d !== undefined) {
      k[i] = d;
      changed = true;
    }
  });
  if (!changed) return undefined;
  k.kc = next.entries.length;
  return { k };
}

function diffDynamics(old: Node[], next: Node[]): JsonObject | undefined {
  let out: JsonObject | undefined;
  next.forEach((d, i) => {
    const change = diff(old[i], d);
    if (change !== undefined) {
      out ??= {};
      out[i] = change;
    }
  });
  return out;
}

/** The HTML of a tree; components are looked up in `components` by cid. */
export function toHtml(node: Node, components: ReadonlyMap<number, Node> = new Map()): string {
  if (typeof node === "string") return node;
  if (node.kind === "component") {
    const tree = components.get(node.cid);
    if (tree === undefined) throw new Error(`no component for cid ${node.cid}`);
    return toHtml(tree, components);
  }
  if (node.kind === "template") return interleave(node.statics, node.dynamics, components);
  return node.entries.map((entry) => interleave(node.statics, entry, components)).join("");
}

function interleave(statics: readonly string[], dynamics: Node[], components: ReadonlyMap<number, Node>): string {
  let out = statics[0] ?? "";
  for (let i = 0; i < dynamics.length; i++) out += toHtml(dynamics[i] as Node, components) + (statics[i + 1] ?? "");
  return out;
}
