import type { Params } from "./form.js";
import type { Template } from "./template.js";

export type Assigns = Record<string, unknown>;
export type MaybePromise<T> = T | Promise<T>;

/** What `handleEvent` gets: a click's `phx-value-*` (and `value`), or a form's decoded fields. */
export type EventValue = Params & Record<string, any>;

/** A message a PubSub subscription delivers to `handleInfo`. */
export interface BroadcastInfo {
  topic: string;
  event: string;
  payload: unknown;
}

/**
 * A live view: a server-side state machine whose `render` the client keeps on screen. The same
 * object serves every page that shows it; per-page state lives in `socket.assigns`.
 *
 * @example
 * const CounterLive = defineView<{ count: number }>({
 *   name: "CounterLive",
 *   mount: (_params, session, socket) => void socket.assign("count", Number(session.count ?? 0)),
 *   render: ({ count }) => html`Current count: ${count} <button phx-click="inc">+</button>`,
 *   handleEvent: (event, _value, socket) => void socket.update("count", (n) => (event === "inc" ? n + 1 : n)),
 * });
 */
export interface LiveView<A extends object = Assigns> {
  /** Names the view in its session token and in logs. Unique per app. */
  name: string;
  /** Runs twice: for the HTTP render (`socket.connected` false) and on the socket (true). */
  mount?(params: Params, session: Record<string, unknown>, socket: LiveViewSocket<A>): MaybePromise<void>;
  /** After mount, and on every `pushPatch` / `live_patch` to a URL of this view. */
  handleParams?(params: Params, url: URL, socket: LiveViewSocket<A>): MaybePromise<void>;
  render(assigns: A & LiveAssigns): Template;
  /** Client events. Return an object to answer a hook's `pushEvent` reply. */
  handleEvent?(event: string, value: EventValue, socket: LiveViewSocket<A>): MaybePromise<void | Record<string, unknown>>;
  /** PubSub messages (`{topic, event, payload}`) and `socket.send` messages, one at a time. */
  handleInfo?(message: any, socket: LiveViewSocket<A>): MaybePromise<void>;
  /** When the view ends: leave, closed connection, crash. Subscriptions are already released. */
  terminate?(reason: unknown, socket: LiveViewSocket<A>): MaybePromise<void>;
}

/** Assigns every view and component has. */
export interface LiveAssigns {
  /** Messages set with `putFlash`, by kind. */
  flash: Record<string, string>;
  /** The page's `<title>`; a change goes to the client as the diff's `t`. */
  pageTitle?: string;
}

/** Returns the view definition unchanged (for type inference), like Fenix's `defineChannel`. */
export function defineView<A extends object = Assigns>(view: LiveView<A>): LiveView<A> {
  return view;
}

/** Where the view asked the client to go after this message. */
export type Navigation =
  | { kind: "patch"; to: string; replace: boolean }
  | { kind: "navigate"; to: string; replace: boolean }
  | { kind: "redirect"; to: string };

/** What a live view socket needs from the process that runs it. */
export interface ViewHost {
  readonly connected: boolean;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  send(message: unknown): void;
  sendUpdate(component: object, id: string | number, assigns: Record<string, unknown>): void;
}

/** The socket handed to a view's callbacks: its state and the ways to talk to the client. */
export class LiveViewSocket<A extends object = Assigns> {
  assigns: A & LiveAssigns;
  /** Events for the client's `phx:<event>` window listeners and hooks, sent with the next diff. */
  readonly events: [string, unknown][] = [];
  navigation: Navigation | undefined;

  /** @internal */
  constructor(
    private readonly host: ViewHost,
    /** The container id (the topic is `lv:<id>`). */
    readonly id: string,
    /** The LiveSocket's connect params (`_csrf_token`, `_mounts`, …); `{}` on the HTTP render. */
    readonly connectParams: Record<string, unknown> = {},
    flash: Record<string, string> = {},
  ) {
    this.assigns = { flash } as A & LiveAssigns;
  }

  /** True on the socket, false during the HTTP render. */
  get connected(): boolean {
    return this.host.connected;
  }

  /** Sets one assign, or merges several. */
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(values: Partial<A & LiveAssigns>): this;
  assign(key: unknown, value?: unknown): this {
    if (typeof key === "object" && key !== null) Object.assign(this.assigns, key);
    else (this.assigns as Record<string, unknown>)[key as string] = value;
    return this;
  }

  /** Replaces an assign with `fn(current)`. */
  update<K extends keyof A>(key: K, fn: (current: A[K]) => A[K]): this {
    (this.assigns as A)[key] = fn(this.assigns[key]);
    return this;
  }

  /**
   * Subscribes this view to a PubSub topic; messages arrive in `handleInfo`. Does nothing during
   * the HTTP render (a subscription there would die with the request); released when the view ends.
   */
  subscribe(topic: string): void {
    if (this.connected) this.host.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.host.unsubscribe(topic);
  }

  /** Queues a message for this view's own `handleInfo`. */
  send(message: unknown): void {
    this.host.send(message);
  }

  /** Dispatches `phx:<event>` on the client's window (and to hooks' `handleEvent`). */
  pushEvent(event: string, payload: unknown = {}): this {
    this.events.push([event, payload]);
    return this;
  }

  /** Changes the URL without a new mount; `handleParams` runs with the new params. */
  pushPatch(to: string, options: { replace?: boolean } = {}): this {
    this.navigation = { kind: "patch", to, replace: options.replace ?? false };
    return this;
  }

  /** Moves to another live view over the same socket (no page load). */
  pushNavigate(to: string, options: { replace?: boolean } = {}): this {
    this.navigation = { kind: "navigate", to, replace: options.replace ?? false };
    return this;
  }

  /** A full page navigation. */
  redirect(to: string): this {
    this.navigation = { kind: "redirect", to };
    return this;
  }

  /** Sets `assigns.flash[kind]`; it travels with `pushNavigate` to the next view. */
  putFlash(kind: string, message: string): this {
    this.assigns.flash = { ...this.assigns.flash, [kind]: message };
    return this;
  }

  clearFlash(kind?: string): this {
    if (kind === undefined) this.assigns.flash = {};
    else {
      const { [kind]: _removed, ...rest } = this.assigns.flash;
      this.assigns.flash = rest;
    }
    return this;
  }

  /** Updates a live component of this view: its `update` runs with `assigns`, and only it re-renders. */
  sendUpdate(component: object, id: string | number, assigns: Record<string, unknown> = {}): void {
    this.host.sendUpdate(component, id, assigns);
  }
}
