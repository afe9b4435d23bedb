// The rendered JSON against exact expected values, and against the official client's `Rendered`
// (phoenix_live_view 1.2.12's rendered.js loaded in Node): what it rebuilds equals our HTML.
import { describe, expect, it } from "vitest";
import { officialHtml } from "../test/support/official_rendered.js";
import { ClientRendered } from "./testing/client_rendered.js";
import { build, diff, full, toHtml } from "./rendered.js";
import { html, raw } from "./template.js";

const item = (name: string, n: number) => html`<li class="item">${name}: ${n}</li>`;
const page = (title: string, items: [string, number][], note?: string) =>
  html`<h1>${title}</h1><ul>${items.map(([name, n]) => item(name, n))}</ul>${note ? html`<p>${note}</p>` : ""}`;

describe("templates", () => {
  it("splits statics from dynamics, escaping values", () => {
    const tree = build(html`<p title="${`a"b`}">${"<b>&"}</p>`);
    expect(full(tree)).toEqual({ s: ['<p title="', '">', "</p>"], 0: "a&quot;b", 1: "&lt;b&gt;&amp;" });
    expect(toHtml(tree)).toBe('<p title="a&quot;b">&lt;b&gt;&amp;</p>');
  });

  it("inserts raw() as it is, numbers as text, and nothing for null, undefined and booleans", () => {
    const tree = build(html`${raw("<i>x</i>")}|${42}|${null}|${undefined}|${false}|${true}`);
    expect(toHtml(tree)).toBe("<i>x</i>|42||||");
  });

  it("nests templates as rendered maps with their own statics", () => {
    const tree = build(html`<div>${html`<span>${"x"}</span>`}</div>`);
    expect(full(tree)).toEqual({ s: ["<div>", "</div>"], 0: { s: ["<span>", "</span>"], 0: "x" } });
  });

  it("renders a list of one template as a keyed comprehension sharing one statics array", () => {
    const tree = build(
      page("Shoes", [
        ["a", 1],
        ["b", 2],
      ]),
    );
    expect(full(tree)).toEqual({
      s: ["<h1>", "</h1><ul>", "</ul>", ""],
      0: "Shoes",
      1: { s: ['<li class="item">', ": ", "</li>"], k: { 0: { 0: "a", 1: "1" }, 1: { 0: "b", 1: "2" }, kc: 2 } },
      2: "",
    });
  });

  it("wraps items of a mixed list one per entry", () => {
    const tree = build(html`<ul>${[html`<li>${1}</li>`, "text", html`<b>${2}</b>`]}</ul>`);
    expect(full(tree)).toEqual({
      s: ["<ul>", "</ul>"],
      0: {
        s: ["", ""],
        k: { 0: { 0: { s: ["<li>", "</li>"], 0: "1" } }, 1: { 0: "text" }, 2: { 0: { s: ["<b>", "</b>"], 0: "2" } }, kc: 3 },
      },
    });
    expect(toHtml(tree)).toBe("<ul><li>1</li>text<b>2</b></ul>");
  });
});

describe("diffs", () => {
  it("carry only the changed dynamics, and nothing when nothing changed", () => {
    const before = build(
      page("Shoes", [
        ["a", 1],
        ["b", 2],
      ]),
    );
    expect(
      diff(
        before,
        build(
          page("Shoes", [
            ["a", 1],
            ["b", 2],
          ]),
        ),
      ),
    ).toBeUndefined();
    expect(
      diff(
        before,
        build(
          page("Boots", [
            ["a", 1],
            ["b", 3],
          ]),
        ),
      ),
    ).toEqual({ 0: "Boots", 1: { k: { 1: { 1: "3" }, kc: 2 } } });
  });

  it("send statics only for a new fingerprint", () => {
    const before = build(page("Shoes", []));
    const after = build(page("Shoes", [], "sale"));
    expect(diff(before, after)).toEqual({ 2: { s: ["<p>", "</p>"], 0: "sale" } });
    expect(diff(after, build(page("Shoes", [], "final sale")))).toEqual({ 2: { 0: "final sale" } });
  });

  it("grow and shrink lists by index with kc", () => {
    const two = build(
      page("x", [
        ["a", 1],
        ["b", 2],
      ]),
    );
    const three = build(
      page("x", [
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ]),
    );
    expect(diff(two, three)).toEqual({ 1: { k: { 2: { 0: "c", 1: "3" }, kc: 3 } } });
    expect(diff(three, two)).toEqual({ 1: { k: { kc: 2 } } });
  });

  it("send the list's statics once its first items arrive", () => {
    const empty = build(page("x", []));
    const one = build(page("x", [["a", 1]]));
    expect(diff(empty, one)).toEqual({ 1: { s: ['<li class="item">', ": ", "</li>"], k: { 0: { 0: "a", 1: "1" }, kc: 1 } } });
  });
});

describe("the official client's Rendered", () => {
  const steps = [
    page("Shoes", []),
    page("Shoes", [["a", 1]]),
    page(
      "Shoes",
      [
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ],
      "sale",
    ),
    page(
      "Sh<o>es",
      [
        ["a", 0],
        ["b", 2],
        ["c", 3],
      ],
      "sale",
    ),
    page("Shoes", [["c", 9]]),
    page("Shoes", [["c", 9]], "gone"),
    page("Shoes", []),
  ];

  it("rebuilds the same HTML from our join payload and every diff after it", async () => {
    let old = build(steps[0]);
    const rendered = full(old);
    const diffs: unknown[] = [];
    const client = new ClientRendered(rendered as object);
    for (const step of steps.slice(1)) {
      const next = build(step);
      const change = diff(old, next) ?? {};
      diffs.push(change);
      client.merge(change as object);
      expect(await officialHtml(rendered, diffs)).toBe(toHtml(next));
      expect(client.toString()).toBe(toHtml(next));
      old = next;
    }
  });

  it("takes a template that replaces a string and a string that replaces a template", async () => {
    const a = build(html`<div>${"text"}</div>`);
    const b = build(html`<div>${html`<em>${"x"}</em>`}</div>`);
    const rendered = full(a);
    const diffs = [diff(a, b), diff(b, a)];
    expect(await officialHtml(rendered, diffs.slice(0, 1))).toBe("<div><em>x</em></div>");
    expect(await officialHtml(rendered, diffs)).toBe("<div>text</div>");
  });
});
