// Chromium: people opening the page one after another fill jams of seven with seven different
// loops; pressing play queues the loop and starts it on the next measure boundary.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeDiagnostics, launchChromium, watchPage } from "../../hello/test/support/browser.js";
import { type Running, startApp, stats } from "./support/loops.js";

let browser: Browser;
let running: Running;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await running?.stop();
});

async function open(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const diagnostics = watchPage(page);
  await page.goto(running.base);
  try {
    await page.waitForSelector('#own-loop:not([data-loop-name=""])', { timeout: 15_000 });
  } catch (err) {
    throw new Error(`the page never got a loop: ${(err as Error).message}${describeDiagnostics(diagnostics)}`);
  }
  return page;
}

const ownLoop = (page: Page) => page.getAttribute("#own-loop", "data-loop-name");
const topicOf = (page: Page) => page.getAttribute("#app", "data-topic");

describe("Loops With Friends in Chromium", () => {
  test("16 people arriving one after another: jams of 7, 7 and 2, seven different loops in each full jam", async () => {
    running = await startApp();
    const pages: Page[] = [];
    for (let i = 0; i < 16; i++) pages.push(await open());
    const jams = new Map<string, string[]>();
    for (const page of pages) {
      const topic = (await topicOf(page)) as string;
      jams.set(topic, [...(jams.get(topic) ?? []), (await ownLoop(page)) as string]);
    }
    const sizes = [...jams.values()].map((loops) => loops.length).sort((a, b) => b - a);
    expect(sizes).toEqual([7, 7, 2]);
    for (const loops of jams.values()) expect(new Set(loops).size).toBe(loops.length);
    const server = await stats(running.base);
    expect(
      Object.values(server.jams)
        .map((j) => j.user_count)
        .sort((a, b) => b - a),
    ).toEqual([7, 7, 2]);
    // A full jam's page lists the six others; the jam of two shows one other.
    const full = pages[0];
    await expect.poll(() => full.locator("#others li").count(), { timeout: 10_000 }).toBe(6);
    await expect.poll(() => full.isHidden("#alone"), { timeout: 5_000 }).toBe(true);
    for (const context of contexts.splice(0)) await context.close();
  }, 120_000);

  test("Let's Jam, then play: queued, then playing on a measure boundary; the others hear it", async () => {
    // A fresh node, so the jams of the previous test play no part.
    await running?.stop();
    running = await startApp();
    const first = await open();
    expect(await first.isVisible("#alone")).toBe(true);
    expect(await first.textContent("#alone")).toBe("There's no one else here right now. Tell your friends to join!");
    await first.click("#lets-jam");
    await expect.poll(() => first.evaluate(() => (window as any).__loops.audioState), { timeout: 5_000 }).toBe("running");
    const second = await open();
    expect(await topicOf(second)).toBe(await topicOf(first));
    await second.click("#lets-jam");

    await first.click("#own-loop .loop__toggle");
    expect(await first.getAttribute("#own-loop", "data-state")).toBe("queued");
    expect(await first.textContent("#own-loop .loop__toggle")).toBe("Queued");
    await first.waitForSelector('#own-loop[data-state="playing"]', { timeout: 15_000 });
    expect(await first.textContent("#own-loop .loop__toggle")).toBe("Stop");
    const start = await first.evaluate(() => (window as any).__loops.starts.find((s: { id: string }) => s.id === "own"));
    expect(start.loop).toBe("80s_Back_Beat");
    expect(start.from % 4_800).toBe(0);
    expect(start.measure).toBe(start.from);

    // The other player sees it playing and joins in on the same grid.
    const firstLoop = (await ownLoop(first)) as string;
    await second.waitForSelector(`#others li[data-loop-name="${firstLoop}"][data-state="playing"]`, { timeout: 10_000 });
    const heard = await second.evaluate(() => (window as any).__loops.starts.find((s: { id: string }) => s.id !== "own"));
    expect(heard.loop).toBe(firstLoop);
    expect(heard.measure % 4_800).toBe(0);

    // A late joiner hears the loop that is already playing.
    const late = await open();
    await late.waitForSelector(`#others li[data-loop-name="${firstLoop}"][data-state="playing"]`, { timeout: 10_000 });
    await late.click("#lets-jam");
    await expect
      .poll(() => late.evaluate(() => (window as any).__loops.starts.some((s: { loop: string }) => s.loop === "80s_Back_Beat")), { timeout: 5_000 })
      .toBe(true);

    // Stop is immediate and reaches the others.
    await first.click("#own-loop .loop__toggle");
    expect(await first.getAttribute("#own-loop", "data-state")).toBe("idle");
    await second.waitForSelector(`#others li[data-loop-name="${firstLoop}"][data-state="idle"]`, { timeout: 10_000 });
  }, 90_000);
});
