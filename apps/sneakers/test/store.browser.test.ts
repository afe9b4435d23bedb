// The store front in headless Chromium against one built server (dist/main.js) on its own
// SQLite file: the page as seeded, live releases and stock levels, back navigation, and
// component restarts the shopper must not notice (book part C §10 items 15–19, part D §7 items
// 1–4 and 11). Each test starts from `POST /api/reset` (fresh seed, ids 1 and 2) in a new
// browser context; every wait retries until a bound.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { type SneakersProcess, operator, runCli, startSneakers } from "./support/process.js";
import {
  type Shopper,
  joinOks,
  levelsOf,
  listings,
  load,
  openShopper,
  received,
  socketConnected,
  summarize,
  tempDatabase,
  until,
  waitForJoins,
  waitForListings,
} from "./support/shopper.js";

const SIZES = ["6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"];
const database = tempDatabase("store-browser");

let server: SneakersProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let setupError: unknown;

interface StatusItem {
  id: number;
  size: string;
  available_count: number;
  level: string;
}

async function statusItems(productId: number): Promise<StatusItem[]> {
  const { status, json } = await operator(url(), "GET", "/api/status");
  expect(status).toBe(200);
  const product = (json.products as { id: number; items: StatusItem[] }[]).find((p) => p.id === productId);
  if (!product) throw new Error(`product ${productId} not in /api/status: ${JSON.stringify(json)}`);
  return product.items;
}

function url(): string {
  if (!server) throw new Error("no server");
  return server.url;
}

async function cli(shopper: Shopper, ...args: string[]): Promise<string> {
  const result = await runCli(url(), args);
  expect(result.code, shopper.context(`CLI ${args.join(" ")} failed: ${result.stderr}${result.stdout}`)).toBe(0);
  return result.stdout;
}

/** A new page on `/` whose socket has joined product:1 and product:2. */
async function shopperOnStore(): Promise<Shopper> {
  if (!context) throw new Error("no browser context");
  const shopper = await openShopper(context, () => server);
  await load(shopper, url());
  await waitForJoins(shopper, ["product:1", "product:2"]);
  return shopper;
}

const productList = (shopper: Shopper) => shopper.page.locator("main.product-list").innerHTML({ timeout: 5_000 });

beforeAll(async () => {
  try {
    server = await startSneakers({ DATABASE_URL: database.url });
    browser = await launchChromium();
  } catch (err) {
    setupError = err;
  }
}, 180_000); // launchChromium may install Chromium first (up to 150 s)

beforeEach(async () => {
  if (setupError) throw setupError;
  const reset = await operator(url(), "POST", "/api/reset");
  expect(reset.status, JSON.stringify(reset.json)).toBe(200);
  context = await browser?.newContext({ viewport: { width: 1100, height: 900 } });
});

afterEach(async () => {
  await context?.close().catch(() => undefined);
  context = undefined;
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  database.remove();
}, 20_000);

