// A transport written outside the framework plugs in without touching it: the echo example
// is listed in `transports`, and the socket's connect still decides who gets in.
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { start } from "../examples/echo_transport.js";

const endpoints: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const endpoint of endpoints.splice(0)) await endpoint.close();
});

async function url(query: string): Promise<string> {
  const endpoint = await start(0);
  endpoints.push(endpoint);
  const server = (endpoint as unknown as { servers: { address(): AddressInfo }[] }).servers[0];
  return `ws://127.0.0.1:${server.address().port}/echo/websocket?${query}`;
}

function open(address: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address);
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

it("echoes every message back once the socket's connect accepted the client", async () => {
  const ws = await open(await url("token=let-me-in"));
  const echoed = new Promise<string>((resolve) => ws.once("message", (data) => resolve(String(data))));
  ws.send("hello, transport");
  expect(await echoed).toBe("hello, transport");
  ws.close();
});

it("refuses the upgrade with 403 when connect refuses", async () => {
  await expect(open(await url("token=wrong"))).rejects.toThrow("HTTP 403");
});
