import { ComponentSocket } from "./component.js";
import type { LiveComponent } from "./component.js";
import { decodeForm, parseKey } from "./form.js";
import type { Params } from "./form.js";
import { build, diff, full, toHtml } from "./rendered.js";
import type { Json, Node } from "./rendered.js";
import { Template } from "./template.js";
import type { ComponentCall } from "./template.js";
import { LiveViewSocket } from "./view.js";
import type { Assigns, EventValue, LiveView, Navigation, ViewHost } from "./view.js";

type JsonObject = { [key: string]: Json | unknown };

interface ComponentEntry {
  component: LiveComponent<Assigns>;
  socket: ComponentSocket<Assigns>;
  tree: Node | undefined;
}

/** The services a running view uses; the HTTP render gets none of them. */
export interface ProcessServices {
  subscribe(topic: string, deliver: (message: unknown) => void): () => void;
  /** Queues a message into the view's mailbox (its channel's `handleInfo`). */
  send(message: unknown): void;
}

/** A `sendUpdate` travelling through the mailbox. */
export class ComponentUpdate {
  constructor(
    readonly component: object,
    readonly id: string | number,
    readonly assigns: Record<string, unknown>,
  ) {}
}

/** An `event` push from the client (`LV/view.ts` pushEvent / pushInput). */
export interface EventPayload {
  type?: string;
  event?: string;
  value?: unknown;
  cid?: number;
  meta?: Record<string, unknown>;
}

/**
 * One mounted view: its socket, the tree the client holds, its components and subscriptions.
 * Knows nothing of channels; the channel feeds it one message at a time.
 */
export class ViewProcess implements ViewHost {
  readonly socket: LiveViewSocket<Assigns>;
  url: URL;
  private tree: Node | undefined;
  private title: string | undefined;
  private readonly components = new Map<number, ComponentEntry>();
  private readonly cids = new Map<object, Map<string | number, number>>();
  private nextCid = 1;
  private readonly subscriptions = new Map<string, () => void>();

  constructor(
    readonly view: LiveView<Assigns>,
    id: string,
    url: URL,
    private readonly services: ProcessServices | undefined,
    connectParams: Record<string, unknown> = {},
    flash: Record<string, string> = {},
  ) {
    this.url = url;
    this.socket = new LiveViewSocket(this, id, connectParams, flash);
  }

  get connected(): boolean {
    return this.services !== undefined;
  }

  subscribe(topic: string): void {
    if (!this.services || this.subscriptions.has(topic)) return;
    const send = this.services.send;
    this.subscriptions.set(topic, this.services.subscribe(topic, send));
  }

  unsubscribe(topic: string): void {
    this.subscriptions.get(topic)?.();
    this.subscriptions.delete(topic);
  }

  /** Drops every subscription; runs when the view ends, however it ends. */
  release(): void {
    for (const off of this.subscriptions.values()) off();
    this.subscriptions.clear();
  }

  get subscribedTopics(): string[] {
    return [...this.subscriptions.keys()];
  }

  send(message: unknown): void {
    this.services?.send(message);
  }

  sendUpdate(component: object, id: string | number, assigns: Record<string, unknown>): void {
    this.services?.send(new ComponentUpdate(component, id, assigns));
  }

  /** mount, then handleParams: both runs (HTTP and socket) go through here. */
  async mount(params: Params, session: Record<string, unknown>): Promise<void> {
    await this.view.mount?.(params, session, this.socket);
    await this.view.handleParams?.(params, this.url, this.socket);
  }

  /** The page's HTML for the HTTP render. */
  html(): string {
    const { root, trees } = this.renderPass();
    return toHtml(root, trees);
  }

  get pageTitle(): string | undefined {
    const title = this.socket.assigns.pageTitle;
    return title === undefined || title === null ? undefined : String(title);
  }

  /** The join reply's `rendered`: the whole tree, statics included. */
  rendered(): JsonObject {
    this.tree = undefined;
    for (const entry of this.components.values()) entry.tree = undefined;
    return this.renderDiff() ?? {};
  }

  /**
   * Renders and compares with what the client holds; `undefined` when there is nothing to send.
   * Events from `pushEvent` ride along as `e`, a changed `pageTitle` as `t`.
   */
  renderDiff(reply?: Record<string, unknown>): JsonObject | undefined {
    const { root, trees } = this.renderPass();
    const out: JsonObject = (diff(this.tree, root) as JsonObject | undefined) ?? {};
    this.tree = root;
    this.collectComponents(out, trees);
    this.addExtras(out, reply);
    return Object.keys(out).length === 0 ? undefined : out;
  }

