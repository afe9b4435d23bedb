// The official phoenix_live_view client (the pinned 1.2.12, bundled unmodified by esbuild) in
// headless Chromium against the demo: it connects, clicks and forms update the page, two tabs
// count independently, and live navigation rejoins over the same socket without a page load.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeDiagnostics, launchChromium, watchPage } from "../../hello/test/support/browser.js";
import type { PageDiagnostics } from "../../hello/test/support/browser.js";
import { startDemo } from "./support/demo.js";
import type { RunningDemo } from "./support/demo.js";

let running: RunningDemo;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  running = await startDemo();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await running?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
});

afterEach(async () => {
  await context.close();
});

interface Tab {
  page: Page;
  diagnostics: PageDiagnostics;
  /** Every frame the page sent on /live, parsed. */
  sent: unknown[][];
  documents: string[];
}

async function open(path: string): Promise<Tab> {
  const page = await context.newPage();
  const diagnostics = watchPage(page);
  const sent: unknown[][] = [];
  const documents: string[] = [];
  page.on("request", (req) => {
    if (req.resourceType() === "document") documents.push(req.url());
  });
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/live/websocket")) return;
    ws.on("framesent", (frame) => {
      if (typeof frame.payload === "string") sent.push(JSON.parse(frame.payload));
    });
  });
  await page.goto(running.url + path);
  await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 10_000 });
  return { page, diagnostics, sent, documents };
}

const count = async (page: Page) => Number(/Current count: (\d+)/.exec((await page.textContent("[data-phx-main]")) ?? "")?.[1]);

function problems(tab: Tab): string[] {
  const bad = tab.diagnostics.console.filter((line) => /^\[(error|warning)\]/.test(line) || /mismatch/i.test(line));
  return [...bad, ...tab.diagnostics.errors];
}

describe("the counter in Chromium", () => {
  it("connects (phx-connected) with no version mismatch or join error, and the buttons count", async () => {
    const tab = await open("/counter");
    const n = await count(tab.page);
    expect(n).toBeGreaterThan(0);
    await tab.page.click("button[phx-click=inc]");
    await tab.page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), n + 1);
    await tab.page.click("button[phx-click=dec]");
    await tab.page.click("button[phx-click=dec]");
    await tab.page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), n - 1);
    expect(tab.sent.some((f) => f[3] === "phx_join" && String(f[2]).startsWith("lv:phx-"))).toBe(true);
    expect(problems(tab), describeDiagnostics(tab.diagnostics)).toEqual([]);
  });

  it("two tabs keep independent counts", async () => {
    const a = await open("/counter");
    const b = await open("/counter");
    const [na, nb] = [await count(a.page), await count(b.page)];
    await a.page.click("button[phx-click=inc]");
    await a.page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), na + 1);
    await b.page.click("button[phx-click=dec]");
    await b.page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), nb - 1);
    expect(await count(a.page)).toBe(na + 1);
    expect(problems(a), describeDiagnostics(a.diagnostics)).toEqual([]);
  });
});

describe("the signup form in Chromium", () => {
  it("shows errors as you type and welcomes a valid submit", async () => {
    const tab = await open("/signup");
    const { page } = tab;
    await page.fill("#user_name", "A");
    await page.fill("#user_name", "");
    await page.waitForSelector('.error[data-field="name"]', { timeout: 5_000 });
    expect(await page.textContent('.error[data-field="name"]')).toBe("can't be blank");
    expect(await page.$('.error[data-field="email"]')).toBeNull();
    await page.fill("#user_email", "ada@");
    await page.waitForFunction(() => document.querySelector('.error[data-field="email"]')?.textContent === "is not a valid email");
    await page.fill("#user_name", "Ada");
    await page.fill("#user_email", "ada@example.com");
    await page.waitForFunction(() => !document.querySelector(".error"));
    await page.click("button[type=submit]");
    await page.waitForSelector("p.welcome", { timeout: 5_000 });
    expect(await page.textContent("p.welcome")).toBe("Welcome, Ada!");
    expect(tab.sent.filter((f) => f[3] === "event").map((f) => (f[4] as { type: string }).type)).toContain("form");
    expect(problems(tab), describeDiagnostics(tab.diagnostics)).toEqual([]);
  });
});

