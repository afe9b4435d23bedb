// GET /users in headless Chromium: the page lists who is logged in and its built-in EventSource
// keeps the list current in place (no reload) as others log in and out.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { INSTALL_TIMEOUT_MS, describeDiagnostics, launchChromium, watchPage } from "../../hello/test/support/browser.js";
import type { PageDiagnostics } from "../../hello/test/support/browser.js";
import { LOGINS_TOPIC } from "../src/app.js";
import { call, startApp } from "./support/app.js";
import type { Running } from "./support/app.js";

const WAIT = { timeout: 10_000, interval: 50 };
let browser: Browser | undefined;
let r: Running;

beforeAll(async () => {
  browser = await launchChromium();
  r = await startApp();
}, INSTALL_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  await r?.stop();
});

const listed = (page: Page) => page.$$eval("#users li", (items) => items.map((li) => li.textContent));

it("updates the list in place from the stream", async () => {
  await call(r.base, "POST", "login", "ann");
  const page = await (browser as Browser).newPage();
  const diagnostics: PageDiagnostics = watchPage(page);
  try {
    await page.goto(`${r.base}/users`);
    expect(await listed(page)).toEqual(["ann"]);
    await expect.poll(() => page.textContent("#status"), WAIT).toBe("live");
    await expect.poll(() => r.app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC), WAIT).toBe(1);
    // A marker on the document tells a reload from an in-place update.
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    await call(r.base, "GET", "login", "yay");
    await expect.poll(() => listed(page), WAIT).toEqual(["yay", "ann"]);
    await call(r.base, "GET", "logout", "ann");
    await expect.poll(() => listed(page), WAIT).toEqual(["yay"]);
    // The page's own form uses the POST twins; a bad name shows the server's message.
    await page.fill("#name", "bob");
    await page.click("#login");
    await expect.poll(() => listed(page), WAIT).toEqual(["bob", "yay"]);
    await page.fill("#name", "not ok");
    await page.click("#login");
    await expect.poll(() => page.textContent("#message"), WAIT).toMatch(/invalid user name "not ok"/);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    expect(diagnostics.errors, describeDiagnostics(diagnostics)).toEqual([]);
  } finally {
    await page.close();
  }
  await expect.poll(() => r.app.endpoint.pubsub.subscriberCount(LOGINS_TOPIC), WAIT).toBe(0);
});
