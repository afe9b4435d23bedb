// The official phoenix_live_view 1.2.12 client (bundled unmodified) in headless Chromium against
// the runtime's features beyond the demo: live components (the client's `c` merge, its
// data-phx-component tagging, phx-target), server `diff` pushes from PubSub, pushEvent to a window
// listener, pushPatch and data-phx-link="patch" (history without a page load, `t` titles).
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeDiagnostics, launchChromium, watchPage } from "../../../apps/hello/test/support/browser.js";
import type { PageDiagnostics } from "../../../apps/hello/test/support/browser.js";
import { defaultLayout } from "../src/index.js";
import { startLive } from "./support/server.js";
import type { TestServer } from "./support/server.js";
import { CounterLive, FeedLive, ListLive, NavLive } from "./views.js";

const CLIENT = `
import { Socket } from "phoenix";
import { LiveSocket } from "phoenix_live_view";
window.received = [];
window.addEventListener("phx:highlight", (e) => window.received.push(e.detail));
const csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content");
new LiveSocket("/live", Socket, { params: { _csrf_token: csrf } }).connect();
`;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: CLIENT, resolveDir: fileURLToPath(new URL("..", import.meta.url)), loader: "js" },
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "silent",
  });
  server = await startLive(
    (live) => {
      live.live("/counter", CounterLive).live("/feed", FeedLive).live("/list", ListLive).live("/nav", NavLive);
    },
    { layout: defaultLayout({ scripts: ["/app.js"] }) },
    { "/app.js": bundle.outputFiles[0]?.text ?? "", "/favicon.ico": "" },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
});

afterEach(async () => {
  await context.close();
});

async function open(path: string): Promise<{ page: Page; diagnostics: PageDiagnostics; documents: string[]; received: unknown[] }> {
  const page = await context.newPage();
  const diagnostics = watchPage(page);
  const documents: string[] = [];
  const received: unknown[] = [];
  page.on("request", (req) => {
    if (req.resourceType() === "document") documents.push(req.url());
  });
  page.on("websocket", (ws) => ws.on("framereceived", (f) => typeof f.payload === "string" && received.push(JSON.parse(f.payload))));
  await page.goto(server.base + path);
  await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 10_000 });
  return { page, diagnostics, documents, received };
}

const clean = (d: PageDiagnostics) => [...d.errors, ...d.console.filter((l) => /^\[(error|warning)\]/.test(l))];

describe("live components in Chromium", () => {
  it("tags each component, routes phx-target clicks to it, and applies sendUpdate diffs", async () => {
    const { page, diagnostics } = await open("/list");
    expect(await page.$$eval("li[data-phx-component]", (els) => els.map((e) => e.getAttribute("data-phx-component")))).toEqual(["1", "2", "3"]);
    await page.click("li[phx-target='3']");
    await page.waitForFunction(() => document.querySelector("li[phx-target='3']")?.textContent === "row 3: 1");
    await page.click("#update");
    await page.waitForFunction(() => document.querySelector("li[phx-target='2']")?.textContent === "row 2: 5");
    expect(await page.textContent("li[phx-target='1']")).toBe("row 1: 0");
    expect(clean(diagnostics), describeDiagnostics(diagnostics)).toEqual([]);
  });
});

describe("server pushes in Chromium", () => {
  it("patches the page from a PubSub broadcast, and dispatches pushEvent on window", async () => {
    const { page, diagnostics } = await open("/feed");
    await server.endpoint.broadcast("feed:1", "released", { id: 1 });
    await page.waitForFunction(() => document.querySelector("#feed")?.textContent === 'last: released {"id":1}, seen: 1');
    await page.click("button[phx-click=notify]");
    await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length === 1);
    expect(await page.evaluate(() => (window as unknown as { received: unknown[] }).received)).toEqual([{ id: 7 }]);
    expect(clean(diagnostics), describeDiagnostics(diagnostics)).toEqual([]);
  });
});

describe("live patches in Chromium", () => {
  it("pushPatch and a patch link change the URL and the title without a page load", async () => {
    const { page, diagnostics, documents } = await open("/nav?page=2");
    expect(await page.title()).toBe("Page 2");
    await page.click("button[phx-click=next]");
    await page.waitForFunction(() => document.body.textContent?.includes("page 3"));
    expect(new URL(page.url()).search).toBe("?page=3");
    await page.waitForFunction(() => document.title === "Page 3");
    await page.click("#seven");
    await page.waitForFunction(() => document.body.textContent?.includes("page 7"));
    expect(new URL(page.url()).search).toBe("?page=7");
    await page.goBack();
    await page.waitForFunction(() => document.body.textContent?.includes("page 3"));
    expect(documents).toEqual([`${server.base}/nav?page=2`]);
    expect(clean(diagnostics), describeDiagnostics(diagnostics)).toEqual([]);
  });
});
