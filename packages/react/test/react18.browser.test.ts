// @fenix/react under React 18 (18.3.1, development build, StrictMode) in Chromium, against a
// real Fenix endpoint and the real phoenix client. The app in react18/app.tsx is bundled with
// `react`/`react-dom` aliased to React 18, the hooks' source included; the rest of the package's
// tests run React 19. What is asserted is what the server saw and what went over the wire.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PageDiagnostics, describeDiagnostics, launchChromium, watchPage } from "../../../apps/hello/test/support/browser.js";
import type { React18Probe } from "./react18/app.js";
import { type React18Bundle, bundleReact18App } from "./react18/bundle.js";
import { type Wire, recordWire } from "./react18/wire.js";
import { type TestServer, startTestServer } from "./support/server.js";

const PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><link rel="icon" href="data:,"><title>@fenix/react on React 18</title></head>
  <body><div id="root"></div><script type="module" src="/app.js"></script></body>
</html>`;

const POLL = { timeout: 10_000, interval: 25 };

function serveApp(bundle: React18Bundle) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (req.method !== "GET" || (path !== "/" && path !== "/app.js")) return false;
    const [type, body] = path === "/" ? ["text/html; charset=utf-8", PAGE] : ["text/javascript; charset=utf-8", bundle.js];
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
    return true;
  };
}

const probe = (page: Page) => page.evaluate(() => window.react18 as React18Probe);
const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();

describe("@fenix/react on React 18 in Chromium (StrictMode, development build)", () => {
  let server: TestServer;
  let bundle: React18Bundle;
  let base: string;
  let browser: Browser;
  let page: Page;
  let wire: Wire;
  let diagnostics: PageDiagnostics;

  beforeAll(async () => {
    bundle = await bundleReact18App();
    server = await startTestServer();
    server.endpoint.addRequestHandler(serveApp(bundle));
    base = server.url.replace(/^ws:/, "http:").replace(/\/socket$/, "");
    browser = await launchChromium();
    page = await browser.newPage();
    diagnostics = watchPage(page);
    wire = recordWire(page);
    await page.goto(`${base}/?name=alice`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // Page errors and the page's console explain most failures; attach them.
  const withDiagnostics = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      throw new Error(`${(err as Error).message}${describeDiagnostics(diagnostics)}\n--- server events ---\n${server.events.join("\n")}`);
    }
  };

  it("renders with React 18.3.1 and react-dom 18.3.1, the bundle holds no React 19 module, and StrictMode double-ran the effects", () =>
    withDiagnostics(async () => {
      await page.getByRole("heading", { name: /^Room room:a: / }).waitFor();
      const { react, reactDom, effects } = await probe(page);
      expect({ react, reactDom }).toEqual({ react: "18.3.1", reactDom: "18.3.1" });
      const reactModules = bundle.inputs.filter((input) => /node_modules\/(react|react-dom|scheduler)[-/]/.test(input));
      expect(reactModules.length).toBeGreaterThan(0);
      expect(reactModules.filter((input) => !/node_modules\/(react-18|react-dom-18)\//.test(input))).toEqual([]);
      expect(bundle.inputs).toContain("packages/react/src/use_channel.ts");
      expect(effects.Room).toBe(2);
    }));

  it("opens exactly one socket and sends one phx_join under StrictMode; the server holds one connection and one channel", () =>
    withDiagnostics(async () => {
      await page.getByRole("heading", { name: "Room room:a: joined" }).waitFor();
      expect(await text(page, "socket")).toBe("socket ready");
      // The provider's effects ran twice at mount; Room first rendered without a socket, so its join
      // is a plain effect re-run (the Lobby test below covers a channel under double effects).
      // The join reply is back: a duplicate join would be on the wire by now.
      expect(wire.sockets).toHaveLength(1);
      expect(wire.sentSince(0)).toEqual(["phx_join room:a"]);
      expect(server.connects()).toBe(1);
      expect(server.endpoint.connections.size).toBe(1);
      expect(server.channelCount()).toBe(1);
      expect(server.events).toEqual(["join:room:a"]);
    }));

  it("usePush renders the server's reply", () =>
    withDiagnostics(async () => {
      expect(await text(page, "echo")).toBe("idle");
      const mark = wire.mark();
      await page.getByRole("button", { name: "Echo" }).click();
      await expect.poll(() => text(page, "echo"), POLL).toBe("ok hello from alice");
      expect(wire.sentSince(mark)).toEqual(["echo room:a"]);
    }));

  it("useEvent renders each pushed event once, through the latest handler", () =>
    withDiagnostics(async () => {
      const events = () => page.getByTestId("events").locator("li").allTextContents();
      await page.getByRole("button", { name: "Poke" }).click();
      await expect.poll(events, POLL).toEqual(["first:1"]);
      await page.getByRole("button", { name: "Relabel" }).click();
      await page.getByRole("button", { name: "Poke" }).click();
      await expect.poll(events, POLL).toEqual(["first:1", "second:2"]);
      expect(wire.received("room:a", "poked")).toEqual([{ n: 1 }, { n: 2 }]);
    }));

  it("usePresence lists both clients on both pages, and drops the one that leaves", () =>
    withDiagnostics(async () => {
      const mark = wire.mark();
      await page.getByRole("button", { name: "Show lobby" }).click();
      await page.getByRole("heading", { name: "Lobby: joined" }).waitFor();
      await expect.poll(() => text(page, "online"), POLL).toBe("alice");
      // A component mounted later gets StrictMode's double effects too, and still one join.
      expect((await probe(page)).effects.Lobby).toBe(2);
      expect(wire.sentSince(mark)).toEqual(["phx_join presence:lobby"]);

      const bob = await browser.newPage();
      try {
        const bobDiagnostics = watchPage(bob);
        await bob.goto(`${base}/?name=bob&lobby`);
        await expect.poll(() => text(page, "online"), POLL).toBe("alice,bob");
        await expect.poll(() => text(bob, "online"), POLL).toBe("alice,bob");
        expect((await probe(bob)).react).toBe("18.3.1");
        expect(server.endpoint.connections.size).toBe(2);
        expect(bobDiagnostics.errors).toEqual([]);
      } finally {
        await bob.close();
      }
      await expect.poll(() => text(page, "online"), POLL).toBe("alice");
      await expect.poll(() => server.endpoint.connections.size, POLL).toBe(1);
    }));

  it("a topic change sends phx_leave of the old topic before phx_join of the new one, on the same socket", () =>
    withDiagnostics(async () => {
      const mark = wire.mark();
      const seen = server.events.length;
      await page.getByRole("button", { name: "Switch topic" }).click();
      await page.getByRole("heading", { name: "Room room:b: joined" }).waitFor();
      expect(wire.sentSince(mark)).toEqual(["phx_leave room:a", "phx_join room:b"]);
      await expect.poll(() => server.events.slice(seen), POLL).toEqual(["terminate:room:a", "join:room:b"]);
      expect(wire.sockets).toHaveLength(1);
      expect(server.channelCount()).toBe(2);
    }));

  it("unmounting the provider leaves its channels and closes the socket: the server is back to 0 connections", () =>
    withDiagnostics(async () => {
      const mark = wire.mark();
      await page.getByRole("button", { name: "Disconnect" }).click();
      await page.getByText("disconnected").waitFor();
      await expect.poll(() => wire.sockets[0]?.closed, POLL).toBe(true);
      await expect.poll(() => server.endpoint.connections.size, POLL).toBe(0);
      expect([...wire.sentSince(mark)].sort()).toEqual(["phx_leave presence:lobby", "phx_leave room:b"]);
      expect(server.events).toContain("terminate:room:b");
      expect(server.events).toContain("terminate:presence:lobby");
      expect(wire.sockets).toHaveLength(1);
      // React 18 reports misuse (invalid hook calls, updates on unmounted components) as console errors.
      expect(diagnostics.errors).toEqual([]);
      expect(diagnostics.console.filter((line) => line.startsWith("[error]"))).toEqual([]);
    }));
});
