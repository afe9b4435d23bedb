// The store page in Chromium for the fault and cluster tests: opens `/`, records every frame its
// `/product_socket` WebSocket receives (Phoenix v2 arrays), and waits until both product
// channels have joined, so later counts of `released` / `stock_change` frames are exact.
import type { Browser, Page } from "playwright-core";
import type { PageDiagnostics } from "../../../hello/test/support/browser.js";
import { describeDiagnostics, watchPage } from "./browser.js";

export interface Frame {
  topic: string;
  event: string;
  payload: any;
}

export interface StorePage {
  page: Page;
  diagnostics: PageDiagnostics;
  /** Frames received since the page (re)loaded. */
  frames: Frame[];
  count(event: string, topic?: string): number;
  /** Resolves once `count(event, topic) >= n` (rejects after `ms`, with the page's diagnostics). */
  waitForFrames(event: string, topic: string | undefined, n: number, ms?: number): Promise<void>;
  /** Reloads and waits for the channels to join again (the frame log restarts). */
  reload(): Promise<void>;
  describe(): string;
  close(): Promise<void>;
}

export async function openStorePage(browser: Browser, url: string, productIds = [1, 2]): Promise<StorePage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const diagnostics = watchPage(page);
  let frames: Frame[] = [];
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/product_socket")) return;
    ws.on("framereceived", ({ payload }) => {
      if (typeof payload !== "string") return;
      try {
        const [, , topic, event, body] = JSON.parse(payload) as [unknown, unknown, string, string, any];
        frames.push({ topic, event, payload: body });
      } catch {}
    });
  });
  const count = (event: string, topic?: string) => frames.filter((f) => f.event === event && (topic === undefined || f.topic === topic)).length;
  const describe = () => {
    const names = frames.map((f) => `${f.topic} ${f.event}${f.event === "phx_reply" ? ` ${f.payload?.status}` : ""}`);
    const tally: Record<string, number> = {};
    for (const n of names) tally[n] = (tally[n] ?? 0) + 1;
    return `frames: ${JSON.stringify(tally)}; last: ${JSON.stringify(names.slice(-20))}${describeDiagnostics(diagnostics)}`;
  };
  const waitForFrames = async (event: string, topic: string | undefined, n: number, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (count(event, topic) < n) {
      if (Date.now() > deadline)
        throw new Error(`the page got ${count(event, topic)} ${event} on ${topic ?? "any topic"} within ${ms} ms, wanted ${n}\n${describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const joined = async () => {
    for (const id of productIds) {
      const deadline = Date.now() + 15_000;
      while (!frames.some((f) => f.topic === `product:${id}` && f.event === "phx_reply" && f.payload?.status === "ok")) {
        if (Date.now() > deadline) throw new Error(`the page did not join product:${id}\n${describe()}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  };
  const load = async (go: () => Promise<unknown>) => {
    frames = [];
    const response = await go();
    const status = (response as { status(): number } | null)?.status();
    if (status !== 200) throw new Error(`GET ${url} answered ${status}\n${describe()}`);
    await joined();
  };
  await load(() => page.goto(url));
  return {
    page,
    diagnostics,
    get frames() {
      return frames;
    },
    count,
    waitForFrames,
    reload: () => load(() => page.reload()),
    describe,
    close: () => context.close(),
  };
}
