// The dashboard under the book's load test (part E §2.8, §7 scenarios 22–23 and 16): the
// `shoppers` CLI puts 1,000 shoppers into real carts, and an admin socket (the official client's
// Presence, counted as the page counts) sees exactly 1,000 — on one node, and on two nodes behind
// the shipped nginx config — then 0 when they leave; a node killed outright loses its shoppers
// from the other node's dashboard once the tracker declares it down.
import { afterEach, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { startNginx } from "../../hello/test/support/nginx.js";
import { type DashboardCounts, total } from "../src/admin/dashboard_counts.js";
import { type AdminClient, adminClient, adminToken } from "./support/admin_dashboard.js";
import { throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, freePort, operator, startSneakers, waitForStatus } from "./support/process.js";
import { eventually } from "./support/product_client.js";
import { runShoppers } from "./support/shoppers_cli.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BENCH_PAGES = ["/bench/1", "/bench/2", "/bench/3", "/bench/4"];

async function node(env: Record<string, string>, port?: number): Promise<SneakersProcess> {
  const n = await startSneakers(env, { port });
  cleanups.push(() => n.stop());
  await waitForStatus(`${n.url}/`, 200);
  return n;
}

/** Both products released and every size well stocked, so every shopper's add_item succeeds. */
async function openTheStore(n: SneakersProcess): Promise<void> {
  for (const id of [1, 2]) expect((await operator(n.url, "POST", `/api/products/${id}/release`)).status).toBe(200);
  for (let id = 1; id <= 26; id++) expect((await operator(n.url, "PUT", `/api/items/${id}/stock`, { count: 5_000 })).status).toBe(200);
}

async function admin(httpBase: string): Promise<AdminClient> {
  const a = await adminClient(httpBase.replace(/^http/, "ws"), await adminToken(httpBase));
  cleanups.push(() => a.close());
  return a;
}

function expectFullHouse(counts: DashboardCounts, shoppers: number): void {
  expect(counts.shoppers).toBe(shoppers);
  expect(Object.keys(counts.pages).every((p) => BENCH_PAGES.includes(p))).toBe(true);
  expect(total(counts.pages)).toBe(shoppers);
  expect(Object.keys(counts.items).every((id) => Number(id) >= 1 && Number(id) <= 26)).toBe(true);
  expect(total(counts.items)).toBe(shoppers);
}

const full = (n: number) => (c: DashboardCounts) => c.shoppers === n && total(c.pages) === n && total(c.items) === n;

async function loadAndLeave(shopperUrl: string, a: AdminClient): Promise<void> {
  const run = runShoppers(["--url", shopperUrl, "--chunks", "10"]);
  cleanups.push(() => run.kill());
  const out = await run.waitFor(/holding; Ctrl-C to leave/, 120_000);
  expect(out).toMatch(/1000 shoppers → /);
  expect(out).toContain("chunk 10/10: 1000 shoppers connecting");
  expect(out).toContain("shoppers in: 1000 joined, 1000 items added, 0 failed");
  // Every shopper has its join and add_item answered: the dashboard catches up right after.
  expectFullHouse(await a.until("1,000 shoppers on the dashboard", full(1000), 10_000), 1000);
  // Random pages and items: each of the 4 pages has some of them (1,000 draws).
  for (const page of BENCH_PAGES) expect(a.counts().pages[page]).toBeGreaterThan(100);

  expect(await run.interrupt()).toBe(0);
  expect(run.output()).toContain("1000 shoppers left");
  expect(await a.until("everyone gone", (c) => c.shoppers === 0, 10_000)).toEqual({ shoppers: 0, pages: {}, items: {} });
}

describe("the shoppers load tool against the dashboard", () => {
  it("one node: 1,000 shoppers in real carts show as exactly 1,000, then 0 after Ctrl-C", async () => {
    const n = await node({ DATABASE_URL: "sqlite::memory:", NODE_NAME: `load-1-${process.pid}` });
    await openTheStore(n);
    const a = await admin(n.url);
    await loadAndLeave(`ws://127.0.0.1:${n.port}`, a);
  }, 120_000);

  it("--hold-s: the shoppers leave by themselves; a bad command line is refused with the usage", async () => {
    const n = await node({ DATABASE_URL: "sqlite::memory:", NODE_NAME: `hold-${process.pid}` });
    await openTheStore(n);
    const a = await admin(n.url);
    const run = runShoppers(["--url", n.url, "--chunks", "1", "--hold-s", "3"]);
    cleanups.push(() => run.kill());
    await run.waitFor(/holding for 3 s/);
    await a.until("100 shoppers", full(100));
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("100 shoppers left");
    await a.until("everyone gone", (c) => c.shoppers === 0);

    const bad = runShoppers(["--url", n.url, "--chunks", "51"]);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/error: --chunks must be a whole number from 1 to 50, got "51"/);
    expect(bad.output()).toContain("usage: npm run cli -w apps/sneakers -- shoppers");
  }, 60_000);

  it("two nodes behind nginx (deploy/nginx/fenix.conf): the same 1,000 on either node's dashboard, then 0", async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TRACKER_BROADCAST_MS: "300" };
    const a = await node({ ...env, NODE_NAME: `load-a-${redis.port}` });
    const b = await node({ ...env, NODE_NAME: `load-b-${redis.port}` });
    await openTheStore(a);
    // Replication has brought the release and the stock to B as well.
    await waitForStatus(`${b.url}/`, 200);
    const nginx = await startNginx({ listenPort: await freePort(), backends: [a.port, b.port] });
    cleanups.push(() => nginx.stop());

    const viaNginx = await admin(nginx.base);
    const onB = await admin(b.url);
    const run = runShoppers(["--url", `ws://127.0.0.1:${nginx.port}`, "--chunks", "10"]);
    cleanups.push(() => run.kill());
    const out = await run.waitFor(/holding; Ctrl-C to leave/, 120_000);
    expect(out).toContain("shoppers in: 1000 joined, 1000 items added, 0 failed");
    for (const dashboard of [viaNginx, onB]) expectFullHouse(await dashboard.until("1,000 shoppers on the dashboard", full(1000), 10_000), 1000);

    expect(await run.interrupt()).toBe(0);
    // least_conn spread the shoppers over both nodes (nginx logs a WebSocket when it closes).
    const served = (port: number) => new RegExp(`GET /product_socket/websocket\\S* HTTP/1.1" 101 .*upstream=127\\.0\\.0\\.1:${port} `);
    await eventually("both nodes in nginx's access log", () => served(a.port).test(nginx.accessLog()) && served(b.port).test(nginx.accessLog()));
    // Two nodes: within 2 s (eventually; the bound here only stops a hung test).
    for (const dashboard of [viaNginx, onB])
      expect(await dashboard.until("everyone gone", (c) => c.shoppers === 0, 10_000)).toEqual({ shoppers: 0, pages: {}, items: {} });
  }, 150_000);

  it("deploying a node behind nginx: its shoppers reconnect to the other node with their carts, the totals return", async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TRACKER_BROADCAST_MS: "300" };
    const a = await node({ ...env, NODE_NAME: `roll-a-${redis.port}` });
    const b = await node({ ...env, NODE_NAME: `roll-b-${redis.port}` });
    await openTheStore(a);
    const nginx = await startNginx({ listenPort: await freePort(), backends: [a.port, b.port] });
    cleanups.push(() => nginx.stop());
    const run = runShoppers(["--url", `ws://127.0.0.1:${nginx.port}`, "--chunks", "2", "--reconnect-ms", "300"]);
    cleanups.push(() => run.kill());
    expect(await run.waitFor(/holding; Ctrl-C to leave/, 60_000)).toContain("shoppers in: 200 joined, 200 items added, 0 failed");
    const watchB = await admin(b.url);
    expectFullHouse(await watchB.until("200 shoppers", full(200)), 200);
    const before = watchB.counts();

    // Deploy A: it drains (1012), its shoppers reconnect through nginx to B and rejoin with their carts.
    await a.stop(30_000);
    expect(await watchB.until("all 200 back, on B", full(200), 60_000)).toEqual(before);
    // They really left and came back (least_conn had put about half of them on A).
    const leaves = watchB.frames.filter((f) => f.event === "presence_diff").reduce((n, f) => n + Object.keys(f.payload.leaves).length, 0);
    expect(leaves).toBeGreaterThan(20);
    // The deployed A comes back on its port and sees everyone (on B) at once.
    const a2 = await node({ ...env, NODE_NAME: `roll-a2-${redis.port}` }, a.port);
    const watchA = await admin(a2.url);
    expect(await watchA.until("the new A sees the 200", full(200))).toEqual(before);
    // Then deploy B: its shoppers (all 200 now) reconnect through nginx to the new A.
    await b.stop(30_000);
    expect(await watchA.until("all 200 back, on the new A", full(200), 60_000)).toEqual(before);
    expect(await run.interrupt()).toBe(0);
    await watchA.until("everyone gone", (c) => c.shoppers === 0);
  }, 180_000);

  it("a node killed with SIGKILL: its shoppers leave the other node's dashboard once the tracker's down period passes", async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TRACKER_BROADCAST_MS: "200", TRACKER_DOWN_MS: "2000", TRACKER_PERMDOWN_MS: "20000" };
    const a = await node({ ...env, NODE_NAME: `kill-a-${redis.port}` });
    const b = await node({ ...env, NODE_NAME: `kill-b-${redis.port}` });
    await openTheStore(a);
    const onB = await admin(b.url);

    // 100 shoppers on A, 100 on B.
    const onA = runShoppers(["--url", `ws://127.0.0.1:${a.port}`, "--chunks", "1"]);
    const alsoB = runShoppers(["--url", `ws://127.0.0.1:${b.port}`, "--chunks", "1"]);
    cleanups.push(
      () => onA.kill(),
      () => alsoB.kill(),
    );
    for (const run of [onA, alsoB])
      expect(await run.waitFor(/holding; Ctrl-C to leave/, 60_000)).toContain("shoppers in: 100 joined, 100 items added, 0 failed");
    await onB.until("200 shoppers", full(200));

    await a.kill();
    // No graceful permdown from a killed node: B drops A's carts when A's heartbeats stop for the down period.
    const left = await onB.until("A's shoppers gone", (c) => c.shoppers === 100, 20_000);
    expectFullHouse(left, 100);
    expect(onB.frames.some((f) => f.event === "presence_diff" && Object.keys(f.payload.leaves).length > 0)).toBe(true);
    expect(await alsoB.interrupt()).toBe(0);
    await onB.until("everyone gone", (c) => c.shoppers === 0);
  }, 120_000);
});
