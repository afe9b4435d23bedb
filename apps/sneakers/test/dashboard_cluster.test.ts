// The dashboard across two nodes on one Redis and database (book part E §7 scenarios 14, 15,
// 17–20 and 31): a cart on node A shows on node B's dashboard and leaves it, both nodes list the
// same carts, two tabs of one cart on different nodes keep each other and both metas in step; a
// node stopped with SIGTERM or restarted under its name takes its old carts off the other node's
// dashboard at once, a node cut off from Redis leaves and comes back, and bad tracker settings
// stop the store from starting.
import { afterEach, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { startTcpProxy } from "../../hello/test/support/tcp_proxy.js";
import { type AdminClient, type CartShopper, adminClient, adminToken, cartId, cartShopper } from "./support/admin_dashboard.js";
import { throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, startSneakers, waitForStatus } from "./support/process.js";
import { eventually } from "./support/product_client.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Cluster {
  a: SneakersProcess;
  b: SneakersProcess;
  /** Starts another node of this cluster named `name` (on `port`, default a free one). */
  start(name: string, port?: number): Promise<SneakersProcess>;
}

async function cluster(): Promise<Cluster> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const db = await throwawayDatabase();
  cleanups.push(() => db.drop());
  // Quick heartbeats so a remote change shows well inside the book's 2 s; a long down period, so
  // a node that leaves is seen to go by its own word, not by missed heartbeats.
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TRACKER_BROADCAST_MS: "200", TRACKER_DOWN_MS: "20000", TRACKER_PERMDOWN_MS: "60000" };
  const start = async (name: string, port?: number) => {
    const n = await startSneakers({ ...env, NODE_NAME: `${name}-${redis.port}` }, { port });
    cleanups.push(() => n.stop());
    await waitForStatus(`${n.url}/`, 200);
    return n;
  };
  const a = await start("dash-a");
  const b = await start("dash-b");
  for (const id of [1, 2]) expect((await operator(a.url, "POST", `/api/products/${id}/release`)).status).toBe(200);
  for (const id of [3, 5, 16]) expect((await operator(a.url, "PUT", `/api/items/${id}/stock`, { count: 900 })).status).toBe(200);
  // B's cache has heard (replication): B's carts accept the same items.
  await eventually("B sees the release", async () => {
    const { json } = await operator(b.url, "GET", "/api/status");
    return json.products?.every((p: { released: boolean }) => p.released);
  });
  return { a, b, start };
}

async function admin(n: SneakersProcess): Promise<AdminClient> {
  const client = await adminClient(`ws://127.0.0.1:${n.port}`, await adminToken(n.url));
  cleanups.push(() => client.close());
  return client;
}

function tab(n: SneakersProcess, id: string, page: string, serialized?: string): CartShopper {
  const s = cartShopper(`ws://127.0.0.1:${n.port}`, id, page, serialized);
  cleanups.push(() => s.close());
  return s;
}

it("a cart on A joins and leaves B's dashboard; both nodes list the same carts", async () => {
  const { a, b } = await cluster();
  const [onA, onB] = [await admin(a), await admin(b)];
  const ids = [cartId(), cartId()];
  const tabs = [tab(a, ids[0], "/"), tab(b, ids[1], "/checkout")];
  for (const t of tabs) expect((await t.join()).status).toBe("ok");
  expect((await tabs[0].push("add_item", { item_id: "3" })).status).toBe("ok");
  for (const dashboard of [onA, onB]) {
    const counts = await dashboard.until("both carts", (c) => c.shoppers === 2 && c.items["3"] === 1);
    expect(counts).toEqual({ shoppers: 2, pages: { "/": 1, "/checkout": 1 }, items: { "3": 1 } });
  }
  expect(Object.keys(onA.state()).sort()).toEqual(Object.keys(onB.state()).sort());
  // The diff B's admin got for A's cart carries the book's meta.
  const diff = onB.frames.find((f) => f.event === "presence_diff" && f.payload.joins[ids[0]]);
  expect(diff?.payload.joins[ids[0]].metas[0]).toMatchObject({ page: "/", items: [] });

  tabs[0].close();
  for (const dashboard of [onA, onB]) await dashboard.until("A's cart left", (c) => c.shoppers === 1 && c.items["3"] === undefined);
  expect(Object.keys(onB.state())).toEqual([ids[1]]);
}, 90_000);

it("two tabs of one cart on different nodes: an add on A reaches the tab on B, and both metas", async () => {
  const { a, b } = await cluster();
  const onB = await admin(b);
  const id = cartId();
  const tabA = tab(a, id, "/");
  expect((await tabA.join()).status).toBe("ok");
  const first = await tabA.push("add_item", { item_id: "5" });
  expect(first.status).toBe("ok");
  const tabB = tab(b, id, "/checkout", (first.response as { serialized: string }).serialized);
  expect((await tabB.join()).status).toBe("ok");
  await onB.until("one cart, two tabs", (c) => c.shoppers === 1 && c.pages["/checkout"] === 1 && c.items["5"] === 1);

  expect((await tabA.push("add_item", { item_id: "16" })).status).toBe("ok");
  // The tab on B is sent the new cart…
  await eventually("tab B's cart has 5 and 16", () =>
    tabB.frames.some((f) => f.event === "cart" && f.payload.items.map((i: { id: number }) => i.id).join() === "5,16"),
  );
  // …and the tracker's meta of each tab holds both items.
  await eventually("both metas hold 5 and 16", () => {
    const metas = onB.state()[id]?.metas ?? [];
    return metas.length === 2 && metas.every((m) => [...m.items].sort((x: number, y: number) => x - y).join() === "5,16");
  });
  expect(onB.counts()).toEqual({ shoppers: 1, pages: { "/": 1, "/checkout": 1 }, items: { "5": 1, "16": 1 } });
}, 90_000);

