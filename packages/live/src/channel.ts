import { defineChannel, error, ok } from "fenix";
import type { ChannelSocket, PubSub, Tokens } from "fenix";
import type { Params } from "./form.js";
import { ViewProcess, routeParams } from "./process.js";
import type { EventPayload } from "./process.js";
import { CSRF_SALT, STATIC_SALT, signFlash, verifyFlash, verifySession } from "./session.js";
import type { Assigns, LiveView } from "./view.js";

/** The `phoenix_live_view` client version this server speaks (the join reply's `liveview_version`). */
export const LIVEVIEW_VERSION = "1.2.12";

/** What the channel needs from the `Live` that mounted it. */
export interface ViewRegistry {
  readonly tokens: Tokens;
  readonly pubsub: PubSub;
  readonly requireCsrf: boolean;
  readonly sessionMaxAge: number;
  /** The view a live route maps a URL to, with the route's params. */
  route(url: URL): { view: LiveView<Assigns>; params: Params } | undefined;
  viewNamed(name: string): LiveView<Assigns> | undefined;
  started(process: ViewProcess): void;
  ended(process: ViewProcess): void;
}

/** The join payload `LV/view.ts` sends. */
interface JoinPayload {
  url?: string;
  redirect?: string;
  params?: Record<string, unknown>;
  session?: unknown;
  static?: unknown;
  flash?: unknown;
}

/**
 * The `lv:*` channel: one per live view on the page. Fenix's channel mailbox runs its callbacks
 * one at a time, which is the view's "one message at a time".
 */
export function liveViewChannel(registry: ViewRegistry) {
  const processes = new WeakMap<ChannelSocket, ViewProcess>();
  const processOf = (socket: ChannelSocket): ViewProcess => {
    const process = processes.get(socket);
    if (!process) throw new Error(`no live view for ${socket.topic}`);
    return process;
  };

  return defineChannel({
    name: "LiveView",

    async join(topic, payload: JoinPayload, socket) {
      const refuse = (reason: string, why: string) => {
        socket.logger.warn({ topic }, `live view join refused (${reason}): ${why}`);
        return error({ reason });
      };
      const session = verifySession(registry.tokens, payload?.session, registry.sessionMaxAge);
      if (typeof session === "string") return refuse(session, `session token is ${session === "stale" ? "expired" : "invalid"}`);
      if (topic !== `lv:${session.id}`) return refuse("unauthorized", "the session belongs to another container");
      if (payload.static != null) {
        const stat = registry.tokens.verify(STATIC_SALT, typeof payload.static === "string" ? payload.static : null, {
          maxAge: registry.sessionMaxAge,
        });
        if (!stat.ok || (stat.data as { id?: unknown })?.id !== session.id) return refuse("unauthorized", "bad static token");
      }
      const csrf = payload.params?._csrf_token;
      if (csrf !== undefined || registry.requireCsrf) {
        const checked = registry.tokens.verify(CSRF_SALT, typeof csrf === "string" ? csrf : null, { maxAge: registry.sessionMaxAge });
        if (!checked.ok || checked.data !== session.csrf) return refuse("unauthorized", "CSRF token does not match the session");
      }

      let url: URL;
      try {
        url = new URL(String(payload.redirect ?? payload.url));
      } catch {
        return refuse("unauthorized", "join without a valid url");
      }
      // A live redirect names the next view by its URL; a first join continues the page's own view.
      const routed = registry.route(url);
      const view = payload.redirect !== undefined ? routed?.view : registry.viewNamed(session.view);
      if (!view) {
        if (payload.redirect !== undefined) return error({ redirect: { to: payload.redirect } });
        return refuse("unauthorized", `unknown view ${session.view}`);
      }
      const params = routeParams(url, routed && routed.view === view ? routed.params : {});

      const process = new ViewProcess(
        view,
        session.id,
        url,
        {
          subscribe(topicName, send) {
            const subscriber = {
              deliver: (m: { topic: string; event: string; payload: unknown }) => send({ topic: m.topic, event: m.event, payload: m.payload }),
            };
            registry.pubsub.subscribe(topicName, subscriber);
            return () => registry.pubsub.unsubscribe(topicName, subscriber);
          },
          send: (message) => socket.send(message),
        },
        payload.params ?? {},
        verifyFlash(registry.tokens, payload.flash),
      );
      process.pathParams = (next) => {
        const match = registry.route(next);
        return match && match.view === view ? match.params : {};
      };
      process.signFlash = (flash) => signFlash(registry.tokens, flash);
      processes.set(socket, process);
      registry.started(process);
      socket.onEnd(() => {
        process.release();
        registry.ended(process);
      });

      await process.mount(params, session.session ?? {});
      const navigation = process.socket.navigation;
      if (navigation?.kind === "redirect") return error({ redirect: { to: navigation.to } });
      if (navigation?.kind === "navigate") return error({ live_redirect: { to: navigation.to, kind: navigation.replace ? "replace" : "push" } });
      const reply: Record<string, unknown> = { liveview_version: LIVEVIEW_VERSION };
      if (navigation?.kind === "patch") {
        process.socket.navigation = undefined;
        await process.patch(new URL(navigation.to, url));
        reply.live_patch = { to: navigation.to, kind: navigation.replace ? "replace" : "push" };
      }
      reply.rendered = process.rendered();
      return ok(reply);
    },

    async handleIn(event, payload, socket) {
      const process = processOf(socket);
      switch (event) {
        case "event":
          if (typeof payload !== "object" || payload === null) {
            socket.logger.warn({ topic: socket.topic }, "live view: an event payload that is not an object");
            return error({ reason: "event payload must be an object" });
          }
          return ok(await process.handleEvent(payload as EventPayload));
        case "live_patch": {
          let url: URL;
          try {
            url = new URL(String(payload?.url), process.url);
          } catch {
            socket.logger.warn({ topic: socket.topic }, "live view: live_patch without a valid url");
            return error({ reason: "live_patch needs a url" });
          }
          // A patch to a URL another view serves becomes a live redirect on the client.
          if (registry.route(url)?.view !== process.view) return ok({ link_redirect: true });
          return ok(await process.patch(url));
        }
        case "cids_will_destroy":
          return ok({});
        case "cids_destroyed": {
          const cids = Array.isArray(payload?.cids) ? payload.cids.filter((c: unknown) => typeof c === "number") : [];
          return ok({ cids: process.destroyComponents(cids) });
        }
        default:
          socket.logger.warn({ topic: socket.topic, event }, `live view: unknown event ${event}`);
          return error({ reason: `unknown event ${event}` });
      }
    },

    async handleInfo(message, socket) {
      const process = processOf(socket);
      for (const [event, payload] of await process.handleInfo(message)) socket.push(event, payload);
    },

    async terminate(reason, socket) {
      const process = processes.get(socket);
      if (!process) return;
      process.release();
      await process.view.terminate?.(reason, process.socket);
    },
  });
}