describe("live navigation in Chromium", () => {
  it("moves /counter → /signup → /counter over the same socket, rejoining without a page load", async () => {
    const tab = await open("/counter");
    const { page } = tab;
    const joinsBefore = tab.sent.filter((f) => f[3] === "phx_join").length;
    await page.click('a[href="/signup"]');
    await page.waitForSelector("#signup", { timeout: 5_000 });
    await page.waitForSelector("[data-phx-main].phx-connected");
    expect(new URL(page.url()).pathname).toBe("/signup");
    await page.click('a[href="/counter"]');
    await page.waitForFunction(() => document.body.textContent?.includes("Current count:"));
    expect(new URL(page.url()).pathname).toBe("/counter");
    const joins = tab.sent.filter((f) => f[3] === "phx_join");
    expect(joins.length).toBe(joinsBefore + 2);
    expect((joins.at(-1)?.[4] as { redirect?: string } | undefined)?.redirect).toBe(`${running.url}/counter`);
    expect(tab.documents).toEqual([`${running.url}/counter`]);
    // the counter still works after coming back
    const n = await count(page);
    await page.click("button[phx-click=inc]");
    await page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), n + 1);
    expect(problems(tab), describeDiagnostics(tab.diagnostics)).toEqual([]);
  });
});

describe("join errors in Chromium", () => {
  it("a tampered session is refused and the client loads the page again, which then connects", async () => {
    const page = await context.newPage();
    const documents: string[] = [];
    page.on("request", (req) => {
      if (req.resourceType() === "document") documents.push(req.url());
    });
    let bad: string | undefined;
    await page.route(`${running.url}/counter`, async (route) => {
      const response = await route.fetch();
      let body = await response.text();
      if (bad === undefined) {
        body = body.replace(/data-phx-session="([^"]+)"/, (_m, token: string) => {
          bad = `${token.slice(0, -4)}AAAA`;
          return `data-phx-session="${bad}"`;
        });
      }
      await route.fulfill({ response, body });
    });
    await page.goto(`${running.url}/counter`);
    await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 15_000 });
    // the join with the tampered token got "unauthorized" (see test/views and packages/live tests);
    // the client answered with a full page load, whose fresh session connected
    expect(documents).toEqual([`${running.url}/counter`, `${running.url}/counter`]);
    expect(bad).toBeDefined();
    expect(await page.getAttribute("[data-phx-main]", "data-phx-session")).not.toBe(bad);
  });
});

describe("connection states in Chromium", () => {
  it("falls back to long-poll when the WebSocket never answers, and keeps working", async () => {
    const page = await context.newPage();
    const diagnostics = watchPage(page);
    const polls: string[] = [];
    page.on("request", (req) => {
      if (req.url().includes("/live/longpoll")) polls.push(req.method());
    });
    // A WebSocket that opens but never answers: phoenix.js's ping goes unanswered and it falls back.
    await page.routeWebSocket(/\/live\/websocket/, () => {});
    await page.goto(`${running.url}/counter`);
    await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 15_000 });
    expect(await page.evaluate(() => sessionStorage.getItem("phx:fallback:LongPoll"))).toBe("true");
    const n = await count(page);
    await page.click("button[phx-click=inc]");
    await page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), n + 1);
    expect(polls).toContain("POST");
    expect(polls).toContain("GET");
    expect(diagnostics.errors).toEqual([]);
  });

  it("shows the disconnected state (phx-client-error, phx-disconnected commands) while the server is down, then rejoins when it is back", async () => {
    const own = await startDemo();
    const port = Number(new URL(own.url).port);
    const page = await context.newPage();
    await page.goto(`${own.url}/counter`);
    await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 10_000 });
    await own.close();
    // LiveView 1.x marks a lost connection with phx-client-error (0.x called it phx-disconnected)
    await page.waitForSelector("[data-phx-main].phx-client-error:not(.phx-connected)", { timeout: 10_000 });
    await page.waitForSelector("#offline", { state: "visible", timeout: 10_000 });
    const again = await startDemo(port);
    try {
      await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 15_000 });
      await page.waitForSelector("#offline", { state: "hidden", timeout: 5_000 });
      const n = await count(page);
      await page.click("button[phx-click=inc]");
      await page.waitForFunction((want) => document.body.textContent?.includes(`Current count: ${want}`), n + 1);
    } finally {
      await again.close();
    }
  });
});
