// Fenix's ops dashboard mounted in the store with its one line: on Fastify's server, behind Basic
// Auth, its socket reports the store's product channels live (official phoenix client in Node).
import { Socket } from "phoenix";
import { WebSocket } from "ws";
import { afterEach, expect, test } from "vitest";
import { createLogger } from "fenix";
import { nextEvent, outcome } from "../../hello/test/support/phoenix.js";
import type { PhxSocket } from "../../hello/test/support/phoenix.js";
import { type SneakersApp, createSneakersApp } from "../src/app.js";

const logger = createLogger({ name: "test", level: "silent" });
const ADMIN = { user: "ops", password: "store-ops-pw" };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
let app: SneakersApp | undefined;
const sockets: PhxSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await app?.close();
  app = undefined;
});

async function started(admin?: typeof ADMIN): Promise<string> {
  app = await createSneakersApp({ secretKeyBase: "s".repeat(64), apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 7, admin });
  const port = await app.listen(0, "127.0.0.1");
  await app.inventory.server.ready();
  return `127.0.0.1:${port}`;
}

function connect(url: string, params: Record<string, string> = {}): PhxSocket {
  const socket = new Socket(url, { transport: WebSocket, params, timeout: 3_000, reconnectAfterMs: () => 50 }) as unknown as PhxSocket;
  sockets.push(socket);
  socket.connect();
  return socket;
}

test("/ops is off without credentials and needs them when set", async () => {
  let host = await started();
  expect((await fetch(`http://${host}/ops`)).status).toBe(404);
  await app!.close();
  host = await started(ADMIN);
  expect((await fetch(`http://${host}/ops`)).status).toBe(401);
  expect((await fetch(`http://${host}/ops`, { headers: basic(ADMIN.user, "wrong") })).status).toBe(401);
  // The store's own routes are untouched.
  expect((await fetch(`http://${host}/`)).status).toBe(200);
});

test("the dashboard's channel counts the store's shoppers on product:*", async () => {
  const host = await started(ADMIN);
  const page = await fetch(`http://${host}/ops`, { headers: basic(ADMIN.user, ADMIN.password) });
  expect(page.status).toBe(200);
  const html = await page.text();
  const token = /"token":"([^"]+)"/.exec(html)?.[1];
  expect(token).toBeTruthy();
  expect((await fetch(`http://${host}/ops/phoenix.js`, { headers: basic(ADMIN.user, ADMIN.password) })).headers.get("content-type")).toMatch(/javascript/);

  const ops = connect(`ws://${host}/ops/socket`, { token: token! }).channel("ops:dashboard");
  const first = nextEvent(ops, "stats");
  expect((await outcome(ops.join())).status).toBe("ok");
  expect(await first).toMatchObject({ connections: 1 });

  const shopper = connect(`ws://${host}/product_socket`);
  for (const topic of ["product:1", "product:2"]) await outcome(shopper.channel(topic).join());
  await expect
    .poll(async () => (await nextEvent(ops, "stats")) as { connections: number; channels: Record<string, number> }, { timeout: 10_000 })
    .toMatchObject({ connections: 2, channels: { "product:*": 2 } });

  // A forged token is refused at connect.
  const forged = connect(`ws://${host}/ops/socket`, { token: "forged" });
  const refused = await new Promise((resolve) => forged.onError(() => resolve(true)));
  expect(refused).toBe(true);
});
