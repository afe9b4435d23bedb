// Many servers with a shopper in Chromium (book part C §5.12, §10 items 27–29): nodes A and B
// share one PostgreSQL database and Redis; the page is on A and every command runs on B. A's page
// updates live, a reload of A matches (A's cache got the replication), sell-until-gone on B ends
// with every size out on both nodes, and nothing is sent or applied twice.
import type { Browser } from "playwright-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTALL_TIMEOUT_MS } from "../../hello/test/support/browser.js";
import { type TestRedis, startRedis } from "../../../packages/fenix/test/support/redis.js";
import { launchChromium } from "./support/browser.js";
import { type ThrowawayDatabase, throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { type ProductClient, eventually, productClient } from "./support/product_client.js";
import { type StorePage, openStorePage } from "./support/store_page.js";

let browser: Browser | undefined;
let db: ThrowawayDatabase | undefined;
// A Redis server of its own, so this cluster never hears another test's nodes.
let redis: TestRedis | undefined;
const nodes: SneakersProcess[] = [];
const clients: ProductClient[] = [];
let store: StorePage | undefined;

async function node(name: string): Promise<SneakersProcess> {
  if (!db) throw new Error("no database");
  if (!redis) throw new Error("no redis");
  const n = await startSneakers({ DATABASE_URL: db.url, REDIS_URL: redis.url, NODE_NAME: `${name}-${process.pid}` });
  nodes.push(n);
  await waitForStatus(`${n.url}/`, 200);
  return n;
}

async function status(n: SneakersProcess): Promise<any> {
  return (await operator(n.url, "GET", "/api/status")).json;
}

beforeAll(async () => {
  [browser, db, redis] = await Promise.all([launchChromium(), throwawayDatabase(), startRedis()]);
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  for (const c of clients) c.close();
  await store?.close().catch(() => undefined);
  await browser?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await db?.drop();
  await redis?.stop();
});

describe("a page on A, commands on B", () => {
  it("release and sell-until-gone on B: A's page updates live, reloads match, both nodes end sold out, nothing doubles", async () => {
    if (!browser || !db) throw new Error("setup failed");
    const a = await node("a");
    const b = await node("b");
    const [onA, onB] = await Promise.all([productClient(a.port, [1, 2]), productClient(b.port, [1, 2])]);
    clients.push(onA, onB);
    store = await openStorePage(browser, `${a.url}/`);
    const { page } = store;
    expect(await page.locator("h4.product-soon-1").textContent()).toBe("coming soon...");

    // Release 1 on B: live on A's page.
    const release = await runCli(b.url, ["release", "1"]);
    expect(release.stderr).toBe("");
    expect(release.code).toBe(0);
    const selector1 = page.locator('.product-listing[data-product-id="1"] form.size-container');
    await expect.poll(() => selector1.count(), { timeout: 10_000 }).toBe(1);
    expect(await selector1.locator("button").count()).toBe(13);
    expect(await page.locator("h4.product-soon-2").textContent()).toBe("coming soon...");

    // Exactly one `released` per client on each node (product 2's release is the marker that
    // anything more for product 1 would have arrived) and one apply on A, none on B.
    expect((await runCli(b.url, ["release", "2"])).code).toBe(0);
    await Promise.all([
      onA.waitForCount("released", "product:2", 1),
      onB.waitForCount("released", "product:2", 1),
      store.waitForFrames("released", "product:2", 1),
    ]);
    expect(onA.count("released", "product:1")).toBe(1);
    expect(onB.count("released", "product:1")).toBe(1);
    expect(store.count("released", "product:1"), store.describe()).toBe(1);
    await eventually("A applied both releases", async () => (await status(a)).replication_applied >= 2);
    expect((await status(a)).replication_applied).toBe(2);
    expect((await status(b)).replication_applied).toBe(0);

    // A reload of A shows the releases: A's own cache has them.
    await store.reload();
    expect(await page.locator("form.size-container").count()).toBe(2);
    expect(await page.locator("h4.product-soon-1, h4.product-soon-2").count()).toBe(0);
    const buttons = page.locator("button.size-container__entry");
    expect(await buttons.count()).toBe(26);
    // Rendered from A's cache, which matches the database B wrote: the same level per size.
    const seeded = (await status(a)).products.flatMap((p: any) => p.items) as { id: number; level: string }[];
    expect(seeded).toEqual((await status(b)).products.flatMap((p: any) => p.items));
    for (const { id, level } of seeded) expect(await page.locator(`button.size-container__entry--level-${level}[value="${id}"]`).count(), `item ${id}`).toBe(1);

    // Sell everything from B; A's page follows live (no reload from here on).
    const units = (await status(b)).units_in_stock as number;
    expect(units).toBeGreaterThan(0);
    const stockBefore = { page: store.count("stock_change"), a: onA.count("stock_change"), b: onB.count("stock_change") };
    const sell = await runCli(b.url, ["sell-until-gone", "500", "20"]);
    expect(sell.stderr).toBe("");
    expect(sell.code).toBe(0);
    expect(sell.stdout.trim().split("\n").at(-1)).toMatch(/sold out!$/);
    const sold = Number(/sold (\d+) pairs; sold out!/.exec(sell.stdout)?.[1]);
    expect(sold).toBe(units);

    await expect.poll(() => page.locator("button.size-container__entry--level-out").count(), { timeout: 20_000, message: store.describe() }).toBe(26);
    expect(await page.locator("button.size-container__entry:not([disabled])").count()).toBe(0);
    expect(
      await page
        .locator("button.size-container__entry--level-high, button.size-container__entry--level-medium, button.size-container__entry--level-low")
        .count(),
    ).toBe(0);
    // At least the change to "out" of every size that had stock.
    expect(store.count("stock_change") - stockBefore.page).toBeGreaterThanOrEqual(seeded.filter((i) => i.level !== "out").length);

    // Both nodes' pages: every size out, rendered from each node's own cache.
    for (const n of [a, b]) {
      const html = await (await fetch(`${n.url}/`)).text();
      expect(html.match(/size-container__entry--level-out/g), `:${n.port}`).toHaveLength(26);
      expect(html).not.toMatch(/size-container__entry--level-(low|medium|high)/);
    }
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query("SELECT max(available_count) AS max, min(available_count) AS min FROM item_availabilities");
    await c.end();
    expect(rows[0]).toEqual({ max: 0, min: 0 });

    // Every replication message B sent (2 releases, then one per re-read of a sold item: a burst
    // of sales of one size shares a read) applied exactly once on A, and none sent the other way.
    const sent = (await status(b)).replication_sent as number;
    expect(sent).toBeGreaterThanOrEqual(2 + seeded.filter((i) => i.level !== "out").length);
    expect(sent).toBeLessThanOrEqual(2 + sold);
    let applied = 0;
    await eventually(`A applied all ${sent} messages from B`, async () => (applied = (await status(a)).replication_applied) >= sent, 20_000).catch((err) => {
      throw new Error(`${(err as Error).message}: A applied ${applied}`);
    });
    const sa = await status(a);
    expect(sa.replication_applied).toBe(sent);
    expect(sa.replication_sent).toBe(0);
    expect(sa.units_in_stock).toBe(0);
    expect((await status(b)).replication_applied).toBe(0);
    expect((await runCli(b.url, ["notify", "2"])).code).toBe(0);
    await Promise.all([
      onA.waitForCount("released", "product:2", 2),
      onB.waitForCount("released", "product:2", 2),
      store.waitForFrames("released", "product:2", 1),
    ]);
    const changes = onB.count("stock_change") - stockBefore.b;
    expect(onA.count("stock_change") - stockBefore.a).toBe(changes);
    expect(store.count("stock_change") - stockBefore.page).toBe(changes);
    expect(await page.locator("button.size-container__entry--level-out").count()).toBe(26);
  }, 120_000);
});
