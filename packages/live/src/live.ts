import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { defineSocket, longPoll, websocket } from "fenix";
import type { CheckOrigin, Endpoint } from "fenix";
import { liveViewChannel } from "./channel.js";
import type { Params } from "./form.js";
import { container, defaultLayout } from "./page.js";
import type { Layout } from "./page.js";
import { ViewProcess, routeParams } from "./process.js";
import { compileRoute, matchRoute } from "./router.js";
import type { Route } from "./router.js";
import { CSRF_SALT, SESSION_MAX_AGE, SESSION_SALT, STATIC_SALT } from "./session.js";
import type { SessionToken } from "./session.js";
import type { Assigns, LiveView, MaybePromise } from "./view.js";

export interface LiveOptions {
  /** The Fenix endpoint the `/live` socket is mounted on; it needs a `secretKeyBase`. */
  endpoint: Endpoint;
  /** Where the LiveSocket connects (default "/live": `/live/websocket`, `/live/longpoll`). */
  path?: string;
  /** The page around a view (default: `defaultLayout()`). */
  layout?: Layout;
  /** Serve `/live/longpoll` for the client's `longPollFallbackMs` (default true). */
  longPoll?: boolean;
  checkOrigin?: CheckOrigin;
  /** Refuse joins without a `_csrf_token` param (default false: a token that is sent is always checked). */
  requireCsrf?: boolean;
  /** Seconds a page's session token stays valid (default 14 days, as Phoenix). */
  sessionMaxAge?: number;
}

/** The "controller" part of a live route: the session the page is signed with. */
export interface LiveRouteOptions {
  session?: (req: IncomingMessage) => MaybePromise<Record<string, unknown>>;
}

interface LiveRoute {
  view: LiveView<Assigns>;
  options: LiveRouteOptions;
}

/** The outcome of an HTTP render. */
export type PageResult = { status: 200; html: string } | { status: 302; location: string };

/**
 * Live views on a Fenix endpoint: the `/live` socket with its `lv:*` channel, the `live(path, View)`
 * routes and the HTTP render.
 *
 * @example
 * const endpoint = new Endpoint({ secretKeyBase, handler: (req, res) => app.handle(req, res) });
 * const live = new Live({ endpoint, layout: defaultLayout({ scripts: ["/assets/app.js"] }) });
 * live.live("/counter", CounterLive, { session: () => ({ count: 42 }) });
 * // in the HTTP handler: if (await live.handle(req, res)) return;
 */
export class Live {
  readonly path: string;
  private readonly endpoint: Endpoint;
  private readonly layout: Layout;
  private readonly routes: Route<LiveRoute>[] = [];
  private readonly views = new Map<string, LiveView<Assigns>>();
  private readonly running = new Set<ViewProcess>();
  readonly requireCsrf: boolean;
  readonly sessionMaxAge: number;

  constructor(options: LiveOptions) {
    this.endpoint = options.endpoint;
    this.path = options.path ?? "/live";
    this.layout = options.layout ?? defaultLayout();
    this.requireCsrf = options.requireCsrf ?? false;
    this.sessionMaxAge = options.sessionMaxAge ?? SESSION_MAX_AGE;
    void this.endpoint.tokens; // fail now, not at the first page, without a secretKeyBase
    const socket = defineSocket({ name: "LiveSocket", channels: [["lv:*", liveViewChannel(this)]] });
    const transports = options.longPoll === false ? [websocket()] : [websocket(), longPoll()];
    this.endpoint.socket(this.path, socket, { transports, checkOrigin: options.checkOrigin });
  }

  get tokens() {
    return this.endpoint.tokens;
  }

  get pubsub() {
    return this.endpoint.pubsub;
  }

  /** Connected views on this node. */
  get viewCount(): number {
    return this.running.size;
  }

  /** Serves `View` at `path` (`:name` segments become params), for GETs and live navigation. */
  live(path: string, view: LiveView<any>, options: LiveRouteOptions = {}): this {
    this.register(view);
    this.routes.push(compileRoute(path, { view, options }));
    return this;
  }

  /**
   * Answers a GET for a live route; resolves false for anything else, so the app goes on.
   *
   * @example
   * createServer(async (req, res) => { if (!(await live.handle(req, res))) res.writeHead(404).end(); });
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = requestUrl(req);
    const match = matchRoute(this.routes, url.pathname);
    if (!match) return false;
    const { view, options } = match.route.target;
    const session = (await options.session?.(req)) ?? {};
    const page = await this.renderPage(url, view, session, match.params);
    if (page.status === 302) {
      res.writeHead(302, { location: page.location }).end();
      return true;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : page.html);
    return true;
  }

  /**
   * The HTTP render of `View` for a controller: the page with the signed container and the CSRF
   * meta tag. The socket then mounts the same view again, connected.
   *
   * @example
   * res.end(await live.liveRender(req, CounterLive, { session: { count: randomInt(1, 100_001) } }));
   */
  async liveRender(req: IncomingMessage, view: LiveView<any>, options: { session?: Record<string, unknown> } = {}): Promise<string> {
    this.register(view);
    const page = await this.renderPage(requestUrl(req), view, options.session ?? {}, {});
    if (page.status === 302) throw new Error(`${view.name} redirected to ${page.location} during the HTTP render; use live() routes for that`);
    return page.html;
  }

  /** Mounts disconnected, renders, and signs the session the socket will mount with. */
  async renderPage(url: URL, view: LiveView<Assigns>, session: Record<string, unknown>, pathParams: Params): Promise<PageResult> {
    const id = `phx-${randomBytes(9).toString("base64url")}`;
    const process = new ViewProcess(view, id, url, undefined);
    await process.mount(routeParams(url, pathParams), session);
    const navigation = process.socket.navigation;
    if (navigation && navigation.kind !== "patch") return { status: 302, location: navigation.to };
    if (navigation) {
      process.socket.navigation = undefined;
      await process.patch(new URL(navigation.to, url));
    }
    const csrf = randomBytes(12).toString("base64url");
    const token: SessionToken = { v: 1, id, view: view.name, session, csrf };
    const tokens = this.tokens;
    const inner = container(
      id,
      tokens.sign(SESSION_SALT, token, { maxAge: this.sessionMaxAge }),
      tokens.sign(STATIC_SALT, { id }, { maxAge: this.sessionMaxAge }),
      process.html(),
    );
    return { status: 200, html: this.layout({ inner, csrfToken: tokens.sign(CSRF_SALT, csrf), title: process.pageTitle }) };
  }

  /** @internal the channel's view lookup */
  route(url: URL): { view: LiveView<Assigns>; params: Params } | undefined {
    const match = matchRoute(this.routes, url.pathname);
    return match && { view: match.route.target.view, params: match.params };
  }

  /** @internal */
  viewNamed(name: string): LiveView<Assigns> | undefined {
    return this.views.get(name);
  }

  /** @internal */
  started(process: ViewProcess): void {
    this.running.add(process);
  }

  /** @internal */
  ended(process: ViewProcess): void {
    this.running.delete(process);
  }

  private register(view: LiveView<any>): void {
    if (typeof view?.name !== "string" || view.name === "") throw new TypeError("a live view needs a name");
    const known = this.views.get(view.name);
    if (known && known !== view) throw new Error(`two live views are named ${view.name}`);
    this.views.set(view.name, view);
  }
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
}
