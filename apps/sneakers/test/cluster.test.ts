// Many servers at the node level (book part C §5.12, §10 items 27–29; part D §4): nodes sharing
// one PostgreSQL database and Redis keep their caches in step through `inventory_replication`,
// each change reaches every shopper exactly once and each replication message is applied once
// per other node; a release refused because the database is down changes nothing on any node.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { type PrivatePostgres, startPostgres, throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { type ProductClient, eventually, productClient } from "./support/product_client.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Redis server of its own (a free port), so this cluster never hears another test's (or app's) nodes. */
async function namespace(): Promise<string> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  return redis.url;
}

async function node(name: string, databaseUrl: string, redisUrl: string): Promise<SneakersProcess> {
  const n = await startSneakers({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, NODE_NAME: `${name}-${new URL(redisUrl).port}` });
  cleanups.push(() => n.stop());
  await waitForStatus(`${n.url}/`, 200);
  return n;
}

async function client(n: SneakersProcess, ids = [1, 2]): Promise<ProductClient> {
  const c = await productClient(n.port, ids);
  cleanups.push(() => c.close());
  return c;
}

async function status(n: SneakersProcess): Promise<any> {
  const { status: code, json } = await operator(n.url, "GET", "/api/status");
  expect(code).toBe(200);
  return json;
}

function item(s: any, id: number): any {
  return s.products.flatMap((p: any) => p.items).find((i: any) => i.id === id);
}

function product(s: any, id: number): any {
  return s.products.find((p: any) => p.id === id);
}

async function dbCount(url: string, itemId: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query("SELECT available_count FROM item_availabilities WHERE item_id = $1", [itemId])).rows[0].available_count;
  } finally {
    await c.end();
  }
}

describe("two nodes on one database and Redis", () => {
  it("a release and sales on B reach A's cache and every shopper exactly once; replication is applied once per other node", async () => {
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const ns = await namespace();
    const a = await node("a", db.url, ns);
    const [b, other] = await Promise.all([node("b", db.url, ns), node("other", db.url, await namespace())]);
    const [onA, onB, onOther] = await Promise.all([client(a), client(b), client(other)]);
    // Both nodes subscribed to the bus before anything is sent (joins are answered after it).
    expect((await status(a)).replication_applied).toBe(0);

    const release = await runCli(b.url, ["release", "1"]);
    expect(release.stderr).toBe("");
    expect(release.code).toBe(0);
    // Marker: product 2's release is sent after everything product 1's could send, on the same path.
    expect((await runCli(b.url, ["release", "2"])).code).toBe(0);
    await Promise.all([onA.waitForCount("released", "product:2", 1), onB.waitForCount("released", "product:2", 1)]);
    expect(onA.count("released", "product:1")).toBe(1);
    expect(onB.count("released", "product:1")).toBe(1);
    expect(onA.events.find((e) => e.topic === "product:1")?.payload.size_html).toContain("size-container__entry");

    // A's cache got both releases (a reload of A shows them), each applied once on A, none on B.
    const sa = await eventually("A applied both releases", async () => {
      const s = await status(a);
      return s.replication_applied >= 2 && s;
    });
    expect(sa.replication_applied).toBe(2);
    expect((await status(b)).replication_sent).toBe(2);
    expect(sa.replication_sent).toBe(0);
    expect(product(sa, 1).released).toBe(true);
    expect(product(sa, 2).released).toBe(true);
    expect((await status(b)).replication_applied).toBe(0);
    const pageA = await (await fetch(`${a.url}/`)).text();
    expect(pageA).not.toContain("coming soon...");
    expect(pageA.match(/size-container__entry--level-/g)).toHaveLength(26);

    // Sales on B: the database decides, A re-reads it; `stock_change` once per client.
    expect((await runCli(b.url, ["set-stock", "1", "3"])).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await operator(b.url, "POST", "/api/items/1/sell")).json.result).toBe("ok");
    expect((await operator(b.url, "POST", "/api/items/1/sell")).json.result).toBe("not_available");
    expect(await dbCount(db.url, 1)).toBe(0);
    // 3 ("low") then 0 ("out"): the set-stock may or may not change the level, the sale to 0 must.
    await Promise.all([onA.waitForCount("stock_change", "product:1", 1), onB.waitForCount("stock_change", "product:1", 1)]);
    const outs = (c: ProductClient) => c.events.filter((e) => e.event === "stock_change" && e.payload.item_id === 1 && e.payload.level === "out").length;
    await eventually("the out level reached both clients", () => outs(onA) >= 1 && outs(onB) >= 1);
    // 2 releases + 1 set-stock + 3 sales (one after the other) = 6 messages from B, each applied
    // once on A.
    expect((await status(b)).replication_sent).toBe(6);
    await eventually("A applied the sales", async () => (await status(a)).replication_applied >= 6);
    const after = await status(a);
    expect(after.replication_applied).toBe(6);
    expect(item(after, 1).available_count).toBe(0);
    expect(item(after, 1).level).toBe("out");
    expect((await status(b)).replication_applied).toBe(0);
    expect(onA.count("stock_change")).toBe(onB.count("stock_change"));
    expect(outs(onA)).toBe(outs(onB));

    // The node on the other Redis heard nothing: its cache and its shopper are untouched, although
    // it shares the database (its own reload would show the releases).
    expect(onOther.events).toEqual([]);
    const so = await status(other);
    expect(so.replication_applied).toBe(0);
    expect(product(so, 1).released).toBe(false);
  }, 60_000);

  it("two nodes booting together on an empty database: seeded once, both serve the same inventory", async () => {
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const ns = await namespace();
    const [a, b] = await Promise.all([node("a", db.url, ns), node("b", db.url, ns)]);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query("SELECT (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM items) AS items");
    await c.end();
    expect(rows[0]).toEqual({ products: "2", items: "26" });
    const [sa, sb] = await Promise.all([status(a), status(b)]);
    expect(sa.products).toEqual(sb.products);
    expect(sa.products.flatMap((p: any) => p.items)).toHaveLength(26);
  }, 60_000);

  it("three nodes: one release on C gives one `released` per client on every node and one apply per other node", async () => {
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const ns = await namespace();
    const a = await node("a", db.url, ns);
    const [b, c] = await Promise.all([node("b", db.url, ns), node("c", db.url, ns)]);
    const clients = await Promise.all([client(a), client(a), client(b), client(c)]);

    expect((await runCli(c.url, ["release", "1"])).code).toBe(0);
    expect((await runCli(c.url, ["release", "2"])).code).toBe(0);
    await Promise.all(clients.map((cl) => cl.waitForCount("released", "product:2", 1)));
    for (const cl of clients) expect(cl.count("released", "product:1")).toBe(1);
    expect((await status(c)).replication_sent).toBe(2);
    for (const n of [a, b]) {
      await eventually(`:${n.port} applied both releases`, async () => (await status(n)).replication_applied >= 2);
      const s = await status(n);
      expect(s.replication_applied).toBe(2);
      expect(product(s, 1).released).toBe(true);
    }
    expect((await status(c)).replication_applied).toBe(0);
  }, 60_000);
});

