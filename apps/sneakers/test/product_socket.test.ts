// /product_socket with the official phoenix client in Node, over WebSocket and over long-poll:
// any product:* joins, `released` carries the page's own size selector, `stock_change` follows
// the book's rule, and other topics are refused.
import { LongPoll, Socket } from "phoenix";
import { WebSocket } from "ws";
import { afterEach, describe, expect, test } from "vitest";
import { createLogger } from "fenix";
import { nextEvent, outcome } from "../../hello/test/support/phoenix.js";
import type { PhxChannel, PhxSocket } from "../../hello/test/support/phoenix.js";
import { type SneakersApp, createSneakersApp, productById, renderSizes } from "../src/app.js";

const logger = createLogger({ name: "test", level: "silent" });
let app: SneakersApp | undefined;
const sockets: PhxSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await app?.close();
  app = undefined;
});

async function started(): Promise<{ app: SneakersApp; port: number }> {
  app = await createSneakersApp({ secretKeyBase: "s".repeat(64), apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 7 });
  const port = await app.listen(0, "127.0.0.1");
  await app.inventory.server.ready();
  return { app, port };
}

function client(port: number, transport: unknown): PhxSocket {
  const socket = new Socket(`ws://127.0.0.1:${port}/product_socket`, { transport, timeout: 3_000, reconnectAfterMs: () => 50 }) as unknown as PhxSocket;
  sockets.push(socket);
  socket.connect();
  return socket;
}

describe.each([
  ["WebSocket", WebSocket],
  ["long-poll", LongPoll],
])("over %s", (_name, transport) => {
  test("product channels join; a release pushes the size selector the page renders", async () => {
    const { app, port } = await started();
    const socket = client(port, transport);
    const channels: PhxChannel[] = [socket.channel("product:1"), socket.channel("product:2")];
    for (const channel of channels) expect(await outcome(channel.join())).toEqual({ status: "ok", response: {} });
    const released = nextEvent(channels[0], "released");
    await app.inventory.markProductReleased(1);
    const { size_html } = await released;
    expect(size_html).toBe(renderSizes(productById(app.inventory.server.get(), 1)!));
    expect(size_html.match(/<button /g)).toHaveLength(13);
  });

  test("stock_change carries exactly {product_id, item_id, level}, only when the level changes", async () => {
    const { app, port } = await started();
    const socket = client(port, transport);
    const channel = socket.channel("product:2");
    await outcome(channel.join());
    const changes: unknown[] = [];
    channel.on("stock_change", (payload) => changes.push(payload));
    await app.inventory.setStock(14, 600);
    await app.inventory.setStock(14, 550);
    await app.inventory.setStock(14, 120);
    await app.inventory.setStock(14, 0);
    await app.inventory.setStock(14, 0);
    await expect.poll(() => changes.length).toBe(4);
    expect(changes).toEqual([
      { product_id: 2, item_id: 14, level: "high" },
      { product_id: 2, item_id: 14, level: "low" },
      { product_id: 2, item_id: 14, level: "out" },
      { product_id: 2, item_id: 14, level: "out" },
    ]);
  });
});

test("topics other than product:* and cart:* are refused", async () => {
  const { port } = await started();
  const socket = client(port, WebSocket);
  const result = await outcome(socket.channel("room:123").join());
  expect(result.status).toBe("error");
  expect(result.response).toEqual({ reason: "unmatched topic" });
});