it("SIGTERM on A: B's dashboard drops A's carts at once (graceful permdown), well before the down period", async () => {
  const { a, b } = await cluster();
  const onB = await admin(b);
  const onATabs = [cartId(), cartId(), cartId()].map((id) => tab(a, id, "/bench/1"));
  const onBTab = tab(b, cartId(), "/");
  for (const t of [...onATabs, onBTab]) expect((await t.join()).status).toBe("ok");
  await onB.until("4 shoppers", (c) => c.shoppers === 4);
  const stopping = a.stop();
  // Bounded well below the 20 s down period: only A's own goodbye can explain it.
  await onB.until("A's carts dropped", (c) => c.shoppers === 1 && c.pages["/bench/1"] === undefined, 10_000);
  await stopping;
  for (const t of onATabs) t.close();
}, 90_000);

it("A restarted under the same node name after a SIGKILL: B drops the old life's carts at once (new vsn), long before the down period", async () => {
  const { a, b, start } = await cluster();
  const onB = await admin(b);
  const ghosts = [cartId(), cartId()].map((id) => tab(a, id, "/bench/2"));
  for (const t of ghosts) expect((await t.join()).status).toBe("ok");
  await onB.until("2 shoppers", (c) => c.shoppers === 2);
  await a.kill();
  for (const t of ghosts) t.socket.disconnect();
  // Same name ("dash-a-<port>"), same port: a new life of the same node.
  const again = await start("dash-a", a.port);
  const fresh = tab(again, cartId(), "/");
  expect((await fresh.join()).status).toBe("ok");
  // Bounded well below the 20 s down period: only the restarted replica's new vsn explains it.
  const counts = await onB.until("only the new life's cart", (c) => c.shoppers === 1 && c.pages["/"] === 1, 10_000);
  expect(counts.pages["/bench/2"]).toBeUndefined();
}, 90_000);

it("a tracker configured with a down period under twice the heartbeat refuses to start, saying why", async () => {
  await expect(startSneakers({ DATABASE_URL: "sqlite::memory:", TRACKER_BROADCAST_MS: "1000", TRACKER_DOWN_MS: "1500" })).rejects.toThrow(
    /downPeriodMs \(1500\) must be at least twice broadcastPeriodMs \(1000\)/,
  );
  await expect(startSneakers({ DATABASE_URL: "sqlite::memory:", TRACKER_DOWN_MS: "5000", TRACKER_PERMDOWN_MS: "5000" })).rejects.toThrow(
    /permdownPeriodMs \(5000\) must be greater than downPeriodMs \(5000\)/,
  );
});

it("A cut off from Redis and healed (same process): B sees A's carts leave after the down period and come back, no client reconnecting", async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const proxy = await startTcpProxy(redis.port);
  cleanups.push(() => proxy.close());
  const db = await throwawayDatabase();
  cleanups.push(() => db.drop());
  const env = { DATABASE_URL: db.url, TRACKER_BROADCAST_MS: "200", TRACKER_DOWN_MS: "2000", TRACKER_PERMDOWN_MS: "60000" };
  const a = await startSneakers({ ...env, REDIS_URL: proxy.url("redis"), NODE_NAME: `cut-a-${redis.port}` });
  cleanups.push(() => a.stop());
  const b = await startSneakers({ ...env, REDIS_URL: redis.url, NODE_NAME: `cut-b-${redis.port}` });
  cleanups.push(() => b.stop());
  await waitForStatus(`${a.url}/`, 200);
  await waitForStatus(`${b.url}/`, 200);
  const onB = await admin(b);
  const onA = [cartId(), cartId(), cartId()].map((id) => tab(a, id, "/bench/3"));
  for (const t of onA) expect((await t.join()).status).toBe("ok");
  await onB.until("A's 3 carts", (c) => c.shoppers === 3);
  const opened = onA.map((t) => t.frames.filter((f) => f.event === "phx_reply" && f.topic !== "phoenix").length);

  proxy.cut();
  await onB.until("A's carts gone while A is unreachable", (c) => c.shoppers === 0, 20_000);
  proxy.heal();
  await onB.until("A's carts back after the heal", (c) => c.shoppers === 3 && c.pages["/bench/3"] === 3, 30_000);
  // The shoppers never noticed: same sockets, no rejoin.
  for (const [i, t] of onA.entries()) {
    expect(t.socket.isConnected()).toBe(true);
    expect(t.frames.filter((f) => f.event === "phx_reply" && f.topic !== "phoenix").length).toBe(opened[i]);
  }
}, 120_000);