describe("the database down under a cluster (a private PostgreSQL)", () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 90_000);
  afterAll(() => server?.destroy());

  it("a release on B while the database is down changes nothing on any node; once it is back it reaches all", async () => {
    const ns = await namespace();
    const a = await node("a", server.url, ns);
    const b = await node("b", server.url, ns);
    const [onA, onB] = await Promise.all([client(a), client(b)]);
    const countBefore = item(await status(a), 5).available_count;

    server.stop();
    try {
      const refused = await runCli(b.url, ["release", "1"]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/^error: database unavailable: /);
      const sale = await operator(b.url, "POST", "/api/items/5/sell");
      expect(sale.status).toBe(503);
      expect((await operator(b.url, "PUT", "/api/items/5/stock", { count: 0 })).status).toBe(503);

      // Marker: a cache-only re-send on B, after anything the refused calls could have sent.
      expect((await operator(b.url, "POST", "/api/products/2/notify")).status).toBe(200);
      await Promise.all([onA.waitForCount("released", "product:2", 1), onB.waitForCount("released", "product:2", 1)]);
      for (const c of [onA, onB]) {
        expect(c.count("released", "product:1")).toBe(0);
        expect(c.count("stock_change")).toBe(0);
      }
      for (const n of [a, b]) {
        const s = await status(n);
        expect(s.replication_applied).toBe(0);
        expect(product(s, 1).released).toBe(false);
        expect(item(s, 5).available_count).toBe(countBefore);
        const page = await fetch(`${n.url}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('class="product-soon-1"');
      }
    } finally {
      server.start();
    }

    const release = await runCli(b.url, ["release", "1"]);
    expect(release.stderr).toBe("");
    expect(release.code).toBe(0);
    await Promise.all([onA.waitForCount("released", "product:1", 1), onB.waitForCount("released", "product:1", 1)]);
    await eventually("A applied the release", async () => product(await status(a), 1).released);
    expect((await status(a)).replication_applied).toBe(1);
    expect(await (await fetch(`${a.url}/`)).text()).not.toContain('class="product-soon-1"');
  }, 60_000);
});
