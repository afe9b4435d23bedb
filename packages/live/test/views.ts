// Small views that exercise one feature each, for the runtime tests.
import { defineComponent, defineView, html, liveComponent } from "../src/index.js";

export const mounts: { view: string; connected: boolean }[] = [];

export const CounterLive = defineView<{ count: number }>({
  name: "CounterLive",
  mount(_params, session, socket) {
    mounts.push({ view: "CounterLive", connected: socket.connected });
    socket.assign("count", Number(session.count ?? 0));
  },
  render: ({ count, flash }) =>
    html`${flash.info ? html`<p class="flash">${flash.info}</p>` : ""}Current count: ${count}
<button phx-click="dec">-</button>
<button phx-click="inc">+</button>`,
  handleEvent(event, value, socket) {
    if (event === "inc") socket.update("count", (n) => n + 1);
    else if (event === "dec") socket.update("count", (n) => n - 1);
    else if (event === "set") socket.assign("count", Number(value.to));
    else if (event === "boom") throw new Error("boom");
    else if (event === "noop") return;
    else if (event === "ask") return { answer: socket.assigns.count };
    else if (event === "key") socket.assign("count", value.key === "ArrowUp" ? socket.assigns.count + 10 : socket.assigns.count);
  },
});

/** Logs the order its callbacks run in; `slow` waits for `release()`. */
export const order: string[] = [];
let releaseSlow: (() => void) | undefined;
export const release = () => releaseSlow?.();

export const FeedLive = defineView<{ last: string; seen: number }>({
  name: "FeedLive",
  mount(_params, _session, socket) {
    mounts.push({ view: "FeedLive", connected: socket.connected });
    socket.assign({ last: "none", seen: 0 });
    socket.subscribe("feed:1");
  },
  render: ({ last, seen }) => html`<div id="feed">last: ${last}, seen: ${seen}</div><button phx-click="notify">notify</button>`,
  async handleEvent(event, _value, socket) {
    if (event === "slow") {
      order.push("slow start");
      await new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      order.push("slow end");
    }
    if (event === "notify") socket.pushEvent("highlight", { id: 7 });
    if (event === "crash") throw new Error("crash in handleEvent");
  },
  handleInfo(message, socket) {
    order.push(`info ${message.event}`);
    socket.assign({ last: `${message.event} ${JSON.stringify(message.payload)}`, seen: socket.assigns.seen + 1 });
  },
});

export const Row = defineComponent<{ name: string; n: number }>({
  name: "Row",
  render: ({ name, n, myself }) => html`<li phx-click="bump" phx-target="${myself}">${name}: ${n}</li>`,
  handleEvent(event, _value, socket) {
    if (event === "bump") socket.update("n", (n) => n + 1);
  },
});

export const ListLive = defineView<{ rows: { id: number; name: string }[]; header: string }>({
  name: "ListLive",
  mount(_params, _session, socket) {
    socket.assign({ header: "Rows", rows: [1, 2, 3].map((id) => ({ id, name: `row ${id}` })) });
  },
  render: ({ rows, header }) =>
    html`<h2>${header}</h2><ul>${rows.map((r) => liveComponent(Row, { id: r.id, name: r.name, n: 0 }))}</ul><button id="update" phx-click="update" phx-value-id="2" phx-value-n="5">update</button>`,
  handleEvent(event, value, socket) {
    if (event === "update") socket.sendUpdate(Row, Number(value.id), { n: Number(value.n) });
    if (event === "drop") socket.update("rows", (rows) => rows.filter((r) => r.id !== Number(value.id)));
  },
});

export const NavLive = defineView<{ page: string }>({
  name: "NavLive",
  mount(_params, _session, socket) {
    socket.assign("page", "?");
  },
  handleParams(params, _url, socket) {
    socket.assign({ page: String(params.page ?? "1"), pageTitle: `Page ${params.page ?? "1"}` });
  },
  render: ({ page }) =>
    html`<p>page ${page}</p><a href="/counter" data-phx-link="redirect" data-phx-link-state="push">counter</a>
<a id="seven" href="/nav?page=7" data-phx-link="patch" data-phx-link-state="push">seven</a><button phx-click="next">next</button>`,
  handleEvent(event, _value, socket) {
    if (event === "next") socket.pushPatch(`/nav?page=${Number(socket.assigns.page) + 1}`);
    if (event === "away") socket.putFlash("info", "came from nav").pushNavigate("/counter");
    if (event === "leave") socket.redirect("/elsewhere");
  },
});

export const FormLive = defineView<{ name: string; error: string; done: string }>({
  name: "FormLive",
  mount(_params, _session, socket) {
    socket.assign({ name: "", error: "", done: "" });
  },
  render: ({ name, error, done }) =>
    html`<form phx-change="validate" phx-submit="save"><input name="user[name]" value="${name}">${error ? html`<span class="error">${error}</span>` : ""}</form>${done}`,
  handleEvent(event, value, socket) {
    const user = (value.user ?? {}) as Record<string, string>;
    const name = String(user.name ?? "");
    socket.assign({ name, error: name.trim() === "" ? "can't be blank" : "" });
    if (event === "save" && name.trim() !== "") socket.assign("done", `Welcome, ${name}!`);
    if (event === "validate") socket.assign("done", `target ${JSON.stringify(value._target)}`);
  },
});
