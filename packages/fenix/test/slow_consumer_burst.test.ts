// A client that reads is never a slow consumer, even when one event-loop turn writes it more than
// maxBufferedBytes: corked fan-out writes count only once they have been offered to the kernel.
import type { AddressInfo } from "node:net";
import { Endpoint, createLogger, defineChannel, defineSocket, websocket } from "fenix";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("delivers a 1.25 MiB burst of broadcasts in one turn to a reading client without closing it", async () => {
  const endpoint = new Endpoint({ logger: createLogger({ level: "silent" }) });
  const Feed = defineChannel({});
  endpoint.socket("/socket", defineSocket({ channels: [["feed", Feed]] }), { transports: [websocket({ maxBufferedBytes: 1024 * 1024 })] });
  const server = await endpoint.listen(0, "127.0.0.1");
  cleanups.push(() => endpoint.close());
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket/websocket?vsn=2.0.0`);
  cleanups.push(() => ws.terminate());
  const frames: unknown[][] = [];
  let closedWith: number | undefined;
  ws.on("message", (data) => frames.push(JSON.parse(String(data))));
  ws.on("close", (code) => {
    closedWith = code;
  });
  await new Promise((resolve) => ws.once("open", resolve));
  ws.send(JSON.stringify(["1", "1", "feed", "phx_join", {}]));
  await expect.poll(() => frames.length).toBe(1);
  const chunk = "x".repeat(32 * 1024);
  for (let i = 0; i < 40; i++) endpoint.localBroadcast("feed", "chunk", { i, chunk });
  await expect.poll(() => frames.length, { timeout: 5_000 }).toBe(41);
  expect(frames.slice(1).map((f) => (f[4] as { i: number }).i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  ws.send(JSON.stringify([null, "2", "phoenix", "heartbeat", {}]));
  await expect.poll(() => frames.length).toBe(42);
  expect(closedWith).toBeUndefined();
});
