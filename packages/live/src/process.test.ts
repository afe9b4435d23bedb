// A view with live components, run without a socket: its join payload and the diffs of component
// events, merged by the official client's Rendered, give the HTML the view renders — and the
// client tags each component's root (the `r: 1` it needs).
import { describe, expect, it } from "vitest";
import { officialHtml, officialRendered } from "../test/support/official_rendered.js";
import { defineComponent, liveComponent } from "./component.js";
import { ViewProcess } from "./process.js";
import { html } from "./template.js";
import { ClientRendered } from "./testing/client_rendered.js";
import { defineView } from "./view.js";

const Cell = defineComponent<{ label: string; clicks: number }>({
  name: "Cell",
  mount: (socket) => void socket.assign("clicks", 0),
  render: ({ label, clicks, myself }) => html`<td phx-click="hit" phx-target="${myself}">${label} ${clicks}</td>`,
  handleEvent: (_event, _value, socket) => void socket.update("clicks", (n) => n + 1),
});

const Grid = defineView<{ labels: string[] }>({
  name: "Grid",
  mount: (_params, _session, socket) => void socket.assign("labels", ["a", "b"]),
  render: ({ labels }) => html`<table><tr>${labels.map((label) => liveComponent(Cell, { id: label, label }))}</tr></table>`,
  handleEvent: (_event, _value, socket) => void socket.update("labels", (l) => [...l, "c"]),
});

describe("components through the official client", () => {
  it("rebuilds the view's HTML from the join and from component-only diffs", async () => {
    const process = new ViewProcess(Grid, "phx-t", new URL("http://x/grid"), undefined);
    await process.mount({}, {});
    const rendered = process.rendered();
    expect(rendered.c).toEqual({
      1: { s: ['<td phx-click="hit" phx-target="', '">', " ", "</td>"], 0: "1", 1: "a", 2: "0", r: 1 },
      2: { s: ['<td phx-click="hit" phx-target="', '">', " ", "</td>"], 0: "2", 1: "b", 2: "0", r: 1 },
    });
    const Rendered = await officialRendered();
    const tagged = new Rendered("phx-t", structuredClone(rendered)).toString().buffer;
    expect(tagged).toContain('data-phx-component="1"');

    const hit = await process.handleEvent({ type: "click", event: "hit", value: {}, cid: 2 });
    expect(hit).toEqual({ diff: { c: { 2: { 2: "1" } } } });
    const grow = await process.handleEvent({ type: "click", event: "grow", value: {} });
    const diffs = [hit.diff, grow.diff];
    const want = process.html();
    expect(want).toBe(
      '<table><tr><td phx-click="hit" phx-target="1">a 0</td><td phx-click="hit" phx-target="2">b 1</td><td phx-click="hit" phx-target="3">c 0</td></tr></table>',
    );
    expect(await officialHtml(rendered, diffs)).toBe(want);
    const client = new ClientRendered(structuredClone(rendered));
    for (const d of diffs) client.merge(structuredClone(d) as object);
    expect(client.toString()).toBe(want);
  });

  it("refuses a component without a single root element", async () => {
    const Bad = defineComponent({ name: "Bad", render: () => html`<td>1</td><td>2</td>` });
    const View = defineView({ name: "V", render: () => html`<tr>${liveComponent(Bad, { id: 1 })}</tr>` });
    const process = new ViewProcess(View, "phx-b", new URL("http://x/"), undefined);
    expect(() => process.html()).toThrow(/single root element/);
  });
});