  /** Renders one component alone (after its event or a `sendUpdate`). */
  renderComponent(cid: number, reply?: Record<string, unknown>): JsonObject | undefined {
    const entry = this.components.get(cid);
    const out: JsonObject = {};
    if (entry) {
      const trees = new Map<number, Node>();
      trees.set(cid, this.renderEntry(entry, trees));
      this.collectComponents(out, trees);
    }
    this.addExtras(out, reply);
    return Object.keys(out).length === 0 ? undefined : out;
  }

  private addExtras(out: JsonObject, reply: Record<string, unknown> | undefined): void {
    if (this.socket.events.length > 0) out.e = this.socket.events.splice(0);
    const title = this.pageTitle;
    if (title !== this.title) {
      this.title = title;
      if (title !== undefined) out.t = title;
    }
    if (reply !== undefined) out.r = reply;
  }

  private collectComponents(out: JsonObject, trees: Map<number, Node>): void {
    let c: JsonObject | undefined;
    for (const [cid, tree] of trees) {
      const entry = this.components.get(cid) as ComponentEntry;
      const change = entry.tree === undefined ? full(tree) : diff(entry.tree, tree);
      entry.tree = tree;
      // `r: 1` says "one root tag": the client then tags it with data-phx-component (and may
      // skip re-rendering it when it is not in a diff). It stays on the client's node after merges.
      if (typeof change === "object" && change !== null && "s" in change) (change as JsonObject).r = 1;
      if (change !== undefined) {
        c ??= {};
        c[cid] = change;
      }
    }
    if (c) out.c = c;
  }

  private renderPass(): { root: Node; trees: Map<number, Node> } {
    const trees = new Map<number, Node>();
    const template = this.view.render(this.socket.assigns);
    if (!(template instanceof Template)) throw new TypeError(`${this.view.name}.render must return an html\`…\` template`);
    const root = build(template, (call) => this.resolve(call, trees));
    return { root, trees };
  }

  private resolve(call: ComponentCall, trees: Map<number, Node>): number {
    const component = call.component as LiveComponent<Assigns>;
    let byId = this.cids.get(component);
    if (!byId) {
      byId = new Map();
      this.cids.set(component, byId);
    }
    let cid = byId.get(call.id);
    let entry = cid === undefined ? undefined : this.components.get(cid);
    if (cid === undefined || !entry) {
      cid = this.nextCid++;
      byId.set(call.id, cid);
      entry = { component, socket: new ComponentSocket(this.socket, call.id, cid), tree: undefined };
      this.components.set(cid, entry);
      component.mount?.(entry.socket);
    }
    this.applyUpdate(entry, call.assigns);
    trees.set(cid, this.renderEntry(entry, trees));
    return cid;
  }

  private applyUpdate(entry: ComponentEntry, assigns: Record<string, unknown>): void {
    const withId = { ...assigns, id: entry.socket.assigns.id };
    if (entry.component.update) entry.component.update(withId, entry.socket);
    else entry.socket.assign(withId);
  }

  private renderEntry(entry: ComponentEntry, trees: Map<number, Node>): Node {
    const template = entry.component.render(entry.socket.assigns);
    if (!(template instanceof Template)) throw new TypeError(`${entry.component.name}.render must return an html\`…\` template`);
    const tree = build(template, (call) => this.resolve(call, trees));
    // Checked once, on the first render: the client cannot patch a component without one root.
    if (entry.tree === undefined && !singleRoot(toHtml(tree, mergeTrees(this.components, trees)))) {
      throw new Error(`${entry.component.name} must render a single root element (the client tags it with data-phx-component)`);
    }
    return tree;
  }

  /** A client event → the reply (`{diff}`, `{}`, plus navigation). */
  async handleEvent(payload: EventPayload): Promise<Record<string, unknown>> {
    const value = eventValue(payload);
    const event = String(payload.event ?? "");
    if (typeof payload.cid === "number") {
      const entry = this.components.get(payload.cid);
      // The component may be gone already (the client raced its removal): nothing to do.
      if (!entry) return {};
      await entry.component.handleEvent?.(event, value, entry.socket);
      return this.replyFor(await this.navigate(this.renderComponent(payload.cid)));
    }
    const reply = await this.view.handleEvent?.(event, value, this.socket);
    return this.replyFor(await this.navigate(undefined, reply ?? undefined));
  }

  /** A message for `handleInfo` or a `sendUpdate`; returns the pushes to make. */
  async handleInfo(message: unknown): Promise<[string, unknown][]> {
    if (message instanceof ComponentUpdate) {
      const cid = this.cids.get(message.component)?.get(message.id);
      const entry = cid === undefined ? undefined : this.components.get(cid);
      if (cid === undefined || !entry) return [];
      this.applyUpdate(entry, message.assigns);
      return this.pushesFor(await this.navigate(this.renderComponent(cid)));
    }
    await this.view.handleInfo?.(message, this.socket);
    return this.pushesFor(await this.navigate());
  }

