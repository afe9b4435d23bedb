// /drops in Chromium with the store's bundle (the official phoenix and phoenix_live_view 1.2.12
// clients, unmodified) against the built server: the live view connects with no console errors,
// shows the same product list as /, takes a release and a stock change without a reload through
// small diffs on /live, joins no product channel, and the cart channel and size clicks still work
// (book part F §6 scenarios 10–12 and 2, 8 as the browser sees them).
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { rowIds, waitForCart } from "./support/cart_page.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { type PhxFrame, type Shopper, WAIT_MS, joinOks, openShopper, tempDatabase, until, waitForListings } from "./support/shopper.js";

const database = tempDatabase("drops-browser");
let server: SneakersProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let setupError: unknown;

const url = () => {
  if (!server) throw new Error("no server");
  return server.url;
};

interface StatusItem {
  id: number;
  available_count: number;
  level: string;
}

async function items(productId: number): Promise<StatusItem[]> {
  const { json } = await operator(url(), "GET", "/api/status");
  return (json.products as { id: number; items: StatusItem[] }[]).find((p) => p.id === productId)?.items ?? [];
}

async function cli(...args: string[]): Promise<void> {
  const result = await runCli(url(), args);
  expect(result.code, `CLI ${args.join(" ")}: ${result.stderr}${result.stdout}`).toBe(0);
}

/** A tab on `path`; for /drops, once the live view is connected. */
async function open(path: string): Promise<Shopper & { documents: string[] }> {
  if (!context) throw new Error("no browser context");
  const shopper = await openShopper(context, () => server);
  const documents: string[] = [];
  shopper.page.on("request", (request) => {
    if (request.resourceType() === "document") documents.push(request.url());
  });
  const response = await shopper.page.goto(url() + path, { waitUntil: "load", timeout: WAIT_MS });
  expect(response?.status(), shopper.context(`GET ${path}`)).toBe(200);
  if (path === "/drops") {
    await shopper.page.waitForSelector("[data-phx-main].phx-connected", { timeout: WAIT_MS }).catch((err) => {
      throw new Error(shopper.context(`no phx-connected: ${(err as Error).message}`));
    });
  }
  return Object.assign(shopper, { documents });
}

const liveSocket = (shopper: Shopper) => shopper.sockets.find((s) => s.url.includes("/live/websocket"));
const productSocket = (shopper: Shopper) => shopper.sockets.find((s) => s.url.includes("/product_socket/websocket"));
const diffs = (shopper: Shopper): PhxFrame[] => liveSocket(shopper)?.received.filter((f) => f.event === "diff") ?? [];

/**
 * Console errors and warnings (a version mismatch or a join error would be one), page errors and
 * failed requests. The browser's own favicon request is the store's one 404: its console line is
 * left out here and the request itself checked by URL.
 */
function problems(shopper: Shopper): string[] {
  const { console: lines, errors, failedRequests } = shopper.diagnostics;
  const bad = lines.filter((line) => (/^\[(error|warning)\]/.test(line) && !/Failed to load resource: .* 404/.test(line)) || /mismatch/i.test(line));
  return [...bad, ...errors, ...failedRequests.filter((r) => !r.includes("/favicon.ico"))];
}

/** The product list as the browser holds it, whitespace between tags collapsed. */
async function productListHtml(shopper: Shopper): Promise<string> {
  const outer = await shopper.page.locator("main.product-list").evaluate((el) => el.outerHTML);
  return outer.replace(/>\s+</g, "><").trim();
}

beforeAll(async () => {
  try {
    server = await startSneakers({ DATABASE_URL: database.url });
    await waitForStatus(`${url()}/`, 200);
    browser = await launchChromium();
  } catch (err) {
    setupError = err;
  }
}, 180_000);

beforeEach(async () => {
  if (setupError) throw setupError;
  expect((await operator(url(), "POST", "/api/reset")).status).toBe(200);
  context = await browser?.newContext({ viewport: { width: 1100, height: 900 } });
});

afterEach(async () => {
  await context?.close().catch(() => undefined);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  database.remove();
}, 20_000);

