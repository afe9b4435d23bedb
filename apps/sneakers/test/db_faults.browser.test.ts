// The book's scenario M3 (part D §1.5; §7 items 7–9) in Chromium, on a private PostgreSQL: a
// shopper's open page while the database is stopped keeps working and shows no release; the
// refused release leaves it untouched; once the database is back a release shows up live, with
// no server restart.
import type { Browser } from "playwright-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTALL_TIMEOUT_MS } from "../../hello/test/support/browser.js";
import { launchChromium } from "./support/browser.js";
import { type PrivatePostgres, startPostgres } from "./support/postgres.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { type StorePage, openStorePage } from "./support/store_page.js";

let server: PrivatePostgres | undefined;
let browser: Browser | undefined;
let node: SneakersProcess | undefined;
let store: StorePage | undefined;

beforeAll(async () => {
  [server, browser] = await Promise.all([startPostgres(), launchChromium()]);
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await store?.close().catch(() => undefined);
  await browser?.close();
  await node?.stop();
  server?.destroy();
});

describe("a shopper's page while PostgreSQL is stopped and started", () => {
  it("serves from memory, refuses the release without touching the page, then shows it live once the database is back", async () => {
    if (!server || !browser) throw new Error("setup failed");
    node = await startSneakers({ DATABASE_URL: server.url, NODE_NAME: "db-faults-browser" });
    await waitForStatus(`${node.url}/`, 200);
    const pid = node.child.pid;
    store = await openStorePage(browser, `${node.url}/`);
    const { page } = store;
    const soon1 = page.locator("h4.product-soon-1");
    await expect.poll(() => soon1.textContent()).toBe("coming soon...");
    expect(await page.locator('.product-listing[data-product-id="1"] form.size-container').count()).toBe(0);

    const before = node.output().length;
    server.stop();
    // Refreshes work: the page comes from memory (three fetches and one browser reload).
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${node.url}/`);
      expect(response.status).toBe(200);
      expect((await response.text()).match(/class="product-listing"/g)).toHaveLength(2);
    }
    await store.reload();
    await expect.poll(() => soon1.textContent()).toBe("coming soon...");

    const refused = await runCli(node.url, ["release", "1"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trim().split("\n"), refused.stderr).toHaveLength(1);
    expect(refused.stderr).toMatch(/^error: database unavailable: /);
    const again = await runCli(node.url, ["release", "1"]);
    expect(again.code).not.toBe(0);

    // Marker: a cache-only re-send of product 2 goes out after anything the refused releases
    // could have sent; once the page has it, it would also have a `released` for product 1.
    expect((await operator(node.url, "POST", "/api/products/2/notify")).status).toBe(200);
    await store.waitForFrames("released", "product:2", 1);
    expect(store.count("released", "product:1"), store.describe()).toBe(0);
    expect(await soon1.textContent()).toBe("coming soon...");
    expect(await page.locator('.product-listing[data-product-id="1"] form.size-container').count()).toBe(0);

    // The outage is one error line however many page views and refused releases (no line per
    // attempt, no stack traces); its end is one more line once a query works again.
    const outage = node.output().slice(before).split("\n");
    expect(
      outage.filter((l) => /"level":50/.test(l)),
      outage.join("\n"),
    ).toHaveLength(1);
    expect(outage.filter((l) => /\bat .*\.js:\d+/.test(l))).toHaveLength(0);

    server.start();
    const released = await runCli(node.url, ["release", "1"]);
    expect(released.stderr).toBe("");
    expect(released.code).toBe(0);
    await store.waitForFrames("released", "product:1", 1);
    const selector = page.locator('.product-listing[data-product-id="1"] form.size-container');
    await expect.poll(() => selector.count(), { timeout: 10_000 }).toBe(1);
    expect(await selector.locator("button.size-container__entry").count()).toBe(13);
    expect(await page.locator("h4.product-soon-1").count()).toBe(0);
    expect(store.count("released", "product:1")).toBe(1);
    expect(
      node
        .output()
        .slice(before)
        .match(/database: reachable again/g),
    ).toHaveLength(1);
    // The same process throughout, and the release is in the database.
    expect(node.child.pid).toBe(pid);
    expect(node.child.exitCode).toBeNull();
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    const { rows } = await c.query("SELECT released FROM products WHERE id = 1");
    await c.end();
    expect(rows[0].released).toBe(true);
    // And a reload shows it too (the cache changed with the database).
    await store.reload();
    expect(await page.locator('.product-listing[data-product-id="1"] form.size-container').count()).toBe(1);
  }, 90_000);
});
