// The admin dashboard in Chromium, as the book's manual check runs it (part E §2.7): /admin
// behind Basic Auth in one window, store tabs in others. Two tabs of one browser are one shopper
// on two tabs; another browser profile is a second shopper; a size click shows up as an item held;
// closing tabs takes them off the page — all live, without reloading the dashboard.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { eventually } from "./support/product_client.js";
import { type SneakersProcess, operator, startSneakers, waitForStatus } from "./support/process.js";

let server: SneakersProcess | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startSneakers({ DATABASE_URL: "sqlite::memory:", NODE_NAME: `dashboard-browser-${process.pid}` });
  await waitForStatus(`${server.url}/`, 200);
  for (const id of [1, 2]) expect((await operator(server.url, "POST", `/api/products/${id}/release`)).status).toBe(200);
  for (let id = 1; id <= 26; id++) expect((await operator(server.url, "PUT", `/api/items/${id}/stock`, { count: 700 })).status).toBe(200);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

async function context(options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  const c = await browser!.newContext(options);
  contexts.push(c);
  return c;
}

interface DashboardView {
  status: string;
  shoppers: number;
  pages: Record<string, number>;
  items: Record<string, number>;
  held: number;
}

function readDashboard(page: Page): Promise<DashboardView> {
  return page.evaluate(() => {
    const pages: Record<string, number> = {};
    for (const li of document.querySelectorAll<HTMLElement>("#page-counts li[data-page]")) {
      pages[li.dataset.page ?? ""] = Number(li.querySelector(".page-count__count")?.textContent);
    }
    const items: Record<string, number> = {};
    for (const cell of document.querySelectorAll<HTMLElement>(".item-count[data-item-id]")) {
      const n = Number(cell.textContent);
      if (n > 0) items[cell.dataset.itemId ?? ""] = n;
    }
    return {
      status: document.body.dataset.dashboard ?? "",
      shoppers: Number(document.getElementById("shopper-count")?.textContent),
      pages,
      items,
      held: Number(document.getElementById("items-held")?.textContent),
    };
  });
}

async function dashboardShows(page: Page, what: string, expected: Omit<DashboardView, "status">): Promise<void> {
  let last: DashboardView | undefined;
  try {
    await eventually(what, async () => {
      last = await readDashboard(page);
      const { status: _status, ...shown } = last;
      return JSON.stringify(shown) === JSON.stringify(expected);
    });
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nexpected ${JSON.stringify(expected)}\nshown    ${JSON.stringify(last)}\n--- server ---\n${server!.output().split("\n").slice(-20).join("\n")}`,
    );
  }
}

async function storeTab(c: BrowserContext): Promise<Page> {
  const tab = await c.newPage();
  expect((await tab.goto(`${server!.url}/`, { waitUntil: "load" }))?.status()).toBe(200);
  return tab;
}

it("the dashboard counts shoppers, tabs per page and items held, live", async () => {
  // (The 401 challenge without credentials: test/admin.test.ts; headless Chromium aborts on it.)
  const adminPage = await (await context({ httpCredentials: { username: "admin", password: "password" } })).newPage();
  expect((await adminPage.goto(`${server!.url}/admin`, { waitUntil: "load" }))?.status()).toBe(200);
  await eventually("dashboard live", async () => (await readDashboard(adminPage)).status === "live");
  await dashboardShows(adminPage, "empty store", { shoppers: 0, pages: {}, items: {}, held: 0 });

  // A shopper opens the store: one shopper on "/".
  const alice = await context();
  const tab1 = await storeTab(alice);
  await dashboardShows(adminPage, "one shopper", { shoppers: 1, pages: { "/": 1 }, items: {}, held: 0 });

  // She picks a size: the item is held once.
  const button = tab1.locator('.product-listing[data-product-id="1"] button.size-container__entry').nth(3);
  const itemId = await button.getAttribute("value");
  await button.click();
  await dashboardShows(adminPage, "item held", { shoppers: 1, pages: { "/": 1 }, items: { [itemId!]: 1 }, held: 1 });

  // A second tab of the same browser: the same cart, so still one shopper, on two tabs; the item counts once.
  const tab2 = await storeTab(alice);
  await dashboardShows(adminPage, "second tab", { shoppers: 1, pages: { "/": 2 }, items: { [itemId!]: 1 }, held: 1 });

  // Another browser profile (the book's incognito window) is another shopper holding the same size.
  const bob = await storeTab(await context());
  await bob.locator(`button.size-container__entry[value="${itemId}"]`).click();
  await dashboardShows(adminPage, "second shopper", { shoppers: 2, pages: { "/": 3 }, items: { [itemId!]: 2 }, held: 2 });

  // Closing tabs takes them off, the last one takes the shopper.
  await tab2.close();
  await dashboardShows(adminPage, "tab closed", { shoppers: 2, pages: { "/": 2 }, items: { [itemId!]: 2 }, held: 2 });
  await bob.close();
  await dashboardShows(adminPage, "bob left", { shoppers: 1, pages: { "/": 1 }, items: { [itemId!]: 1 }, held: 1 });
  await tab1.close();
  await dashboardShows(adminPage, "everyone left", { shoppers: 0, pages: {}, items: {}, held: 0 });
  // The debugging helper of the book.
  expect(await adminPage.evaluate(() => Object.keys((window as unknown as { presence: { state: object } }).presence.state).length)).toBe(0);
}, 120_000);
