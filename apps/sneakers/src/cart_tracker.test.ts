// The tracker alone, through a stand-in cart channel on Fenix's channel test kit: where it tracks,
// what it stores, updates under the same entry, the already-tracked and never-tracked cases, and
// untracking when the channel ends (companion ShoppingCartChannelTest's tracker parts).
import { Endpoint, createLogger, defineChannel, defineSocket } from "fenix";
import { captureLog, channelTest } from "fenix/testing";
import type { ChannelTest, TestChannel } from "fenix/testing";
import { afterEach, expect, test } from "vitest";
import { CART_TRACKER_TOPIC, trackCart, updateCart } from "./cart_tracker.js";

let t: ChannelTest;
let endpoint: Endpoint;
afterEach(async () => {
  await t?.cleanup();
  await endpoint?.close();
});

// Joins `fake_cart:<id>` with {page, items}; tracks after the join like the real cart channel.
const FakeCart = defineChannel<{ id: string; page: string | null; items: number[] }>({
  join(topic, payload: any, socket) {
    socket.assign({ id: topic.slice("fake_cart:".length), page: payload.page ?? null, items: payload.items ?? [] });
    socket.send("after_join");
  },
  handleInfo(message, socket) {
    if (message === "after_join") trackCart(socket, socket.assigns.id, socket.assigns.page, socket.assigns.items);
  },
  handleIn: {
    set_items(payload: any, socket) {
      updateCart(socket, socket.assigns.id, payload.items);
    },
    track_again(_payload, socket) {
      trackCart(socket, socket.assigns.id, "/again", []);
    },
  },
});
const NeverTracked = defineChannel({
  handleIn: {
    set_items(_payload, socket) {
      updateCart(socket, "nobody", [1]);
    },
  },
});

async function setup() {
  endpoint = new Endpoint({ logger: createLogger({ level: "warn" }), presence: true });
  await endpoint.start();
  t = channelTest({ endpoint });
  return defineSocket({
    channels: [
      ["fake_cart:*", FakeCart],
      ["never:*", NeverTracked],
    ],
  });
}

async function cart(socket: ReturnType<typeof defineSocket>, id: string, payload: object): Promise<TestChannel> {
  const connected = await t.connect(socket, {});
  if (!connected.ok) throw new Error("refused");
  const joined = await t.join(connected.socket, `fake_cart:${id}`, payload);
  if (!joined.ok) throw new Error("join refused");
  return joined.channel;
}

const list = () => endpoint.presence.list(CART_TRACKER_TOPIC);
async function until<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not reached; list: ${JSON.stringify(await list())}`);
}

test("a cart is tracked on admin:cart_tracker, not on its own topic, keyed by cart id with the book's meta", async () => {
  const socket = await setup();
  expect(await list()).toEqual({});
  await cart(socket, "c1", { page: "/test", items: [2, 1] });
  const state = await until(async () => ((await list()).c1 ? list() : undefined));
  expect(state).toEqual({ c1: { metas: [{ page: "/test", items: [2, 1], page_loaded_at: expect.any(Number), phx_ref: expect.any(String) }] } });
  expect(await endpoint.presence.list("fake_cart:c1")).toEqual({});
});

test("updates replace the items under the same entry and keep page and load time; a second track is refused with a warning", async () => {
  const socket = await setup();
  const channel = await cart(socket, "c2", { page: "/" });
  const first = (await until(async () => (await list()).c2)).metas[0];
  t.push(channel, "set_items", { items: [3, 2] });
  const updated = await until(async () => {
    const metas = (await list()).c2?.metas;
    return metas?.[0].phx_ref !== first.phx_ref && metas;
  });
  expect(updated).toEqual([{ page: "/", items: [3, 2], page_loaded_at: first.page_loaded_at, phx_ref: expect.any(String), phx_ref_prev: first.phx_ref }]);

  const log = await captureLog(async () => {
    t.push(channel, "track_again", {});
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  expect(log).toMatch(/cart tracker: cart c2… is already tracked by this channel/);
  expect((await list()).c2.metas).toHaveLength(1);
});

test("updating from a channel that never tracked changes nothing", async () => {
  const socket = await setup();
  const connected = await t.connect(socket, {});
  if (!connected.ok) throw new Error("refused");
  const joined = await t.join(connected.socket, "never:1", {});
  if (!joined.ok) throw new Error("join refused");
  t.push(joined.channel, "set_items", {});
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await list()).toEqual({});
});

test("two tabs of one cart are two metas under one key; each goes when its channel ends, however it ends", async () => {
  const socket = await setup();
  const tab1 = await cart(socket, "c3", { page: "/" });
  const tab2 = await cart(socket, "c3", { page: "/checkout" });
  await until(async () => (await list()).c3?.metas.length === 2);
  t.leave(tab1);
  await until(async () => (await list()).c3?.metas.length === 1);
  expect((await list()).c3.metas[0].page).toBe("/checkout");
  await t.close(tab2);
  await until(async () => Object.keys(await list()).length === 0);
});
