// Last-Event-ID recovery with a real EventSource in headless Chromium: the server ends the stream
// (disconnect-by-id), the browser reconnects by itself after `retry:` and sends Last-Event-ID,
// and the history replays what was published meanwhile. Every wait is bounded.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { INSTALL_TIMEOUT_MS, describeDiagnostics, launchChromium, watchPage } from "./support/browser.js";
import type { PageDiagnostics } from "./support/browser.js";
import { startHistoryApp } from "./support/sse.js";
import type { HistoryApp } from "./support/sse.js";

const WAIT = { timeout: 10_000, interval: 50 };

interface PageEvent {
  type: string;
  data: any;
  lastEventId: string;
}

let browser: Browser | undefined;
let app: HistoryApp;
let page: Page;
let diagnostics: PageDiagnostics;

async function openInPage(path: string): Promise<void> {
  await page.evaluate((path) => {
    const w = window as unknown as { sseEvents: unknown[]; sseOpens: number; sseSource: EventSource };
    w.sseEvents = [];
    w.sseOpens = 0;
    const source = new EventSource(path);
    for (const type of ["phx_reply", "news"]) {
      source.addEventListener(type, (e) =>
        w.sseEvents.push({ type, data: JSON.parse((e as MessageEvent).data), lastEventId: (e as MessageEvent).lastEventId }),
      );
    }
    source.addEventListener("open", () => {
      w.sseOpens++;
    });
    w.sseSource = source;
  }, path);
}

function pageEvents(type: string): Promise<PageEvent[]> {
  return page.evaluate((type) => ((window as unknown as { sseEvents: PageEvent[] }).sseEvents ?? []).filter((e) => e.type === type), type);
}

function opens(): Promise<number> {
  return page.evaluate(() => (window as unknown as { sseOpens: number }).sseOpens);
}

async function poll<T>(fn: () => Promise<T>, expected: T, what: string): Promise<void> {
  try {
    await expect.poll(fn, WAIT).toEqual(expected);
  } catch (err) {
    throw new Error(`${what}${describeDiagnostics(diagnostics)}`, { cause: err });
  }
}

describe("EventSource in headless Chromium resuming from Last-Event-ID", () => {
  let setupError: unknown;
  beforeAll(async () => {
    try {
      browser = await launchChromium();
    } catch (err) {
      setupError = err;
    }
  }, INSTALL_TIMEOUT_MS + 60_000);

  beforeEach(async () => {
    if (setupError) throw setupError;
    app = await startHistoryApp(300);
    page = await (browser as Browser).newPage();
    diagnostics = watchPage(page);
    await page.goto(`${app.base}/`, { timeout: 10_000 });
  });

  afterEach(async () => {
    await page?.close().catch(() => undefined);
    await app?.stop();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
  }, 20_000);

  it("reconnects by itself after a server-side disconnect and gets every missed message once", async () => {
    await openInPage("/socket/sse?topics=news:live&reader=carol");
    await poll(async () => (await pageEvents("phx_reply")).length, 1, "the first join reply");
    const epoch = (await pageEvents("phx_reply"))[0].data.response.epoch as string;
    for (const n of [1, 2]) await app.endpoint.broadcast("news:live", "news", { n });
    await poll(async () => (await pageEvents("news")).map((e) => e.lastEventId), [`${epoch}:1`, `${epoch}:2`], "the first two messages");

    await app.endpoint.broadcast("reader:carol", "disconnect", {});
    for (const n of [3, 4, 5]) await app.endpoint.broadcast("news:live", "news", { n });
    await poll(async () => (await pageEvents("phx_reply")).length, 2, "the browser's own reconnect");
    expect((await pageEvents("phx_reply"))[1].data.response).toEqual({ epoch, offset: 5, recovered: true });
    await app.endpoint.broadcast("news:live", "news", { n: 6 });

    await poll(async () => (await pageEvents("news")).map((e) => e.data.payload.n), [1, 2, 3, 4, 5, 6], "every message once, in order");
    expect((await pageEvents("news")).at(-1)?.lastEventId).toBe(`${epoch}:6`);
    expect(app.lastEventIds).toEqual([undefined, `${epoch}:2`]);
    expect(await opens()).toBe(2);
  });

  it("resumes a two-topic stream from the combined id the browser kept", async () => {
    await openInPage("/socket/sse?topics=news:x,news:y&reader=dan");
    await poll(async () => (await pageEvents("phx_reply")).length, 2, "both join replies");
    await app.endpoint.broadcast("news:x", "news", { n: 1 });
    await app.endpoint.broadcast("news:y", "news", { n: 2 });
    await poll(async () => (await pageEvents("news")).length, 2, "the first messages");
    const kept = (await pageEvents("news"))[1].lastEventId;

    await app.endpoint.broadcast("reader:dan", "disconnect", {});
    await app.endpoint.broadcast("news:y", "news", { n: 3 });
    await app.endpoint.broadcast("news:x", "news", { n: 4 });
    await poll(async () => (await pageEvents("news")).map((e) => e.data.payload.n).sort(), [1, 2, 3, 4], "the replayed messages");
    expect(app.lastEventIds).toEqual([undefined, kept]);
    const replies = await pageEvents("phx_reply");
    expect(replies.slice(2).map((r) => [r.data.topic, r.data.response.recovered])).toEqual([
      ["news:x", true],
      ["news:y", true],
    ]);
  });
});
