// The page's socket survives the server dying (book part D §1.4 scenario M2, §7 item 5): the
// server is SIGKILLed and restarted on the same port and SQLite file after 1 s, 5 s and 30 s;
// the page reconnects and rejoins with no reload, and a release made after that shows live.
// The three outages run concurrently, each on its own server, so the file takes about 30 s.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { type SneakersProcess, freePort, runCli, startSneakers } from "./support/process.js";
import { joinOks, load, openShopper, socketConnected, summarize, tempDatabase, until, waitForJoins, waitForListings } from "./support/shopper.js";

let browser: Browser | undefined;
let setupError: unknown;

beforeAll(async () => {
  try {
    browser = await launchChromium();
  } catch (err) {
    setupError = err;
  }
}, 180_000); // launchChromium may install Chromium first (up to 150 s)

afterAll(async () => {
  await browser?.close().catch(() => undefined);
}, 20_000);

describe.concurrent("the page reconnects after the server is killed", () => {
  for (const outageMs of [1_000, 5_000, 30_000]) {
    it(`reconnects and rejoins without a reload after a ${outageMs / 1000} s outage, then shows a release live`, async ({ expect, onTestFinished }) => {
      if (setupError) throw setupError;
      if (!browser) throw new Error("no browser");
      const database = tempDatabase(`reconnect-${outageMs}`);
      const port = await freePort();
      let server: SneakersProcess | undefined = await startSneakers({ DATABASE_URL: database.url }, { port });
      const context = await browser.newContext();
      onTestFinished(async () => {
        await context.close().catch(() => undefined);
        await server?.stop();
        database.remove();
      });

      const shopper = await openShopper(context, () => server);
      await load(shopper, server.url);
      const first = await waitForJoins(shopper, ["product:1", "product:2"]);
      await shopper.page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });

      await server.kill();
      await until(shopper, "the websocket to close after SIGKILL", async () => first.closed && !(await socketConnected(shopper.page)));
      const killed = server;
      server = undefined;
      await new Promise((resolve) => setTimeout(resolve, outageMs));
      expect(await socketConnected(shopper.page), shopper.context("connected while the server is down")).toBe(false);

      server = await startSneakers({ DATABASE_URL: database.url }, { port });
      expect(killed.output()).toContain("Sneakers23 listening");
      // phoenix.js backs off to one attempt every 5 s: reconnecting takes at most that long.
      await until(shopper, "the socket to reconnect", () => socketConnected(shopper.page), 15_000);
      const second = await waitForJoins(shopper, ["product:1", "product:2"]);
      expect(second, shopper.context("a new websocket after the restart")).not.toBe(first);
      expect(joinOks(second, "product:1")).toHaveLength(1);
      expect(new URL(second.url).pathname).toBe("/product_socket/websocket");
      expect(await shopper.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), shopper.context("the page reloaded")).toBe(true);
      expect(new URL(shopper.page.url()).pathname).toBe("/");

      const before = await waitForListings(shopper, "both products still coming soon", (all) => all.length === 2);
      expect(
        before.map((l) => l.comingSoon),
        summarize(before),
      ).toEqual([true, true]);
      const release = await runCli(server.url, ["release", "1"]);
      expect(release.code, shopper.context(`release failed: ${release.stderr}`)).toBe(0);
      const after = await waitForListings(shopper, "product 1's sizes, live after the reconnect", (all) => all[0]?.buttons.length === 13);
      expect(after[0].comingSoon).toBe(false);
      expect(after[1].comingSoon).toBe(true);
      expect(second.closed, shopper.context("the new websocket closed")).toBe(false);
    }, 90_000);
  }
});