describe("/drops in Chromium", () => {
  it("connects with no console errors, shows the list of /, joins lv:* on /live and no product:* channel", async () => {
    const drops = await open("/drops");
    const store = await open("/");
    await until(store, "the store's product joins", () => {
      const socket = productSocket(store);
      return socket !== undefined && joinOks(socket, "product:1").length > 0 && joinOks(socket, "product:2").length > 0;
    });
    expect(await productListHtml(drops)).toBe(await productListHtml(store));
    expect((await productListHtml(drops)).match(/coming soon\.\.\./g)).toHaveLength(2);

    const live = liveSocket(drops);
    expect(live, drops.context("no /live socket")).toBeDefined();
    const lvJoin = live?.sent.find((f) => f.event === "phx_join" && f.topic.startsWith("lv:phx-"));
    expect(lvJoin, drops.context("no lv: join")).toBeDefined();
    const reply = live?.received.find((f) => f.event === "phx_reply" && f.ref === lvJoin?.ref);
    expect(reply?.payload).toMatchObject({ status: "ok", response: { liveview_version: "1.2.12" } });

    const cartId = await drops.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
    await until(drops, "the cart channel joined on /product_socket", () => {
      const socket = productSocket(drops);
      return socket !== undefined && joinOks(socket, `cart:${cartId}`).length > 0;
    });
    const joined = drops.sockets.flatMap((s) => s.sent.filter((f) => f.event === "phx_join").map((f) => f.topic));
    expect(joined.filter((t) => t.startsWith("product:"))).toEqual([]);
    expect(store.sockets.map((s) => new URL(s.url).pathname)).toEqual(["/product_socket/websocket"]); // no LiveSocket on /
    expect(problems(drops), drops.context("console problems")).toEqual([]);
  }, 60_000);

  it("a release shows the sizes without a reload; a stock change updates one level through a small diff; size clicks fill the cart", async () => {
    const drops = await open("/drops");
    const cartId = await drops.page.evaluate(() => (window as unknown as { cartId: string }).cartId);
    await until(drops, "the cart channel joined", () => {
      const socket = productSocket(drops);
      return socket !== undefined && joinOks(socket, `cart:${cartId}`).length > 0;
    });
    await drops.page.evaluate(() => Object.assign(window, { notReloaded: true }));
    const initial = JSON.stringify(
      liveSocket(drops)?.received.find((f) => f.event === "phx_reply" && f.payload?.response?.rendered)?.payload.response.rendered,
    );

    await cli("release", "1");
    const released = await waitForListings(drops, "product 1's sizes", (all) => all[0]?.hasSizes === true && !all[0].comingSoon && all[1]?.comingSoon === true);
    expect(released[0]?.buttons).toHaveLength(13);

    // A size that is not out yet goes to 0: its button turns out and disabled.
    const target = (await items(1)).find((i) => i.available_count > 0);
    if (!target) throw new Error("product 1 has nothing in stock");
    const before = diffs(drops).length;
    await cli("set-stock", String(target.id), "0");
    await waitForListings(drops, `item ${target.id} out`, (all) => {
      const button = all[0]?.buttons.find((b) => b.value === String(target.id));
      return button?.disabled === true && button.classes.includes("size-container__entry--level-out");
    });
    const change = diffs(drops).slice(before);
    expect(change).toHaveLength(1);
    const changeJson = JSON.stringify(change[0]?.payload);
    expect(changeJson).not.toContain('"s"');
    expect(changeJson.length).toBeLessThan(initial.length);

    expect(await drops.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(drops.documents).toHaveLength(1);

    // Clicking a size in the live-rendered list adds it through the cart channel.
    const pick = (await items(1)).find((i) => i.available_count > 0 && i.id !== target.id);
    if (!pick) throw new Error("no other size in stock");
    await drops.page.click(`button.size-container__entry[value="${pick.id}"]`);
    await waitForCart(drops, `the cart holds item ${pick.id}`, (cart) => cart.shown && rowIds(cart).join() === String(pick.id));
    const sent = productSocket(drops)?.sent.filter((f) => f.topic === `cart:${cartId}` && f.event === "add_item") ?? [];
    expect(sent.map((f) => f.payload)).toEqual([{ item_id: String(pick.id) }]);
    expect(drops.sockets.flatMap((s) => s.sent.filter((f) => f.event === "phx_join" && f.topic.startsWith("product:")))).toEqual([]);
    expect(problems(drops), drops.context("console problems")).toEqual([]);
  }, 60_000);
});
