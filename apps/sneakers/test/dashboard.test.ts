// The dashboard's data on one node, with the official phoenix client for the admin (its Presence)
// and for the shoppers, whose carts are the store's real cart channel (book part E §7 scenarios
// 5–13): state on join, a diff per join/change/leave, tabs of one cart, no presence for shoppers.
import { afterEach, expect, test } from "vitest";
import { createLogger } from "fenix";
import { type SneakersApp, createSneakersApp } from "../src/app.js";
import { CART_TRACKER_TOPIC } from "../src/cart_tracker.js";
import { type AdminClient, type CartShopper, adminClient, adminToken, cartId, cartShopper } from "./support/admin_dashboard.js";
import { eventually } from "./support/product_client.js";

const logger = createLogger({ name: "test", level: "silent" });
let app: SneakersApp | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await app?.close();
  app = undefined;
});

async function started(): Promise<{ ws: string; http: string }> {
  app = await createSneakersApp({ secretKeyBase: "d".repeat(64), apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 5 });
  const port = await app.listen(0, "127.0.0.1");
  await app.inventory.server.ready();
  // Both products out, every size in stock: the cart accepts any item.
  for (const id of [1, 2]) await app.inventory.markProductReleased(id);
  for (const id of app.inventory.server.get().items.keys()) await app.inventory.setStock(id, 500);
  return { ws: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
}

async function admin(base: { ws: string; http: string }): Promise<AdminClient> {
  const client = await adminClient(base.ws, await adminToken(base.http));
  cleanups.push(() => client.close());
  return client;
}

function shopper(base: { ws: string }, id: string, page: string | undefined, serialized?: string): CartShopper {
  const s = cartShopper(base.ws, id, page, serialized);
  cleanups.push(() => s.close());
  return s;
}

const diffs = (a: AdminClient) => a.frames.filter((f) => f.event === "presence_diff").map((f) => f.payload);

test("an empty store: join ok, then presence_state {}", async () => {
  const base = await started();
  const a = await admin(base);
  await eventually("presence_state", () => a.frames.find((f) => f.event === "presence_state"));
  const state = a.frames.find((f) => f.event === "presence_state");
  expect(state?.payload).toEqual({});
  expect(state?.topic).toBe(CART_TRACKER_TOPIC);
});

test("a cart's join, add_item, second tab, change in a tab and leaves reach the dashboard", async () => {
  const base = await started();
  const a = await admin(base);
  const id = cartId();
  const tab1 = shopper(base, id, "/");
  expect((await tab1.join()).status).toBe("ok");

  // Scenario 6: the join, with the book's meta.
  const joinDiff = await eventually("join diff", () => diffs(a).find((d) => d.joins[id]));
  expect(joinDiff.leaves).toEqual({});
  expect(joinDiff.joins[id].metas).toHaveLength(1);
  const first = joinDiff.joins[id].metas[0];
  expect(Object.keys(first).sort()).toEqual(["items", "page", "page_loaded_at", "phx_ref"]);
  expect(first).toMatchObject({ items: [], page: "/" });
  expect(Number.isInteger(first.page_loaded_at)).toBe(true);
  expect(Math.abs(first.page_loaded_at - Date.now())).toBeLessThan(60_000);
  expect(typeof first.phx_ref).toBe("string");

  // Scenario 8: add_item "5" is one diff, the new meta in joins (phx_ref_prev = the old ref), the old in leaves.
  const before = diffs(a).length;
  const added = await tab1.push("add_item", { item_id: "5" });
  expect(added.status).toBe("ok");
  const update = await eventually("update diff", () =>
    diffs(a)
      .slice(before)
      .find((d) => d.joins[id]),
  );
  expect(update.joins[id].metas[0]).toMatchObject({ items: [5], page: "/", phx_ref_prev: first.phx_ref });
  expect(update.leaves[id].metas).toEqual([first]);
  await a.until("cart holds 5", (c) => c.items["5"] === 1 && c.shoppers === 1);

  // Scenario 9: a second tab of the cart on /checkout (sending the stored cart, as a browser tab does): 1 shopper, two pages.
  const stored = (added.response as { serialized: string }).serialized;
  const tab2 = shopper(base, id, "/checkout", stored);
  expect((await tab2.join()).status).toBe("ok");
  let counts = await a.until("two tabs", (c) => c.pages["/checkout"] === 1);
  expect(counts).toEqual({ shoppers: 1, pages: { "/": 1, "/checkout": 1 }, items: { "5": 1 } });
  expect(a.state()[id].metas).toHaveLength(2);

  // Scenario 10: tab 2 adds an item: both tabs' metas follow, the cart is counted once.
  expect((await tab2.push("add_item", { item_id: "20" })).status).toBe("ok");
  await eventually("both metas updated", () => a.state()[id]?.metas.every((m) => [...m.items].sort((x: number, y: number) => x - y).join() === "5,20"));
  counts = a.counts();
  expect(counts.items).toEqual({ "5": 1, "20": 1 });
  expect(counts.shoppers).toBe(1);

  // Scenario 11: closing tabs: a leave per meta, the key goes with the last one.
  tab2.close();
  await a.until("tab 2 gone", (c) => c.pages["/checkout"] === undefined && c.shoppers === 1);
  tab1.close();
  counts = await a.until("cart gone", (c) => c.shoppers === 0);
  expect(counts).toEqual({ shoppers: 0, pages: {}, items: {} });
  expect(a.state()).toEqual({});
  expect(diffs(a).some((d) => d.leaves[id])).toBe(true);
});

test("a 63-character cart id is refused and leaves no presence; a join without page is tracked with page null", async () => {
  const base = await started();
  const a = await admin(base);
  const bad = shopper(base, cartId().slice(1), "/");
  const refused = await bad.join();
  expect(refused.status).toBe("error");
  const id = cartId();
  const plain = shopper(base, id, undefined);
  expect((await plain.join()).status).toBe("ok");
  await a.until("one shopper", (c) => c.shoppers === 1);
  expect(Object.keys(a.state())).toEqual([id]);
  expect(a.state()[id].metas[0]).toMatchObject({ page: null, items: [] });
  expect(await app!.endpoint.presence.list(CART_TRACKER_TOPIC)).toHaveProperty(id);
});

test("an admin joining after 3 shoppers gets exactly their 3 carts; shoppers never see presence traffic", async () => {
  const base = await started();
  const ids = [cartId(), cartId(), cartId()];
  const tabs = ids.map((id, i) => shopper(base, id, `/bench/${i + 1}`));
  for (const [i, tab] of tabs.entries()) {
    expect((await tab.join()).status).toBe("ok");
    expect((await tab.push("add_item", { item_id: String(i + 1) })).status).toBe("ok");
  }
  const a = await admin(base);
  const state = await eventually("presence_state", () => a.frames.find((f) => f.event === "presence_state")?.payload);
  expect(Object.keys(state).sort()).toEqual([...ids].sort());
  for (const [i, id] of ids.entries()) expect(state[id].metas).toMatchObject([{ page: `/bench/${i + 1}`, items: [i + 1] }]);

  // Changes and leaves while the admin watches: the shoppers' sockets still carry no presence frames.
  expect((await tabs[0].push("remove_item", { item_id: "1" })).status).toBe("ok");
  tabs[2].close();
  await a.until("2 shoppers, one holding nothing", (c) => c.shoppers === 2 && c.items["1"] === undefined && c.items["2"] === 1);
  for (const tab of tabs) {
    expect(tab.frames.length).toBeGreaterThan(0);
    expect(tab.frames.filter((f) => f.event.startsWith("presence_") || f.topic === CART_TRACKER_TOPIC)).toEqual([]);
  }
});
