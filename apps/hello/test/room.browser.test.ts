// The /room page in headless Chromium: two users in one room see each other online through
// phoenix.js Presence, chat, and one leaving disappears from the other's list.
import type { AddressInfo } from "node:net";
import type { Endpoint } from "fenix";
import { createLogger } from "fenix";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHelloApp } from "../src/app.js";
import { INSTALL_TIMEOUT_MS, launchChromium } from "./support/browser.js";

let browser: Browser;
let app: Endpoint;
let base: string;

beforeAll(async () => {
  app = createHelloApp({ secretKeyBase: "room-browser-secret-key-base-0123456789abcdef", apiKey: "k", logger: createLogger({ level: "silent" }) });
  base = `http://localhost:${((await app.listen(0)).address() as AddressInfo).port}`;
  browser = await launchChromium();
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

it("lists who is online with phoenix.js Presence and carries chat messages", async () => {
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  await alice.goto(`${base}/room?user=alice&room=lobby`);
  await bob.goto(`${base}/room?user=bob&room=lobby`);
  const online = (page: typeof alice) => page.$$eval("#online li", (items) => items.map((li) => (li as HTMLElement).dataset.user).sort());
  await expect.poll(() => online(alice), { timeout: 15_000 }).toEqual(["alice", "bob"]);
  await expect.poll(() => online(bob), { timeout: 15_000 }).toEqual(["alice", "bob"]);

  await bob.fill("#body", "hi alice");
  await bob.click("button");
  await expect.poll(() => alice.$$eval("#messages li", (items) => items.map((li) => li.textContent)), { timeout: 15_000 }).toEqual(["bob: hi alice"]);

  await bob.close();
  await expect.poll(() => online(alice), { timeout: 15_000 }).toEqual(["alice"]);
  await alice.screenshot({ path: "/tmp/room-page.png" });
  await alice.close();
});
