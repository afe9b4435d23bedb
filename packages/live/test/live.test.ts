// The runtime over a real socket with the official `phoenix` client (and `ws`): the HTTP render,
// the join, events and their replies, server pushes, sessions, subscriptions, components and
// navigation — asserted on the frames and on the HTML rebuilt from them.
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LIVEVIEW_VERSION } from "../src/index.js";
import { SESSION_SALT } from "../src/session.js";
import { JoinError, get, live, parseContainer, render, renderChange, renderClick, renderKeyup, renderPatch, renderSubmit } from "../src/testing/index.js";
import type { LiveViewHandle } from "../src/testing/index.js";
import { startLive } from "./support/server.js";
import type { TestServer } from "./support/server.js";
import { CounterLive, FeedLive, FormLive, ListLive, NavLive, mounts, order, release } from "./views.js";

let server: TestServer;
const views: LiveViewHandle[] = [];

beforeEach(async () => {
  mounts.length = 0;
  order.length = 0;
  server = await startLive((live) => {
    live.live("/counter", CounterLive, { session: () => ({ count: 5 }) });
    live.live("/feed", FeedLive);
    live.live("/list", ListLive);
    live.live("/nav", NavLive);
    live.live("/form", FormLive);
  });
});

afterEach(async () => {
  for (const view of views.splice(0)) view.close();
  await server.close();
});

async function join(path: string, options = {}): Promise<{ view: LiveViewHandle; html: string }> {
  const result = await live(server.base + path, { transport: WebSocket, ...options });
  views.push(result.view);
  return result;
}

describe("the HTTP render", () => {
  it("serves the page with the signed container, the CSRF meta tag and the rendered view", async () => {
    const page = await get(`${server.base}/counter`);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<div id="phx-[\w-]+" data-phx-main data-phx-session="[^"]+" data-phx-static="[^"]+">/);
    expect(page.html).toMatch(/<meta name="csrf-token" content="[^"]+">/);
    expect(parseContainer(page.html).inner).toContain("Current count: 5");
    expect(mounts).toEqual([{ view: "CounterLive", connected: false }]);
  });

  it("leaves other paths to the app", async () => {
    expect((await get(`${server.base}/nothing`)).status).toBe(404);
  });
});

describe("the join", () => {
  it("mounts connected and replies {rendered, liveview_version} that rebuilds the static HTML", async () => {
    const page = parseContainer((await get(`${server.base}/counter`)).html);
    const { view, html } = await join("/counter");
    expect(view.joinReply.liveview_version).toBe(LIVEVIEW_VERSION);
    expect(Array.isArray(view.joinReply.rendered.s)).toBe(true);
    expect(html).toBe(page.inner.replace(/5/, "5"));
    expect(mounts.at(-1)).toEqual({ view: "CounterLive", connected: true });
  });

  it("pins the installed phoenix_live_view version", () => {
    const require = createRequire(import.meta.url);
    const main = require.resolve("phoenix_live_view");
    expect(require(`${main}/../../../package.json`).version).toBe(LIVEVIEW_VERSION);
  });

  it("refuses a tampered session with unauthorized, and never mounts", async () => {
    const page = await get(`${server.base}/counter`);
    mounts.length = 0;
    const tampered = page.html.replace(/data-phx-session="([^"]+)"/, (_m, token: string) => `data-phx-session="${token.slice(0, -3)}abc"`);
    const result = await joinWith(tampered, "/counter").catch((err: unknown) => err);
    expect(result).toBeInstanceOf(JoinError);
    expect((result as JoinError).response).toEqual({ reason: "unauthorized" });
    expect(mounts).toEqual([]);
  });

  it("refuses an expired session with stale, and never mounts", async () => {
    const page = await get(`${server.base}/counter`);
    const { id } = parseContainer(page.html);
    const old = server.endpoint.tokens.sign(
      SESSION_SALT,
      { v: 1, id, view: "CounterLive", session: {}, csrf: "x" },
      { signedAt: Date.now() / 1000 - 15 * 86_400 },
    );
    mounts.length = 0;
    const result = await joinWith(page.html.replace(/data-phx-session="[^"]+"/, `data-phx-session="${old}"`), "/counter", { csrf: false }).catch(
      (err: unknown) => err,
    );
    expect((result as JoinError).response).toEqual({ reason: "stale" });
    expect(mounts).toEqual([]);
  });

  it("refuses a CSRF token from another page", async () => {
    const other = parseContainer((await get(`${server.base}/counter`)).html).csrfToken;
    const result = await join("/counter", { params: { _csrf_token: other } }).catch((err: unknown) => err);
    expect((result as JoinError).response).toEqual({ reason: "unauthorized" });
  });
});

