// The counter and the signup form over a real socket with the phoenix client (Phoenix.LiveViewTest
// style): the HTTP render, the connected mount, clicks and form events, asserted on the HTML the
// client rebuilds from the frames.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { get, live, parseContainer, renderChange, renderClick, renderSubmit } from "../../../packages/live/src/testing/index.js";
import type { LiveViewHandle } from "../../../packages/live/src/testing/index.js";
import { startDemo } from "./support/demo.js";
import type { RunningDemo } from "./support/demo.js";

let running: RunningDemo;
const views: LiveViewHandle[] = [];

beforeAll(async () => {
  running = await startDemo();
});

afterAll(async () => {
  for (const view of views) view.close();
  await running.close();
});

async function mount(path: string) {
  const result = await live(running.url + path, { transport: WebSocket });
  views.push(result.view);
  return result;
}

const countOf = (html: string) => Number(/Current count: (\d+)/.exec(html)?.[1]);

describe("/counter", () => {
  it("renders a random start up to 100,000 from the controller's session", async () => {
    const page = await get(`${running.url}/counter`);
    expect(page.status).toBe(200);
    const count = countOf(parseContainer(page.html).inner);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(100_000);
    expect(page.html).toContain('<script defer type="text/javascript" src="/assets/app.js">');
    expect(page.html).toContain("<title>Counter</title>");
  });

  it("inc gives N+1 and dec gives N again, in the reply's diff", async () => {
    const { view, html } = await mount("/counter");
    const n = countOf(html);
    expect(await view.push("event", { type: "click", event: "inc", value: {} })).toEqual({ diff: { 0: String(n + 1) } });
    expect(countOf(view.html())).toBe(n + 1);
    expect(countOf(await renderClick(view, "dec"))).toBe(n);
  });

  it("two pages count independently", async () => {
    const a = await mount("/counter");
    const b = await mount("/counter");
    const [na, nb] = [countOf(a.html), countOf(b.html)];
    await renderClick(a.view, "inc");
    await renderClick(a.view, "inc");
    await renderClick(b.view, "dec");
    expect(countOf(a.view.html())).toBe(na + 2);
    expect(countOf(b.view.html())).toBe(nb - 1);
  });

  it("/ redirects to /counter", async () => {
    const res = await fetch(`${running.url}/`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/counter");
  });
});

describe("/signup", () => {
  it("shows errors under the touched fields on phx-change", async () => {
    const { view } = await mount("/signup");
    let html = await renderChange(view, "validate", { "user[name]": "", "user[_unused_email]": "", "user[email]": "" }, "user[name]");
    expect(html).toContain('<p class="error" data-field="name">can&#39;t be blank</p>');
    expect(html).not.toContain('data-field="email"');
    html = await renderChange(view, "validate", { "user[name]": "Ada", "user[email]": "ada@" }, "user[email]");
    expect(html).not.toContain('data-field="name"');
    expect(html).toContain('<p class="error" data-field="email">is not a valid email</p>');
  });

  it("welcomes a valid submit and refuses an invalid one", async () => {
    const { view } = await mount("/signup");
    expect(await renderSubmit(view, "save", { "user[name]": "", "user[email]": "x" })).toContain("can&#39;t be blank");
    expect(await renderSubmit(view, "save", { "user[name]": "Ada", "user[email]": "ada@example.com" })).toContain("Welcome, Ada!");
  });
});
