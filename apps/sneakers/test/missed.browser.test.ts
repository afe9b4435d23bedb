// What changed while a page was away (book part D §1.4 "missed messages", §7 item 6): the book
// accepts that a release during an outage is missed until a reload, and suggests sending the
// current state on join. The store does: its page says what it shows when it (re)joins, and the
// server pushes what differs. Here the changes are made in the database while the server is
// dead; after the restart the open page catches up without a reload, and a reload agrees.
import BetterSqlite3 from "better-sqlite3";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchChromium } from "./support/browser.js";
import { type SneakersProcess, freePort, runCli, startSneakers } from "./support/process.js";
import { levelsOf, load, openShopper, received, socketConnected, tempDatabase, until, waitForJoins, waitForListings } from "./support/shopper.js";

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
});

test("a release and stock changes made while the server was down reach the open page when it rejoins", async ({ onTestFinished }) => {
  if (!browser) throw new Error("no browser");
  const database = tempDatabase("missed");
  const port = await freePort();
  let server: SneakersProcess | undefined = await startSneakers({ DATABASE_URL: database.url }, { port });
  const context = await browser.newContext();
  onTestFinished(async () => {
    await context.close().catch(() => undefined);
    await server?.stop();
    database.remove();
  });
  expect((await runCli(server.url, ["release", "2"])).code).toBe(0);
  expect((await runCli(server.url, ["set-stock", "14", "900"])).code).toBe(0);
  expect((await runCli(server.url, ["set-stock", "15", "900"])).code).toBe(0);

  const shopper = await openShopper(context, () => server);
  await load(shopper, server.url);
  const first = await waitForJoins(shopper, ["product:1", "product:2"]);
  await shopper.page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  // A page that is up to date gets nothing extra on join.
  expect(received(shopper, "product:1", "released")).toHaveLength(0);
  expect(received(shopper, "product:2", "stock_change")).toHaveLength(0);

  await server.kill();
  await until(shopper, "the websocket to close", async () => first.closed && !(await socketConnected(shopper.page)));
  server = undefined;
  const sqlite = new BetterSqlite3(database.url.slice("sqlite:".length));
  sqlite.prepare("UPDATE products SET released = 1 WHERE id = 1").run();
  sqlite.prepare("UPDATE item_availabilities SET available_count = 0 WHERE item_id = 14").run();
  sqlite.prepare("UPDATE item_availabilities SET available_count = 100 WHERE item_id = 15").run();
  sqlite.close();

  server = await startSneakers({ DATABASE_URL: database.url }, { port });
  await until(shopper, "the socket to reconnect", () => socketConnected(shopper.page), 15_000);
  await waitForJoins(shopper, ["product:1", "product:2"]);
  const caughtUp = await waitForListings(shopper, "product 1 released and sizes 14 (out) and 15 (low) of product 2, without a reload", (all) => {
    const [p1, p2] = all;
    const b14 = p2?.buttons.find((b) => b.value === "14");
    const b15 = p2?.buttons.find((b) => b.value === "15");
    return (
      p1?.buttons.length === 13 && b14 !== undefined && levelsOf(b14).join() === "out" && b14.disabled && b15 !== undefined && levelsOf(b15).join() === "low"
    );
  });
  expect(await shopper.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), shopper.context("the page reloaded")).toBe(true);
  expect(received(shopper, "product:1", "released").length).toBeGreaterThanOrEqual(1);

  await shopper.page.reload({ waitUntil: "load" });
  const reloaded = await waitForListings(shopper, "the reloaded page", (all) => all.length === 2);
  expect(reloaded.map((l) => l.buttons.map((b) => [b.value, levelsOf(b).join(), b.disabled]))).toEqual(
    caughtUp.map((l) => l.buttons.map((b) => [b.value, levelsOf(b).join(), b.disabled])),
  );
}, 60_000);
