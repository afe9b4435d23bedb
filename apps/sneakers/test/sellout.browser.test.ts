// Two shoppers' windows on one built server while the operator sells the store out (book part C
// §10 items 24–26): both windows get each release and stock change live, `sell-until-gone`
// turns every size out and disabled live, and a reload and a server restart on the same port
// and SQLite file still show every size out.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { type SneakersProcess, operator, runCli, startSneakers } from "./support/process.js";
import {
  type ListingState,
  type Shopper,
  levelsOf,
  load,
  openShopper,
  received,
  summarize,
  tempDatabase,
  until,
  waitForJoins,
  waitForListings,
} from "./support/shopper.js";

const database = tempDatabase("sellout-browser");

let server: SneakersProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let setupError: unknown;

function url(): string {
  if (!server) throw new Error("no server");
  return server.url;
}

async function cli(shopper: Shopper, ...args: string[]): Promise<string> {
  const result = await runCli(url(), args);
  expect(result.code, shopper.context(`CLI ${args.join(" ")} failed: ${result.stderr}${result.stdout}`)).toBe(0);
  return result.stdout;
}

const allOut = (all: ListingState[]) =>
  all.length === 2 && all.every((l) => l.buttons.length === 13 && l.buttons.every((b) => b.disabled && levelsOf(b).join() === "out"));

/** Records, in the page, every level class a size button takes (by item id), to prove the changes were live. */
function recordLevelChanges(shopper: Shopper): Promise<void> {
  return shopper.page.evaluate(() => {
    const log: Record<string, string[]> = {};
    (window as unknown as { levelChanges: Record<string, string[]> }).levelChanges = log;
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        const el = m.target as HTMLButtonElement;
        if (!el.classList.contains("size-container__entry")) continue;
        const level = Array.from(el.classList).find((c) => c.startsWith("size-container__entry--level-"));
        if (!level) continue;
        const levels = log[el.value] ?? [];
        if (levels.at(-1) !== level) levels.push(level.slice("size-container__entry--level-".length));
        log[el.value] = levels;
      }
    }).observe(document.querySelector("main.product-list") as Node, { subtree: true, attributes: true, attributeFilter: ["class"] });
  });
}

const levelChanges = (shopper: Shopper) => shopper.page.evaluate(() => (window as unknown as { levelChanges: Record<string, string[]> }).levelChanges);

beforeAll(async () => {
  try {
    server = await startSneakers({ DATABASE_URL: database.url });
    browser = await launchChromium();
  } catch (err) {
    setupError = err;
  }
}, 180_000); // launchChromium may install Chromium first (up to 150 s)

beforeEach(() => {
  if (setupError) throw setupError;
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await server?.stop();
  database.remove();
}, 20_000);