describe("the store front in Chromium", () => {
  it("shows the seeded store: title, both products coming soon, one socket joining product:1 and product:2", async () => {
    const shopper = await shopperOnStore();
    expect(await shopper.page.title()).toBe("Sneakers23");
    expect(await shopper.page.locator("header h2").textContent()).toBe("Sneakers23");

    const all = await listings(shopper.page);
    expect(
      all.map((l) => [l.id, l.name]),
      summarize(all),
    ).toEqual([
      ["1", "Hop Man 3"],
      ["2", "Breezy Boost 600"],
    ]);
    for (const [listing, details] of [
      [all[0], ["by Snks 23", "yellow/blue", "$120"]],
      [all[1], ["by Asler", "momentum", "$140"]],
    ] as const) {
      for (const detail of details) expect(listing.text, `listing ${listing.id}`).toContain(detail);
      expect(listing.text).toContain("coming soon...");
      expect(listing.comingSoon).toBe(true);
      expect(listing.hasSizes).toBe(false);
    }
    expect(await shopper.page.locator("h4.product-soon-1").textContent()).toBe("coming soon...");
    expect(await shopper.page.locator("h4.product-soon-2").textContent()).toBe("coming soon...");

    // Exactly one WebSocket, to /product_socket, both joins answered ok.
    const [socket] = shopper.sockets;
    expect(shopper.sockets, shopper.context("one websocket")).toHaveLength(1);
    expect(new URL(socket.url).pathname).toBe("/product_socket/websocket");
    expect(joinOks(socket, "product:1")).toHaveLength(1);
    expect(joinOks(socket, "product:2")).toHaveLength(1);
    expect(shopper.diagnostics.errors, shopper.context("page errors")).toEqual([]);
    expect(
      shopper.diagnostics.failedRequests.filter((r) => !r.includes("/favicon.ico")),
      shopper.context("failed requests"),
    ).toEqual([]);
  });

  it("shows product 2's sizes live on release, keeps them on reload, and a re-sent release changes nothing", async () => {
    const shopper = await shopperOnStore();
    const before = received(shopper, "product:2", "released").length;
    await cli(shopper, "release", "2");

    const live = await waitForListings(shopper, "product 2's size selector with 13 buttons", (all) => all[1]?.buttons.length === 13);
    const items = await statusItems(2);
    expect(received(shopper, "product:2", "released").length).toBe(before + 1);
    expect(live[1].comingSoon, summarize(live)).toBe(false);
    expect(live[1].buttons.map((b) => b.label)).toEqual(SIZES);
    expect(live[1].buttons.map((b) => b.value)).toEqual(items.map((i) => String(i.id)));
    for (const [i, button] of live[1].buttons.entries()) {
      expect(levelsOf(button), `size ${button.label} (count ${items[i].available_count})`).toEqual([items[i].level]);
      expect(button.disabled, `size ${button.label} (count ${items[i].available_count})`).toBe(items[i].available_count === 0);
    }
    expect(await shopper.page.locator('.product-listing[data-product-id="2"] form.size-container').count()).toBe(1);
    // Product 1 is untouched.
    expect(live[0].comingSoon).toBe(true);
    expect(live[0].hasSizes).toBe(false);

    await shopper.page.reload({ waitUntil: "load" });
    const reloaded = await waitForListings(shopper, "the reloaded page", (all) => all.length === 2);
    expect(reloaded, shopper.context("reload must show the live state")).toEqual(live);

    // notify: another `released` frame arrives, and the page stays as it is.
    await waitForJoins(shopper, ["product:1", "product:2"]);
    const html = await productList(shopper);
    const resent = received(shopper, "product:2", "released").length;
    await cli(shopper, "notify", "2");
    await until(shopper, "a re-sent released frame for product:2", () => received(shopper, "product:2", "released").length === resent + 1);
    const frame = received(shopper, "product:2", "released").at(-1);
    expect(frame?.payload.size_html).toContain("size-container__entry");
    expect(await productList(shopper)).toBe(html);
    expect(await listings(shopper.page)).toEqual(live);
  });

  it("changes the same size button live: low at 100, then out and disabled at 0", async () => {
    await operator(url(), "POST", "/api/products/2/release");
    const shopper = await shopperOnStore();
    const [item] = await statusItems(2);
    const selector = `.product-listing[data-product-id="2"] button.size-container__entry[value="${item.id}"]`;
    expect(await shopper.page.locator(selector).count(), shopper.context("server-rendered sizes")).toBe(1);
    const button = await shopper.page.$(selector);
    if (!button) throw new Error(shopper.context(`no ${selector}`));
    await button.evaluate((el) => el.setAttribute("data-test-marker", "original"));
    const state = () =>
      button.evaluate((el) => ({
        connected: el.isConnected,
        marker: el.getAttribute("data-test-marker"),
        classes: Array.from(el.classList),
        disabled: (el as HTMLButtonElement).disabled,
      }));

    await cli(shopper, "set-stock", String(item.id), "100");
    await until(shopper, "the button to become --level-low", async () => (await state()).classes.includes("size-container__entry--level-low"));
    expect(await state()).toEqual({
      connected: true,
      marker: "original",
      classes: ["size-container__entry", "size-container__entry--level-low"],
      disabled: false,
    });

    await cli(shopper, "set-stock", String(item.id), "0");
    await until(shopper, "the same button to become --level-out", async () => (await state()).classes.includes("size-container__entry--level-out"));
    const out = await state();
    expect(out, shopper.context("the same element, now out")).toEqual({
      connected: true,
      marker: "original",
      classes: ["size-container__entry", "size-container__entry--level-out"],
      disabled: true,
    });
    expect(await shopper.page.locator(selector).count()).toBe(1);
    expect(await shopper.page.locator(`${selector}[data-test-marker="original"]`).count()).toBe(1);
  });

  it("shows the released product after navigating away and back (no-store on GET /)", async () => {
    const shopper = await shopperOnStore();
    const first = await listings(shopper.page);
    expect(first.map((l) => l.comingSoon)).toEqual([true, true]);
    await cli(shopper, "release", "1");
    await waitForListings(shopper, "product 1's size selector, live", (all) => all[0]?.buttons.length === 13 && !all[0].comingSoon);

    const away = await shopper.page.goto(`${url()}/images/hopman.svg`, { waitUntil: "load" });
    expect(away?.status()).toBe(200);
    expect(new URL(shopper.page.url()).pathname).toBe("/images/hopman.svg");

    await shopper.page.goBack({ waitUntil: "load" });
    expect(new URL(shopper.page.url()).pathname).toBe("/");
    const back = await waitForListings(shopper, "the store page after Back", (all) => all.length === 2);
    expect(back[0].comingSoon, shopper.context(`after Back product 1 must show its sizes, not "coming soon":\n${summarize(back)}`)).toBe(false);
    expect(back[0].buttons.map((b) => b.label)).toEqual(SIZES);
    expect(await shopper.page.locator('.product-listing[data-product-id="1"] .size-container').isVisible()).toBe(true);
    expect(back[1].comingSoon).toBe(true);

    // What makes Back show the live state: the store page is never kept in the HTTP cache.
    const response = await fetch(`${url()}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control") ?? "(no cache-control header)").toContain("no-store");
    await response.text();
  });

  it("keeps the page's socket open through inventory, replication and database restarts, then releases live", async () => {
    const shopper = await shopperOnStore();
    const html = await productList(shopper);
    const [socket] = shopper.sockets;

    for (const component of ["inventory", "replication", "database"]) {
      const out = await cli(shopper, "restart", component);
      expect(out).toContain(`${component} restarted`);
      const status = await operator(url(), "GET", "/api/status");
      expect(status.json.ready).toBe(true);
      expect(socket.closed, shopper.context(`the websocket closed after restarting ${component}`)).toBe(false);
      expect(await productList(shopper)).toBe(html);
    }
    expect(await listings(shopper.page).then((all) => all.map((l) => l.comingSoon))).toEqual([true, true]);

    await cli(shopper, "release", "1");
    const live = await waitForListings(shopper, "product 1's size selector after the restarts", (all) => all[0]?.buttons.length === 13);
    expect(live[0].comingSoon).toBe(false);
    expect(live[1].comingSoon).toBe(true);
    expect(shopper.sockets, shopper.context("no new websocket")).toHaveLength(1);
    expect(socket.closed, shopper.context("the websocket must never close")).toBe(false);
    expect(await socketConnected(shopper.page)).toBe(true);

    await shopper.page.reload({ waitUntil: "load" });
    const reloaded = await waitForListings(shopper, "the reloaded page", (all) => all.length === 2);
    expect(reloaded, shopper.context("reload after the restarts")).toEqual(live);
  });
});
