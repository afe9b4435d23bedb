// DashboardChannel on Fenix's channel test kit (companion Admin.DashboardChannelTest): the join
// pushes presence_state — {} when no cart is open, every tracked cart otherwise — and the topic's
// presence_diff reaches it.
import { Endpoint, createLogger } from "fenix";
import { any, channelTest } from "fenix/testing";
import type { ChannelTest } from "fenix/testing";
import { afterEach, expect, test } from "vitest";
import { CART_TRACKER_TOPIC } from "../cart_tracker.js";
import { AdminSocket, signAdminToken } from "../sockets/admin_socket.js";

let t: ChannelTest;
let endpoint: Endpoint;
afterEach(async () => {
  await t?.cleanup();
  await endpoint?.close();
});

async function joinDashboard() {
  endpoint = new Endpoint({ logger: createLogger({ level: "silent" }), presence: true, secretKeyBase: "k".repeat(64) });
  await endpoint.start();
  t = channelTest({ endpoint });
  const connected = await t.connect(AdminSocket, { token: signAdminToken(endpoint.tokens) });
  if (!connected.ok) throw new Error("admin token refused");
  return connected.socket;
}

// A cart tracked as the cart channel does, owned by a stand-in subject.
function trackOutside(key: string, meta: object): () => void {
  const ends: (() => void)[] = [];
  endpoint.presence.track({ topic: CART_TRACKER_TOPIC, onEnd: (cb) => ends.push(cb) }, key, meta as Record<string, unknown>);
  return () => {
    for (const end of ends) end();
  };
}

test("with no carts the join pushes presence_state {}", async () => {
  const socket = await joinDashboard();
  const joined = await t.subscribeAndJoin(socket, CART_TRACKER_TOPIC);
  expect(joined.ok).toBe(true);
  expect(await t.assertPush("presence_state", any(), 1_000)).toEqual({});
});

test("the join pushes every tracked cart; later carts arrive as presence_diff", async () => {
  const socket = await joinDashboard();
  trackOutside("test", { page_loaded_at: 1, page: "page", items: [1, 2] });
  await t.subscribeAndJoin(socket, CART_TRACKER_TOPIC);
  expect(await t.assertPush("presence_state", any(), 1_000)).toEqual({
    test: { metas: [{ page_loaded_at: 1, page: "page", items: [1, 2], phx_ref: expect.any(String) }] },
  });
  const end = trackOutside("later", { page_loaded_at: 2, page: "/", items: [] });
  const diff = (await t.assertPush("presence_diff", any(), 1_000)) as { joins: Record<string, unknown>; leaves: Record<string, unknown> };
  expect(Object.keys(diff.joins)).toEqual(["later"]);
  end();
  const leave = (await t.assertPush("presence_diff", any(), 1_000)) as { joins: Record<string, unknown>; leaves: Record<string, unknown> };
  expect(Object.keys(leave.leaves)).toEqual(["later"]);
});
