import { LongPoll, Socket } from "phoenix";
import type { Channel } from "phoenix";
import { ClientRendered } from "./client_rendered.js";

/** What the HTTP render put on the page for the socket to pick up. */
export interface PageContainer {
  id: string;
  session: string;
  static: string | null;
  csrfToken: string | undefined;
  /** The HTML inside the container. */
  inner: string;
}

export interface LiveTestOptions {
  /** A WebSocket class (e.g. `ws`); without one, Node 20 long-polls. */
  transport?: unknown;
  /** Force the long-poll transport. */
  longPoll?: boolean;
  /** Extra LiveSocket params besides `_csrf_token`. */
  params?: Record<string, unknown>;
  /** Send the page's `_csrf_token` (default true). */
  csrf?: boolean;
  timeoutMs?: number;
}

/** A joined live view over a real socket, with the tree the browser would hold. */
export class LiveViewHandle {
  readonly rendered: ClientRendered;
  /** Every `diff` push received, in order (raw JSON). */
  readonly diffs: unknown[] = [];
  /** `phx:` events (`e`) received, and `redirect`/`live_patch`/`live_redirect` seen in replies and pushes. */
  readonly events: unknown[] = [];
  readonly navigations: [string, unknown][] = [];
  title: string | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    readonly url: string,
    readonly container: PageContainer,
    readonly socket: Socket,
    readonly channel: Channel,
    readonly joinReply: Record<string, any>,
    readonly timeoutMs: number,
  ) {
    this.rendered = new ClientRendered(joinReply.rendered);
    channel.on("diff", (payload) => {
      this.diffs.push(payload);
      this.apply(payload);
      this.wake();
    });
    for (const event of ["redirect", "live_patch", "live_redirect"]) {
      channel.on(event, (payload) => {
        this.navigations.push([event, payload]);
        this.wake();
      });
    }
  }

  /** The view's HTML after every diff so far. */
  html(): string {
    return this.rendered.toString();
  }

  /** Pushes on the view's channel and merges a `{diff}` reply; resolves with the reply. */
  push(event: string, payload: Record<string, unknown>): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      this.channel
        .push(event, payload, this.timeoutMs)
        .receive("ok", (response: Record<string, any>) => {
          if (response.diff) this.apply(response.diff);
          for (const key of ["redirect", "live_patch", "live_redirect"]) if (response[key]) this.navigations.push([key, response[key]]);
          resolve(response);
        })
        .receive("error", (response: unknown) => reject(new Error(`${event} refused: ${JSON.stringify(response)}`)))
        .receive("timeout", () => reject(new Error(`${event}: no reply within ${this.timeoutMs} ms`)));
    });
  }

  /** Resolves when `check()` holds, re-checking after every push from the server. */
  async waitFor(check: () => boolean, what = "condition"): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Leaves the channel and closes the socket. */
  close(): void {
    this.channel.leave();
    this.socket.disconnect();
  }

  private apply(diff: Record<string, unknown>): void {
    const { title, events } = this.rendered.merge(diff);
    if (title !== undefined) this.title = title;
    this.events.push(...events);
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** Reads the root container of an HTTP-rendered page. */
export function parseContainer(page: string): PageContainer {
  const open = /<div id="([^"]+)" data-phx-main data-phx-session="([^"]*)" data-phx-static="([^"]*)">/.exec(page);
  if (!open) throw new Error("no live view container in the page");
  const csrf = /<meta name="csrf-token" content="([^"]*)">/.exec(page)?.[1];
  const start = open.index + open[0].length;
  const end = page.lastIndexOf("</div>");
  return {
    id: open[1] as string,
    session: unescapeHtml(open[2] as string),
    static: open[3] === "" ? null : unescapeHtml(open[3] as string),
    csrfToken: csrf === undefined ? undefined : unescapeHtml(csrf),
    inner: page.slice(start, end),
  };
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** `GET url`: the HTTP render (disconnected). */
export async function get(url: string): Promise<{ status: number; html: string }> {
  const res = await fetch(url, { redirect: "manual" });
  return { status: res.status, html: await res.text() };
}

/**
 * GETs `url`, then joins its live view on `/live` like the browser does.
 *
 * @example
 * const { view, html } = await live("http://127.0.0.1:4000/counter", { transport: WebSocket });
 * expect(await renderClick(view, "inc")).toContain("Current count: 43");
 */
export async function live(url: string, options: LiveTestOptions = {}): Promise<{ view: LiveViewHandle; html: string }> {
  const page = await get(url);
  if (page.status !== 200) throw new Error(`GET ${url} answered ${page.status}`);
  const container = parseContainer(page.html);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const wsUrl = new URL("/live", url.replace(/^http/, "ws")).href;
  const params = { ...(options.csrf === false ? {} : { _csrf_token: container.csrfToken }), ...options.params };
  const transport = options.longPoll ? LongPoll : options.transport;
  const socket = new Socket(wsUrl, { params, timeout: timeoutMs, ...(transport ? { transport } : {}) } as never);
  socket.connect();
  const channel = socket.channel(`lv:${container.id}`, () => ({
    url,
    params: { ...params, _mounts: 0, _mount_attempts: 0 },
    session: container.session,
    static: container.static,
    sticky: false,
  }));
  const reply = await new Promise<Record<string, any>>((resolve, reject) => {
    channel
      .join(timeoutMs)
      .receive("ok", resolve)
      .receive("error", (response: unknown) => {
        socket.disconnect();
        reject(new JoinError(response));
      })
      .receive("timeout", () => {
        socket.disconnect();
        reject(new Error(`join lv:${container.id}: no reply within ${timeoutMs} ms`));
      });
  });
  const view = new LiveViewHandle(url, container, socket, channel, reply, timeoutMs);
  return { view, html: view.html() };
}

/** A refused join; `response` is the server's error payload (e.g. `{reason: "unauthorized"}`). */
export class JoinError extends Error {
  constructor(readonly response: unknown) {
    super(`join refused: ${JSON.stringify(response)}`);
  }
}

/** The HTML after every diff received so far (call it after PubSub traffic). */
export function render(view: LiveViewHandle): string {
  return view.html();
}

/** `phx-click`: pushes the event with `value` (the `phx-value-*` attributes) and returns the new HTML. */
export async function renderClick(view: LiveViewHandle, event: string, value: Record<string, unknown> = {}, cid?: number): Promise<string> {
  await view.push("event", { type: "click", event, value, ...(cid === undefined ? {} : { cid }) });
  return view.html();
}

/** `phx-change`: the form's fields URL-encoded as the client sends them; `target` is the field that changed. */
export async function renderChange(view: LiveViewHandle, event: string, form: Record<string, string>, target?: string): Promise<string> {
  await view.push("event", { type: "form", event, value: new URLSearchParams(form).toString(), meta: { _target: target ?? "undefined" } });
  return view.html();
}

/** `phx-submit`. */
export async function renderSubmit(view: LiveViewHandle, event: string, form: Record<string, string>): Promise<string> {
  await view.push("event", { type: "form", event, value: new URLSearchParams(form).toString(), meta: {} });
  return view.html();
}

/** `phx-keyup`: `key` as the client reports it, plus the input's value. */
export async function renderKeyup(view: LiveViewHandle, event: string, key: string, value: Record<string, unknown> = {}): Promise<string> {
  await view.push("event", { type: "keyup", event, value: { key, ...value } });
  return view.html();
}

/** A live patch the browser would send for a `data-phx-link="patch"` click. */
export async function renderPatch(view: LiveViewHandle, path: string): Promise<Record<string, any>> {
  return view.push("live_patch", { url: new URL(path, view.url).href });
}