describe("two windows while the store sells out", () => {
  it("both windows get releases and stock changes live; sell-until-gone ends every size out, also after a reload and a server restart", async () => {
    context = await browser?.newContext({ viewport: { width: 1100, height: 900 } });
    if (!context) throw new Error("no browser context");
    const windows = [await openShopper(context, () => server), await openShopper(context, () => server)];
    for (const shopper of windows) {
      await load(shopper, url());
      await waitForJoins(shopper, ["product:1", "product:2"]);
      // A marker that a reload would wipe: every change below must arrive live.
      await shopper.page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });
    }
    const [a, b] = windows;

    // Releases reach both windows.
    await cli(a, "release", "1");
    await cli(a, "release", "2");
    for (const shopper of windows) {
      await waitForListings(shopper, "both products' sizes, live", (all) => all.length === 2 && all.every((l) => l.buttons.length === 13 && !l.comingSoon));
    }

    // Side by side: each window's `released` frames arrived at about the same time.
    for (const topic of ["product:1", "product:2"]) {
      const [atA, atB] = windows.map((shopper) => received(shopper, topic, "released").map((f) => f.at));
      expect(atA, a.context(`one released frame for ${topic} in each window`)).toHaveLength(1);
      expect(atB, b.context(`one released frame for ${topic} in each window`)).toHaveLength(1);
      expect(Math.abs(atA[0] - atB[0]), `${topic}: released ${atA[0] - atB[0]} ms apart`).toBeLessThan(500);
    }

    // A stock change reaches both windows, on the same element's class.
    const status = await operator(url(), "GET", "/api/status");
    const item = status.json.products[0].items[0] as { id: number };
    await cli(a, "set-stock", String(item.id), "100");
    for (const shopper of windows) {
      await until(
        shopper,
        `item ${item.id} low in this window`,
        async () => (await shopper.page.getAttribute(`button.size-container__entry[value="${item.id}"]`, "class"))?.includes("--level-low") === true,
      );
    }
    const [changeA, changeB] = windows.map((shopper) => received(shopper, "product:1", "stock_change"));
    expect(changeA.map((f) => f.payload)).toEqual([{ product_id: 1, item_id: item.id, level: "low" }]);
    expect(changeB.map((f) => f.payload)).toEqual([{ product_id: 1, item_id: item.id, level: "low" }]);
    expect(Math.abs(changeA[0].at - changeB[0].at), "stock_change arrival apart (ms)").toBeLessThan(500);
    expect(await a.page.locator("main.product-list").innerHTML()).toBe(await b.page.locator("main.product-list").innerHTML());

    // Sell everything with both windows open.
    for (const shopper of windows) await recordLevelChanges(shopper);
    const sold = await cli(a, "sell-until-gone", "500", "20");
    expect(sold).toContain("sold out!");
    for (const shopper of windows) {
      const final = await waitForListings(shopper, "every size out and disabled, live", allOut, 20_000);
      expect(final.flatMap((l) => l.buttons.map((btn) => btn.classes.length))).toEqual(Array(26).fill(2));
      expect(await shopper.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), shopper.context("the window reloaded")).toBe(
        true,
      );
      // The changes were live class changes, through the levels in between (not just a final "out").
      const changes = await levelChanges(shopper);
      const changed = Object.values(changes).filter((levels) => levels.length > 0);
      expect(changed.length, shopper.context(`buttons that changed: ${JSON.stringify(changes)}`)).toBeGreaterThan(10);
      expect(
        changed.some((levels) => levels.includes("medium") || levels.includes("low")),
        shopper.context(`no intermediate level seen: ${JSON.stringify(changes)}`),
      ).toBe(true);
      for (const levels of changed) expect(levels.at(-1)).toBe("out");
      // Sold-out buttons are greyed and struck through by the stylesheet.
      const style = await shopper.page.$eval("button.size-container__entry--level-out", (el) => getComputedStyle(el).textDecorationLine);
      expect(style).toContain("line-through");
    }

    const after = await operator(url(), "GET", "/api/status");
    expect(after.json.units_in_stock).toBe(0);
    for (const product of after.json.products as { items: { available_count: number }[] }[]) {
      expect(product.items.map((i) => i.available_count)).toEqual(Array(13).fill(0));
    }

    // A reload shows every size out.
    await a.page.reload({ waitUntil: "load" });
    const reloaded = await waitForListings(a, "every size out after a reload", allOut);

    // So does a restart on the same port and SQLite file.
    const port = server?.port;
    await server?.stop();
    server = await startSneakers({ DATABASE_URL: database.url }, { port });
    await a.page.reload({ waitUntil: "load" });
    const restarted = await waitForListings(a, "every size out after a server restart", allOut);
    expect(restarted, summarize(restarted)).toEqual(reloaded);
    // The other window, never reloaded, reconnects to the new server and still shows every size out.
    await until(b, "the unreloaded window to reconnect", () => b.sockets.length >= 2 && !b.sockets.at(-1)?.closed);
    expect(await waitForListings(b, "every size out in the window that never reloaded", allOut)).toEqual(reloaded);
  }, 90_000);
});
