// Book part F §6, scenarios 13–19 and 21, in Chromium against the built app in production mode and
// against the development server (StrictMode's double effects on). Wire traffic is read from
// Chromium's WebSocket frames, server state from /api/stats.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDiagnostics, launchChromium, watchPage } from "./support/browser.js";
import type { PageDiagnostics } from "./support/browser.js";
import { type AppProcess, spawnApp } from "./support/process.js";
import { type Wire, recordWire } from "./support/wire.js";

/** Polls `check` until it stops throwing (an event we cannot subscribe to: DOM text, server counts). */
async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const lines = async (page: Page) => (await page.locator("textarea").inputValue()).split("\n").filter(Boolean);

describe.each(["production", "development"] as const)("react-pings in Chromium (%s build)", (mode) => {
  let app: AppProcess;
  let browser: Browser;
  let page: Page;
  let wire: Wire;
  let diagnostics: PageDiagnostics;

  beforeAll(async () => {
    app = await spawnApp(mode);
    browser = await launchChromium();
    page = await browser.newPage();
    diagnostics = watchPage(page);
    wire = recordWire(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const fail = (err: unknown) => {
    throw new Error(`${(err as Error).message}${describeDiagnostics(diagnostics)}\n--- server ---\n${app.output()}`);
  };

  it("13/19: Home opens no socket; /pings opens exactly one and joins ping once, and the server holds one channel", async () => {
    try {
      await page.goto(`${app.base}/`);
      await page.getByRole("heading", { name: "Home" }).waitFor();
      expect(wire.sockets).toHaveLength(0);
      await page.getByRole("link", { name: "Pings", exact: true }).click();
      await page.getByRole("heading", { name: "Pings: ping" }).waitFor();
      await eventually(() => expect(wire.sentSince(0)).toContain("phx_join ping"));
      // The first ping is the server's answer to the join: by then any duplicate join would be on the wire.
      await eventually(() => expect(wire.pings("ping").length).toBeGreaterThanOrEqual(1));
      expect(wire.sockets).toHaveLength(1);
      expect(wire.sentSince(0)).toEqual(["phx_join ping"]);
      // StrictMode really ran the effects twice in development (once in production).
      const mounts = diagnostics.console.filter((line) => line === "[debug] PingChannel mounted ping").length;
      expect(mounts).toBe(mode === "development" ? 2 : 1);
      expect(await app.stats()).toMatchObject({ connections: 1, channels: 1, pingSchedules: 1, pingTimerRunning: true });
    } catch (err) {
      fail(err);
    }
  });

  it("14: pings arrive in the textarea as JSON, newest first", async () => {
    try {
      await eventually(async () => expect((await lines(page)).length).toBeGreaterThanOrEqual(2));
      const shown = await lines(page);
      for (const line of shown) {
        const ping = JSON.parse(line);
        expect(ping).toMatchObject({ message: "ping", node: expect.any(String) });
        expect(Number.isInteger(ping.random) && ping.random >= 1 && ping.random <= 100_000).toBe(true);
      }
      const received = wire.pings("ping").map((p) => JSON.stringify(p));
      expect(received.slice(-shown.length).reverse()).toEqual(shown.slice(0, Math.min(shown.length, received.length)));
    } catch (err) {
      fail(err);
    }
  });

  it('15: "Press to send a ping" puts the {"pong":"true"} reply at the top', async () => {
    try {
      const before = (await lines(page))[0];
      await page.getByRole("button", { name: "Press to send a ping" }).click();
      await eventually(async () => expect(await lines(page)).toContain('{"pong":"true"}'));
      const after = await lines(page);
      expect(after.indexOf('{"pong":"true"}')).toBeLessThan(after.indexOf(before!));
    } catch (err) {
      fail(err);
    }
  });

  it("16: /pings → /count sends no leave or join, keeps the socket, and counts pings from 0", async () => {
    try {
      const mark = wire.mark();
      const pingsBefore = wire.pings("ping").length;
      await page.getByRole("link", { name: "Counter" }).click();
      await page.getByRole("heading", { name: "Counter" }).waitFor();
      await eventually(async () => {
        const arrived = wire.pings("ping").length - pingsBefore;
        expect(arrived).toBeGreaterThanOrEqual(2);
        expect(await page.locator("strong").textContent()).toBe(String(arrived));
      }, 15_000);
      expect(wire.sentSince(mark)).toEqual([]);
      expect(wire.sockets).toHaveLength(1);
      expect(wire.sockets[0]!.closed).toBe(false);
    } catch (err) {
      fail(err);
    }
  });

  it("17: /pings → /other leaves ping, then joins other, on the same socket", async () => {
    try {
      await page.getByRole("link", { name: "Pings", exact: true }).click();
      await page.getByRole("heading", { name: "Pings: ping" }).waitFor();
      const mark = wire.mark();
      await page.getByRole("link", { name: "Other Pings" }).click();
      await page.getByRole("heading", { name: "Pings: other" }).waitFor();
      await eventually(() => expect(wire.sentSince(mark)).toEqual(["phx_leave ping", "phx_join other"]));
      await eventually(async () => expect((await lines(page)).length).toBeGreaterThanOrEqual(1));
      expect(wire.pings("other").length).toBeGreaterThanOrEqual(1);
      expect(wire.sockets).toHaveLength(1);
      await eventually(async () => expect(await app.stats()).toMatchObject({ connections: 1, channels: 1, pingSchedules: 1 }));
    } catch (err) {
      fail(err);
    }
  });

  it("18: going Home closes the socket; the server's channels drop to 0 and its ping timer stops", async () => {
    try {
      await page.getByRole("link", { name: "Home" }).click();
      await page.getByRole("heading", { name: "Home" }).waitFor();
      await eventually(() => expect(wire.sockets[0]!.closed).toBe(true));
      await eventually(async () => expect(await app.stats()).toEqual({ connections: 0, channels: 0, pingSchedules: 0, pingTimerRunning: false }));
      expect(wire.sockets).toHaveLength(1);
    } catch (err) {
      fail(err);
    }
  });

  it("a reload on a client route (/count) is served the SPA", async () => {
    try {
      await page.goto(`${app.base}/count`);
      await page.getByRole("heading", { name: "Counter" }).waitFor();
      await eventually(async () => expect(Number(await page.locator("strong").textContent())).toBeGreaterThanOrEqual(1));
      await page.goto(`${app.base}/`);
      await eventually(async () => expect(await app.stats()).toMatchObject({ connections: 0, channels: 0 }));
    } catch (err) {
      fail(err);
    }
  });

  it("21: with ?transport=longpoll the page joins ping over /socket/longpoll and receives pings", async () => {
    const lp = await browser.newPage();
    const lpDiagnostics = watchPage(lp);
    const requests: string[] = [];
    lp.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith("/socket/")) requests.push(`${request.method()} ${url.pathname}`);
    });
    const lpWire = recordWire(lp);
    try {
      await lp.goto(`${app.base}/pings?transport=longpoll`);
      await lp.getByRole("heading", { name: "Pings: ping" }).waitFor();
      await eventually(async () => expect((await lines(lp)).length).toBeGreaterThanOrEqual(2), 15_000);
      await lp.getByRole("button", { name: "Press to send a ping" }).click();
      await eventually(async () => expect(await lines(lp)).toContain('{"pong":"true"}'));
      expect(requests).toContain("GET /socket/longpoll");
      expect(requests).toContain("POST /socket/longpoll");
      expect(lpWire.sockets).toHaveLength(0);
      expect(await app.stats()).toMatchObject({ connections: 1, channels: 1 });
      // The hooks leave before disconnecting, so the channel ends at once; the long-poll session
      // itself lingers until the server's poll window expires (no request tells it the client left).
      await lp.getByRole("link", { name: "Home" }).click();
      await eventually(async () => expect(await app.stats()).toMatchObject({ channels: 0, pingSchedules: 0, pingTimerRunning: false }));
    } catch (err) {
      throw new Error(`${(err as Error).message}${describeDiagnostics(lpDiagnostics)}\n--- server ---\n${app.output()}`);
    } finally {
      await lp.close();
    }
  });
});