  /** A `live_patch` push: the URL changed within this view. */
  async patch(url: URL): Promise<Record<string, unknown>> {
    this.url = url;
    await this.view.handleParams?.(routeParams(url, this.pathParams(url)), url, this.socket);
    return this.replyFor(await this.navigate());
  }

  /** Path params of a patched URL; the channel sets how routes are matched. */
  pathParams: (url: URL) => Params = () => ({});

  /** Renders, applying a `pushPatch` first (its `handleParams` changes the state to render). */
  private async navigate(
    componentDiff?: JsonObject | undefined,
    reply?: Record<string, unknown>,
  ): Promise<{ diff: JsonObject | undefined; navigation: Navigation | undefined }> {
    const navigation = this.socket.navigation;
    this.socket.navigation = undefined;
    if (navigation?.kind === "patch") {
      this.url = new URL(navigation.to, this.url);
      await this.view.handleParams?.(routeParams(this.url, this.pathParams(this.url)), this.url, this.socket);
    }
    const rendered = componentDiff && !navigation ? componentDiff : mergeDiffs(componentDiff, this.renderDiff(reply));
    return { diff: rendered, navigation };
  }

  private replyFor({ diff, navigation }: { diff: JsonObject | undefined; navigation: Navigation | undefined }): Record<string, unknown> {
    const out: Record<string, unknown> = diff ? { diff } : {};
    if (navigation) out[navigationEvent(navigation)] = this.navigationPayload(navigation);
    return out;
  }

  private pushesFor({ diff, navigation }: { diff: JsonObject | undefined; navigation: Navigation | undefined }): [string, unknown][] {
    const pushes: [string, unknown][] = diff ? [["diff", diff]] : [];
    if (navigation) pushes.push([navigationEvent(navigation), this.navigationPayload(navigation)]);
    return pushes;
  }

  /** Set by the channel: signs the flash that travels with a navigation. */
  signFlash: (flash: Record<string, string>) => string | undefined = () => undefined;

  private navigationPayload(navigation: Navigation): Record<string, unknown> {
    if (navigation.kind === "redirect") return { to: navigation.to };
    const kind = navigation.replace ? "replace" : "push";
    if (navigation.kind === "patch") return { to: navigation.to, kind };
    const flash = this.signFlash(this.socket.assigns.flash);
    return flash ? { to: navigation.to, kind, flash } : { to: navigation.to, kind };
  }

  /** `cids_destroyed`: the client removed these components from the page. */
  destroyComponents(cids: number[]): number[] {
    for (const cid of cids) {
      const entry = this.components.get(cid);
      if (!entry) continue;
      this.components.delete(cid);
      this.cids.get(entry.component)?.delete(entry.socket.assigns.id);
    }
    return cids;
  }
}

function navigationEvent(navigation: Navigation): string {
  return navigation.kind === "patch" ? "live_patch" : navigation.kind === "navigate" ? "live_redirect" : "redirect";
}

function mergeDiffs(a: JsonObject | undefined, b: JsonObject | undefined): JsonObject | undefined {
  if (!a) return b;
  if (!b) return a;
  return { ...a, ...b, c: { ...(a.c as object), ...(b.c as object) } };
}

function mergeTrees(components: Map<number, ComponentEntry>, fresh: Map<number, Node>): Map<number, Node> {
  const all = new Map<number, Node>();
  for (const [cid, entry] of components) if (entry.tree !== undefined) all.set(cid, entry.tree);
  for (const [cid, tree] of fresh) all.set(cid, tree);
  return all;
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

/** A component's HTML must be one element, maybe with whitespace around it. */
function singleRoot(html: string): boolean {
  const trimmed = html.trim();
  if (!trimmed.startsWith("<")) return false;
  const tag = /<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  for (let match = tag.exec(trimmed); match; match = tag.exec(trimmed)) {
    const [, closing, name, selfClosing] = match;
    if (closing) depth--;
    else if (!selfClosing && !VOID.has((name as string).toLowerCase())) depth++;
    // The root closed: only the end of the string may follow.
    if (depth === 0) return match.index + match[0].length === trimmed.length;
  }
  return false;
}

/** Query params plus path params: what `mount` and `handleParams` get. */
export function routeParams(url: URL, pathParams: Params): Params {
  return { ...decodeForm(url.searchParams), ...pathParams };
}

function eventValue(payload: EventPayload): EventValue {
  if (payload.type === "form") {
    const value: EventValue = typeof payload.value === "string" ? decodeForm(payload.value) : {};
    const target = payload.meta?._target;
    if (typeof target === "string" && target !== "undefined") value._target = parseKey(target);
    return value;
  }
  return typeof payload.value === "object" && payload.value !== null ? (payload.value as EventValue) : {};
}
