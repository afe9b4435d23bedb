// The admin dashboard's doors (book part E §7 scenarios 1–4): GET /admin behind Basic Auth (off in
// production without a password), and /admin_socket, which opens only for a valid one-day admin
// token and refuses everything else at the upgrade with 403 and one log line.
import { WebSocket } from "ws";
import { afterEach, describe, expect, test } from "vitest";
import { createLogger, sign } from "fenix";
import { captureLog } from "fenix/testing";
import { type SneakersApp, createSneakersApp } from "../src/app.js";
import { adminToken, basic } from "./support/admin_dashboard.js";
import { type SneakersProcess, startSneakers } from "./support/process.js";

const SECRET = "a".repeat(64);
const logger = createLogger({ name: "test", level: "info" });
let app: SneakersApp | undefined;
let node: SneakersProcess | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await node?.stop();
  node = undefined;
});

async function started(admin?: { user: string; password: string }): Promise<string> {
  app = await createSneakersApp({ secretKeyBase: SECRET, apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 3, admin });
  const port = await app.listen(0, "127.0.0.1");
  await app.inventory.server.ready();
  return `127.0.0.1:${port}`;
}

/** The status of a raw WebSocket upgrade: 101 when it opens, else the HTTP answer. */
function upgrade(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", (err) => reject(err));
  });
}

describe("GET /admin", () => {
  test("401 with a Basic challenge without or with wrong credentials; 200 with them, a token and a cell per size", async () => {
    const host = await started({ user: "boss", password: "hunter2" });
    const bare = await fetch(`http://${host}/admin`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toMatch(/^Basic realm="/);
    expect((await fetch(`http://${host}/admin`, { headers: basic("boss", "wrong") })).status).toBe(401);
    expect((await fetch(`http://${host}/admin`, { headers: basic("admin", "password") })).status).toBe(401);

    const ok = await fetch(`http://${host}/admin`, { headers: basic("boss", "hunter2") });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const html = await ok.text();
    const token = /window\.adminToken = "([^"]+)"/.exec(html)?.[1];
    expect(token?.length).toBeGreaterThan(20);
    expect(app!.endpoint.tokens.verify("admin socket", token!, { maxAge: 86_400 })).toEqual({ ok: true, data: "admin" });
    // Every size of every product has its count cell (2 products × 13 sizes in the seeded store).
    const itemIds = [...app!.inventory.server.get().items.keys()].sort((a, b) => a - b);
    expect(itemIds).toHaveLength(26);
    for (const id of itemIds) expect(html).toContain(`id="item-count-${id}"`);
    expect(html).toContain('id="shopper-count"');
    expect(html).toContain('src="/js/admin.js"');
    // The shop's own page is untouched and carries no admin token.
    expect(await (await fetch(`http://${host}/`)).text()).not.toContain("adminToken");
  });

  test("in development without credentials it uses the book's admin/password", async () => {
    const host = await started();
    expect((await fetch(`http://${host}/admin`)).status).toBe(401);
    expect((await fetch(`http://${host}/admin`, { headers: basic("admin", "password") })).status).toBe(200);
  });

  test("in production it is off (404, no admin socket) without a password, and on with one", async () => {
    node = await startSneakers({ NODE_ENV: "production", DATABASE_URL: "sqlite::memory:", ADMIN_USER: undefined, ADMIN_PASSWORD: undefined });
    expect((await fetch(`${node.url}/admin`, { headers: basic("admin", "password") })).status).toBe(404);
    expect(await upgrade(`ws://127.0.0.1:${node.port}/admin_socket/websocket?vsn=2.0.0`)).toBe(404);
    await node.stop();
    node = await startSneakers({ NODE_ENV: "production", DATABASE_URL: "sqlite::memory:", ADMIN_USER: "ops", ADMIN_PASSWORD: "prod-pw" });
    expect((await fetch(`${node.url}/admin`, { headers: basic("admin", "password") })).status).toBe(401);
    const token = await adminToken(node.url, "ops", "prod-pw");
    expect(await upgrade(`ws://127.0.0.1:${node.port}/admin_socket/websocket?vsn=2.0.0&token=${encodeURIComponent(token)}`)).toBe(101);
  });
});

describe("/admin_socket", () => {
  test("the page's token opens it; missing, nonsense, wrong-salt and expired tokens get 403 and one log line each", async () => {
    const host = await started();
    const token = await adminToken(`http://${host}`);
    const url = (t?: string) => `ws://${host}/admin_socket/websocket?vsn=2.0.0${t === undefined ? "" : `&token=${encodeURIComponent(t)}`}`;
    expect(await upgrade(url(token))).toBe(101);

    const dayAgo = Date.now() / 1000 - 86_401;
    const refused: [string, string | undefined, RegExp][] = [
      ["missing", undefined, /AdminSocket connect error: missing params/],
      ["nonsense", "nonsense", /AdminSocket connect error: invalid token/],
      ["wrong salt", sign(SECRET, "user socket", "admin"), /AdminSocket connect error: invalid token/],
      ["another secret", sign("b".repeat(64), "admin socket", "admin"), /AdminSocket connect error: invalid token/],
      ["expired", sign(SECRET, "admin socket", "admin", { signedAt: dayAgo }), /AdminSocket connect error: expired token/],
    ];
    for (const [what, t, line] of refused) {
      let status = 0;
      const log = await captureLog(async () => {
        status = await upgrade(url(t));
      });
      expect(status, what).toBe(403);
      expect(log, what).toMatch(line);
      expect(
        log.split("\n").filter((l) => l.includes("AdminSocket connect error")),
        what,
      ).toHaveLength(1);
    }
    // The shoppers' socket needs no token, and the admin token does not make it an admin socket.
    expect(await upgrade(`ws://${host}/product_socket/websocket?vsn=2.0.0`)).toBe(101);
  });

  test("long-poll is off on the admin socket (404)", async () => {
    const host = await started();
    const token = await adminToken(`http://${host}`);
    const response = await fetch(`http://${host}/admin_socket/longpoll?vsn=2.0.0&token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(404);
    // …while the shoppers' socket keeps it.
    expect((await fetch(`http://${host}/product_socket/longpoll?vsn=2.0.0`)).status).not.toBe(404);
  });
});