/** Joins with a page's HTML we changed, as the browser would from that page. */
async function joinWith(pageHtml: string, path: string, options: { csrf?: boolean } = {}): Promise<LiveViewHandle> {
  const { Socket } = await import("phoenix");
  const c = parseContainer(pageHtml);
  const socket = new Socket(`${server.base.replace("http", "ws")}/live`, { transport: WebSocket } as never);
  socket.connect();
  const params = options.csrf === false ? {} : { _csrf_token: c.csrfToken };
  const channel = socket.channel(`lv:${c.id}`, { url: server.base + path, params, session: c.session, static: c.static });
  try {
    return await new Promise((_resolve, reject) => {
      channel
        .join()
        .receive("ok", () => reject(new Error("joined")))
        .receive("error", (r: unknown) => reject(new JoinError(r)));
    });
  } finally {
    socket.disconnect();
  }
}

describe("events", () => {
  it("replies to a click with a diff that holds only the changed dynamic", async () => {
    const { view } = await join("/counter");
    const reply = await view.push("event", { type: "click", event: "inc", value: {} });
    expect(reply).toEqual({ diff: { 1: "6" } });
    expect(view.html()).toContain("Current count: 6");
    expect(await renderClick(view, "dec")).toContain("Current count: 5");
  });

  it("replies {} when nothing changed", async () => {
    const { view } = await join("/counter");
    expect(await view.push("event", { type: "click", event: "noop", value: {} })).toEqual({});
  });

  it("answers a hook's pushEvent with the object handleEvent returns (r)", async () => {
    const { view } = await join("/counter");
    expect(await view.push("event", { type: "hook", event: "ask", value: {} })).toEqual({ diff: { r: { answer: 5 } } });
  });

  it("answers an event payload that is not an object with an error", async () => {
    const { view } = await join("/counter");
    await expect(view.push("event", "nonsense" as never)).rejects.toThrow(/must be an object/);
    expect(await renderClick(view, "inc")).toContain("Current count: 6");
  });

  it("passes phx-value-* attributes and keyup keys", async () => {
    const { view } = await join("/counter");
    expect(await renderClick(view, "set", { to: "41" })).toContain("Current count: 41");
    expect(await renderKeyup(view, "key", "ArrowUp")).toContain("Current count: 51");
  });

  it("decodes phx-change and phx-submit forms, with _target", async () => {
    const { view } = await join("/form");
    let html = await renderChange(view, "validate", { "user[name]": "" }, "user[name]");
    expect(html).toContain('<span class="error">can&#39;t be blank</span>');
    expect(html).toContain("target [&quot;user&quot;,&quot;name&quot;]");
    html = await renderChange(view, "validate", { "user[name]": "Ada" }, "user[name]");
    expect(html).not.toContain("blank");
    expect(await renderSubmit(view, "save", { "user[name]": "Ada <3" })).toContain("Welcome, Ada &lt;3!");
  });

  it("sends pushEvent as e in the reply", async () => {
    const { view } = await join("/feed");
    const reply = await view.push("event", { type: "click", event: "notify", value: {} });
    expect(reply).toEqual({ diff: { e: [["highlight", { id: 7 }]] } });
  });

  it("answers a bad event payload with an error and keeps the view", async () => {
    const { view } = await join("/counter");
    await expect(view.push("unknown_event", {})).rejects.toThrow(/unknown event/);
    expect(await renderClick(view, "inc")).toContain("Current count: 6");
  });
});

