import { ComponentCall } from "./template.js";
import type { Template } from "./template.js";
import type { Assigns, EventValue, LiveViewSocket, MaybePromise } from "./view.js";

/** Assigns every component has: `myself` is its cid, for `phx-target="${myself}"`. */
export interface ComponentAssigns {
  id: string | number;
  myself: number;
}

/**
 * A live component: a piece of a view with its own state and its own entry in the diff's `c`
 * map, so a change to one row of a long list sends that row only.
 *
 * `mount` and `update` run inside the parent's render, so they are synchronous.
 *
 * @example
 * const Row = defineComponent<{ item: Item }>({
 *   name: "Row",
 *   render: ({ item, myself }) => html`<li phx-click="pick" phx-target="${myself}">${item.name}</li>`,
 *   handleEvent: (_event, _value, socket) => socket.view.pushEvent("picked", { id: socket.assigns.id }),
 * });
 * html`<ul>${items.map((item) => liveComponent(Row, { id: item.id, item }))}</ul>`
 */
export interface LiveComponent<A extends object = Assigns> {
  name: string;
  mount?(socket: ComponentSocket<A>): void;
  /** Gets the assigns from the template (or `sendUpdate`); the default merges them. */
  update?(assigns: Partial<A> & { id: string | number }, socket: ComponentSocket<A>): void;
  /** Must render exactly one root element (the client tags it with `data-phx-component`). */
  render(assigns: A & ComponentAssigns): Template;
  /** Events whose element has `phx-target` set to this component's `myself`. */
  handleEvent?(event: string, value: EventValue, socket: ComponentSocket<A>): MaybePromise<void>;
}

export function defineComponent<A extends object = Assigns>(component: LiveComponent<A>): LiveComponent<A> {
  return component;
}

/** The socket of a live component: its assigns and its parent view's socket. */
export class ComponentSocket<A extends object = Assigns> {
  assigns: A & ComponentAssigns;

  /** @internal */
  constructor(
    readonly view: LiveViewSocket<Assigns>,
    id: string | number,
    cid: number,
  ) {
    this.assigns = { id, myself: cid } as A & ComponentAssigns;
  }

  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(values: Partial<A>): this;
  assign(key: unknown, value?: unknown): this {
    if (typeof key === "object" && key !== null) Object.assign(this.assigns, key);
    else (this.assigns as Record<string, unknown>)[key as string] = value;
    return this;
  }

  update<K extends keyof A>(key: K, fn: (current: A[K]) => A[K]): this {
    (this.assigns as A)[key] = fn(this.assigns[key]);
    return this;
  }
}

/**
 * Places a live component in a template. `id` names it among its siblings of the same component.
 *
 * @example
 * html`${liveComponent(Row, { id: 7, item })}`
 */
export function liveComponent<A extends object>(component: LiveComponent<A>, assigns: Partial<A> & { id: string | number }): ComponentCall {
  return new ComponentCall(component, assigns.id, assigns);
}
