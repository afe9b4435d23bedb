// The live ops dashboard at /ops in Chromium: behind Basic Auth, on Fenix's own channels and the
// official phoenix client, its numbers move as clients connect and join — no reload.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTALL_TIMEOUT_MS, describeDiagnostics, launchChromium, watchPage } from "./support/browser.js";
import { helloPerTest } from "./support/hello.js";
import { joinFrame } from "./support/wire.js";

const start = helloPerTest();
const ADMIN = { user: "ops", password: "dashboard-pw" };
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, INSTALL_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
});

describe("/ops", () => {
  it("needs the admin credentials", async () => {
    const h = await start({ admin: ADMIN });
    expect((await fetch(`${h.base}/ops`)).status).toBe(401);
    expect((await fetch(`${h.base}/ops`, { headers: { authorization: `Basic ${Buffer.from("ops:wrong").toString("base64")}` } })).status).toBe(401);
    const off = await start();
    expect((await fetch(`${off.base}/ops`)).status).toBe(404);
  });

  it("updates live as clients connect and join", async () => {
    if (!browser) throw new Error("no browser");
    const h = await start({ admin: ADMIN });
    const context = await browser.newContext({ httpCredentials: { username: ADMIN.user, password: ADMIN.password } });
    const page = await context.newPage();
    const diagnostics = watchPage(page);
    try {
      await page.goto(`${h.base}/ops`);
      const read = (id: string) => page.locator(`#${id}`).textContent();
      // The dashboard's own socket is the first connection.
      await page.waitForFunction(
        () => document.getElementById("status")?.textContent === "live" && document.getElementById("connections")?.textContent === "1",
        null,
        {
          timeout: 10_000,
        },
      );
      const clients = await Promise.all(Array.from({ length: 3 }, () => h.connect()));
      for (const c of clients) await c.request(joinFrame("1", "ping"));
      await page.waitForFunction(() => document.getElementById("connections")?.textContent === "4", null, { timeout: 10_000 });
      expect(await read("channels-total")).toBe("4");
      await expect.poll(async () => page.locator("#by-pattern").textContent(), { timeout: 5_000 }).toContain("ping");
      expect(await page.locator("#by-transport").textContent()).toContain("websocket");
      expect(await page.locator("#spark-connections polyline").getAttribute("points")).toMatch(/\d/);
      // Presence sizes: a user in a room shows up under room:*.
      const alice = await h.connect("vsn=2.0.0&user=alice");
      await alice.request(joinFrame("1", "room:lobby"));
      await expect.poll(async () => page.locator("#presences").textContent(), { timeout: 10_000 }).toMatch(/room:\*\s*1/);
      alice.ws.close();
      const firstUpdate = await page.evaluate(() => document.body.dataset.updatedAt);
      await page.waitForFunction((before) => document.body.dataset.updatedAt !== before, firstUpdate, { timeout: 5_000 });
      for (const c of clients) c.ws.close();
      await page.waitForFunction(() => document.getElementById("connections")?.textContent === "1", null, { timeout: 10_000 });
      await expect.poll(async () => page.locator("#presences").textContent(), { timeout: 10_000 }).not.toMatch(/room:\*/);
    } catch (err) {
      throw new Error(`${(err as Error).message}${describeDiagnostics(diagnostics)}`);
    } finally {
      await context.close();
    }
  }, 40_000);
});