describe("server pushes and subscriptions", () => {
  it("subscribes only when connected and releases on close", async () => {
    await get(`${server.base}/feed`);
    expect(server.endpoint.pubsub.subscriberCount("feed:1")).toBe(0);
    const { view } = await join("/feed");
    expect(server.endpoint.pubsub.subscriberCount("feed:1")).toBe(1);
    view.socket.disconnect();
    await waitUntil(() => server.endpoint.pubsub.subscriberCount("feed:1") === 0);
    expect(server.live.viewCount).toBe(0);
  });

  it("pushes a diff after handleInfo", async () => {
    const { view } = await join("/feed");
    await server.endpoint.broadcast("feed:1", "stock_change", { level: 3 });
    await view.waitFor(() => view.diffs.length === 1, "a diff push");
    expect(view.diffs[0]).toEqual({ 0: "stock_change {&quot;level&quot;:3}", 1: "1" });
    expect(render(view)).toContain('<div id="feed">last: stock_change {&quot;level&quot;:3}, seen: 1</div>');
  });

  it("handles one message at a time: a broadcast waits for the slow event", async () => {
    const { view } = await join("/feed");
    const slow = view.push("event", { type: "click", event: "slow", value: {} });
    await waitUntil(() => order.includes("slow start"));
    await server.endpoint.broadcast("feed:1", "released", {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["slow start"]);
    release();
    await slow;
    await view.waitFor(() => view.diffs.length === 1, "the diff");
    expect(order).toEqual(["slow start", "slow end", "info released"]);
  });

  it("a crash ends the view, releases its subscriptions, and the client rejoins fresh", async () => {
    const { view } = await join("/feed");
    const errored = new Promise<void>((resolve) => view.channel.onError(() => resolve()));
    void view.push("event", { type: "click", event: "crash", value: {} }).catch(() => undefined);
    await errored;
    expect(mounts.filter((m) => m.view === "FeedLive" && m.connected)).toHaveLength(1);
    // phoenix.js rejoins the channel by itself: a second connected mount, still one subscription
    await waitUntil(() => mounts.filter((m) => m.view === "FeedLive" && m.connected).length === 2);
    await waitUntil(() => server.live.viewCount === 1);
    expect(server.endpoint.pubsub.subscriberCount("feed:1")).toBe(1);
  });
});

describe("live components", () => {
  it("renders components in c by cid, updates one alone with sendUpdate and with its own events", async () => {
    const { view, html } = await join("/list");
    expect(html).toContain(
      '<h2>Rows</h2><ul><li phx-click="bump" phx-target="1">row 1: 0</li><li phx-click="bump" phx-target="2">row 2: 0</li><li phx-click="bump" phx-target="3">row 3: 0</li></ul>',
    );
    expect(Object.keys(view.joinReply.rendered.c)).toEqual(["1", "2", "3"]);
    await view.push("event", { type: "click", event: "update", value: { id: "2", n: "5" } });
    await view.waitFor(() => view.diffs.length === 1, "the component diff");
    expect(view.diffs[0]).toEqual({ c: { 2: { 2: "5" } } });
    const reply = await view.push("event", { type: "click", event: "bump", value: {}, cid: 3 });
    expect(reply).toEqual({ diff: { c: { 3: { 2: "1" } } } });
    expect(render(view)).toContain('row 2: 5</li><li phx-click="bump" phx-target="3">row 3: 1</li>');
  });

  it("drops a removed component when the client reports it destroyed", async () => {
    const { view } = await join("/list");
    await renderClick(view, "drop", { id: "2" });
    expect(view.html()).not.toContain("row 2");
    expect(await view.push("cids_will_destroy", { cids: [2] })).toEqual({});
    expect(await view.push("cids_destroyed", { cids: [2] })).toEqual({ cids: [2] });
  });
});

describe("navigation", () => {
  it("runs handleParams on mount, on pushPatch and on a client live_patch", async () => {
    const { view, html } = await join("/nav?page=3");
    expect(html).toContain("page 3");
    const reply = await view.push("event", { type: "click", event: "next", value: {} });
    expect(reply).toEqual({ diff: { 0: "4", t: "Page 4" }, live_patch: { to: "/nav?page=4", kind: "push" } });
    expect(view.title).toBe("Page 4");
    expect(await renderPatch(view, "/nav?page=9")).toEqual({ diff: { 0: "9", t: "Page 9" } });
    expect(await renderPatch(view, "/counter")).toEqual({ link_redirect: true });
  });

  it("pushNavigate replies live_redirect with the flash, which the next view mounts with", async () => {
    const { view } = await join("/nav");
    const reply = await view.push("event", { type: "click", event: "away", value: {} });
    expect(reply.live_redirect).toMatchObject({ to: "/counter", kind: "push" });
    // what the client does next: join a new channel for the same container with `redirect`
    const { Socket } = await import("phoenix");
    const socket = new Socket(`${server.base.replace("http", "ws")}/live`, { transport: WebSocket } as never);
    socket.connect();
    const c = view.container;
    const channel = socket.channel(`lv:${c.id}`, {
      redirect: `${server.base}/counter`,
      params: { _csrf_token: c.csrfToken, _mounts: 0 },
      session: c.session,
      static: c.static,
      flash: reply.live_redirect.flash,
    });
    const rendered = await new Promise<Record<string, unknown>>((resolve, reject) => channel.join().receive("ok", resolve).receive("error", reject));
    socket.disconnect();
    expect(JSON.stringify(rendered)).toContain("came from nav");
    expect(JSON.stringify(rendered)).toContain("Current count: ");
  });

  it("redirect replies {redirect}", async () => {
    const { view } = await join("/nav");
    expect(await view.push("event", { type: "click", event: "leave", value: {} })).toEqual({ redirect: { to: "/elsewhere" } });
  });
});

describe("long-poll", () => {
  it("joins and handles events over /live/longpoll", async () => {
    const { view } = await join("/counter", { transport: undefined, longPoll: true });
    expect(await renderClick(view, "inc")).toContain("Current count: 6");
    expect((view.socket as unknown as { transport: { name: string } }).transport.name).toBe("LongPoll");
  });
});

async function waitUntil(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
