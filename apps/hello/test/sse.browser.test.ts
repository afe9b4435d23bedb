// HelloSockets over Server-Sent Events in a real browser: headless Chromium opens an
// EventSource on `/socket/sse?topics=dupe` from a page on the app's origin. Every wait is bounded.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEDUPE_WINDOW_MS, broadcastNumbers } from "../src/app.js";
import { INSTALL_TIMEOUT_MS, type PageDiagnostics, describeDiagnostics, launchChromium, watchPage } from "./support/browser.js";
import { sleep, startHello } from "./support/hello.js";
import type { Hello } from "./support/hello.js";
import { BLANK_PAGE } from "./support/sse.js";

const WAIT = { timeout: 10_000, interval: 50 };

interface PageEvent {
  type: string;
  data: any;
  lastEventId: string;
}

let browser: Browser | undefined;
let hello: Hello;
let page: Page;
let diagnostics: PageDiagnostics;

/** Opens an EventSource in the page that records `types` into `window.sseEvents`. */
async function openInPage(path: string, types: string[]): Promise<void> {
  await page.evaluate(
    ({ path, types }) => {
      const w = window as unknown as { sseEvents: unknown[]; sseSource: EventSource; sseErrors: number };
      w.sseEvents = [];
      w.sseErrors = 0;
      const source = new EventSource(path);
      for (const type of types) {
        source.addEventListener(type, (e) =>
          w.sseEvents.push({ type, data: JSON.parse((e as MessageEvent).data), lastEventId: (e as MessageEvent).lastEventId }),
        );
      }
      source.addEventListener("error", () => {
        w.sseErrors++;
      });
      w.sseSource = source;
    },
    { path, types },
  );
}

function pageEvents(type?: string): Promise<PageEvent[]> {
  return page.evaluate((type) => {
    const events = (window as unknown as { sseEvents: PageEvent[] }).sseEvents ?? [];
    return type === undefined ? events : events.filter((e) => e.type === type);
  }, type);
}

describe("EventSource in headless Chromium against HelloSockets", () => {
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
    hello = await startHello();
    page = await (browser as Browser).newPage();
    diagnostics = watchPage(page);
    // A page on the app's own origin: the EventSource is same-origin, as on a real site.
    await page.route(`${hello.base}/sse-page`, (route) => route.fulfill({ contentType: "text/html", body: BLANK_PAGE }));
    await page.goto(`${hello.base}/sse-page`, { timeout: 10_000 });
  });

  afterEach(async () => {
    await page?.close().catch(() => undefined);
    await hello?.stop();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
  }, 20_000);

  it("joins dupe and receives the deduplicated number events", async () => {
    await openInPage("/socket/sse?topics=dupe", ["phx_reply", "number"]);
    await expect.poll(async () => (await pageEvents("phx_reply"))[0]?.data, WAIT).toEqual({ topic: "dupe", status: "ok", response: {} });
    await broadcastNumbers(hello.endpoint, [1, 2, 1, 3], 2);
    try {
      await expect.poll(async () => (await pageEvents("number")).length, WAIT).toBe(3);
    } catch (err) {
      throw new Error(`numbers did not arrive${describeDiagnostics(diagnostics)}`, { cause: err });
    }
    await sleep(DEDUPE_WINDOW_MS + 300);
    expect((await pageEvents("number")).map((e) => e.data.payload)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
    expect(await page.evaluate(() => (window as unknown as { sseSource: EventSource }).sseSource.readyState)).toBe(1);
  });

  it("receives send_ping for a request_ping broadcast on ping", async () => {
    await openInPage("/socket/sse?topics=ping,dupe", ["phx_reply", "send_ping"]);
    await expect.poll(async () => (await pageEvents("phx_reply")).length, WAIT).toBe(2);
    await hello.endpoint.broadcast("ping", "request_ping", {});
    await expect
      .poll(async () => (await pageEvents("send_ping")).map((e) => e.data), WAIT)
      .toEqual([{ topic: "ping", payload: { from_node: "nonode@nohost" } }]);
    expect(diagnostics.errors).toEqual([]);
  });
});
