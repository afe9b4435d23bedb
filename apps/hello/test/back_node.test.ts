// The book's remote "back" node (chapter 5): a process with no HTTP server broadcasts to the
// cluster, and the PingChannel intercept runs on the node that hosts the client.
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Endpoint, RedisAdapter, createLogger } from "fenix";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestRedis, startRedis } from "../../../packages/fenix/test/support/redis.js";
import { createHelloApp } from "../src/app.js";
import { WireClient } from "./support/wire.js";

let redis: TestRedis;
let web: Endpoint;
let port: number;
const logger = createLogger({ level: "silent" });

beforeAll(async () => {
  redis = await startRedis();
  web = createHelloApp({
    secretKeyBase: "back-node-secret-key-base-0123456789abcdef",
    apiKey: "k",
    nodeName: "server@127.0.0.1",
    logger,
    pubsubAdapter: new RedisAdapter({ url: redis.url, logger }),
  });
  port = ((await web.listen(0)).address() as AddressInfo).port;
});
afterAll(async () => {
  await web.close();
  await redis.stop();
});

async function joinedPingClient(): Promise<WireClient> {
  const client = await WireClient.open(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
  expect(await client.request(["1", "1", "ping", "phx_join", {}])).toEqual(["1", "1", "ping", "phx_reply", { status: "ok", response: {} }]);
  return client;
}

it("a headless endpoint (no listen) broadcasts to clients on the HTTP node", async () => {
  const client = await joinedPingClient();
  const back = new Endpoint({ nodeName: "remote@127.0.0.1", logger, pubsubAdapter: new RedisAdapter({ url: redis.url, logger }) });
  await back.start();
  await back.broadcast("ping", "request_ping", {});
  // from_node is the server's: the intercept runs where the channel lives.
  expect(await client.next(3_000)).toEqual(["1", null, "ping", "send_ping", { from_node: "server@127.0.0.1" }]);
  await back.close();
  client.terminate();
});

it("dist/broadcast.js does the same from the command line", async () => {
  const client = await joinedPingClient();
  const script = fileURLToPath(new URL("../dist/broadcast.js", import.meta.url));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [script, "ping", "request_ping", "{}"], { env: { ...process.env, REDIS_URL: redis.url }, stdio: "ignore" });
    child.on("exit", resolve);
  });
  expect(code).toBe(0);
  expect(await client.next(3_000)).toEqual(["1", null, "ping", "send_ping", { from_node: "server@127.0.0.1" }]);
  client.terminate();
});
