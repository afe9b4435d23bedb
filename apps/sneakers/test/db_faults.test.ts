// Database faults at the node level (book part D §1.5–1.6, §4; §7 items 7–10): a running node
// keeps serving pages from memory while PostgreSQL is down and refuses releases; a node booted
// with the database down answers 503 until it comes back, then initializes by itself; a killed
// backend or a restarted pool never crashes the process; and selling is exact on both engines.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type PrivatePostgres, type ThrowawayDatabase, startPostgres, throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";
import { eventually, productClient } from "./support/product_client.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function listings(html: string): number {
  return html.match(/class="product-listing"/g)?.length ?? 0;
}

function lines(output: string, pattern: RegExp): string[] {
  return output.split("\n").filter((l) => pattern.test(l));
}

async function start(env: Record<string, string>): Promise<SneakersProcess> {
  const node = await startSneakers({ NODE_NAME: `faults-${Math.random().toString(36).slice(2, 8)}`, ...env });
  cleanups.push(() => node.stop());
  return node;
}

function alive(node: SneakersProcess): boolean {
  return node.child.exitCode === null && node.child.signalCode === null;
}

async function query<T = any>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe("PostgreSQL stopped and started (a private server)", () => {
  let server: PrivatePostgres;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 90_000);
  afterAll(() => server?.destroy());
  afterEach(() => {
    // Every test leaves the server running for the next one.
    try {
      server.start();
    } catch {}
  });

  /** A fresh database on the private server, so each test boots (and seeds) from empty. */
  async function freshDatabase(): Promise<string> {
    const name = `faults_${++databases}`;
    await query(server.url, `CREATE DATABASE ${name}`);
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  it("while the database is down: pages come from memory, a release is refused and changes nothing, the outage is logged once", async () => {
    const url = await freshDatabase();
    const node = await start({ DATABASE_URL: url });
    await waitForStatus(`${node.url}/`, 200);
    const shopper = await productClient(node.port, [1, 2]);
    cleanups.push(() => shopper.close());
    // A query first, so the pool holds idle connections the shutdown will cut (57P01).
    expect((await operator(node.url, "GET", "/api/status")).json.ready).toBe(true);
    // To 0: a change to "out" is always broadcast, whatever the seeded count was.
    await operator(node.url, "PUT", "/api/items/1/stock", { count: 0 });
    await shopper.waitForCount("stock_change", undefined, 1);
    const before = node.output().length;

    server.stop();
    for (let i = 0; i < 4; i++) {
      const page = await fetch(`${node.url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(listings(html)).toBe(2);
      expect(html).toContain('class="product-soon-1"');
    }

    const attempts = 3;
    for (let i = 0; i < attempts; i++) {
      const cli = await runCli(node.url, ["release", "1"]);
      expect(cli.code).not.toBe(0);
      expect(cli.stdout).toBe("");
      expect(cli.stderr.trim().split("\n"), cli.stderr).toHaveLength(1);
      expect(cli.stderr).toMatch(/^error: database unavailable: /);
    }
    const sell = await operator(node.url, "POST", "/api/items/2/sell");
    expect(sell.status).toBe(503);
    expect(sell.json.error).toMatch(/^database unavailable: /);

    // Marker: a re-notify of product 2 (cache only) goes out after anything the failed releases
    // could have sent, so once it is here a `released` for product 1 would be too.
    expect((await operator(node.url, "POST", "/api/products/2/notify")).status).toBe(200);
    await shopper.waitForCount("released", "product:2", 1);
    expect(shopper.count("released", "product:1")).toBe(0);
    expect(shopper.count("stock_change")).toBe(1); // the set-stock before the outage only
    const status = (await operator(node.url, "GET", "/api/status")).json;
    expect(status.products.find((p: any) => p.id === 1).released).toBe(false);
    expect(status.products.flatMap((p: any) => p.items).find((i: any) => i.id === 1).available_count).toBe(0);
    expect(await (await fetch(`${node.url}/`)).text()).toContain('class="product-soon-1"');

    // The outage is one error line (here: the idle connections cut), however many page views,
    // refused releases and sales: no line per attempt, no stack traces.
    const outage = node.output().slice(before);
    expect(lines(outage, /"level":50/), outage).toHaveLength(1);
    expect(lines(outage, /"level":50/)[0], outage).toMatch(/database: (connection lost|database unavailable)/);
    expect(lines(outage, /"level":40/), outage).toHaveLength(0);
    expect(lines(outage, /\bat .*\.js:\d+/), outage).toHaveLength(0);

    server.start();
    const cli = await runCli(node.url, ["release", "1"]);
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("product 1 released");
    await shopper.waitForCount("released", "product:1", 1);
    expect((await fetch(`${node.url}/`).then((r) => r.text())).includes('class="product-soon-1"')).toBe(false);
    expect((await query(url, "SELECT released FROM products WHERE id = 1"))[0].released).toBe(true);
    // And its end, once.
    expect(lines(node.output().slice(before), /database: reachable again/)).toHaveLength(1);
    expect(alive(node)).toBe(true);
  }, 60_000);

  it("booted with the database down: 503 until it answers, then serves and releases with no restart", async () => {
    const url = await freshDatabase();
    server.stop();
    const node = await start({ DATABASE_URL: url });
    // Several retries happen while it stays 503 (the back-off starts at 100 ms).
    const deadline = Date.now() + 1_500;
    let polls = 0;
    while (Date.now() < deadline) {
      const page = await fetch(`${node.url}/`);
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBe("1");
      await page.arrayBuffer();
      polls++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(polls).toBeGreaterThan(3);
    const status = await operator(node.url, "GET", "/api/status");
    expect(status.json.ready).toBe(false);
    const refused = await runCli(node.url, ["release", "1"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^error: database unavailable: /);

    server.start();
    const started = Date.now();
    const page = await waitForStatus(`${node.url}/`, 200, 15_000);
    const html = await page.text();
    expect(listings(html)).toBe(2);
    expect(html).toContain("coming soon...");
    // Bounded by the back-off cap (5 s) plus the load itself.
    expect(Date.now() - started).toBeLessThan(12_000);
    const cli = await runCli(node.url, ["release", "1"]);
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    expect(await (await fetch(`${node.url}/`)).text()).not.toContain('class="product-soon-1"');
    // The outage is logged once however many retries and refused releases it saw, then its end.
    expect(lines(node.output(), /"level":50/), node.output()).toHaveLength(1);
    expect(lines(node.output(), /"level":50/)[0]).toMatch(/cannot migrate/);
    expect(lines(node.output(), /database: reachable again/)).toHaveLength(1);
    expect(alive(node)).toBe(true);
  }, 60_000);

  it("a killed backend and a restarted pool: the next release and sell work, the process never crashes", async () => {
    const url = await freshDatabase();
    const dbName = new URL(url).pathname.slice(1);
    const node = await start({ DATABASE_URL: url });
    await waitForStatus(`${node.url}/`, 200);
    await operator(node.url, "PUT", "/api/items/1/stock", { count: 50 });
    await Promise.all(Array.from({ length: 5 }, () => operator(node.url, "POST", "/api/items/1/sell")));

    const terminate = async () =>
      (
        await query<{ killed: boolean }>(
          server.url,
          "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [dbName],
        )
      ).filter((r) => r.killed).length;
    expect(await terminate()).toBeGreaterThan(0);
    // No waiting for the pool to notice: the very next sale must work.

    const sold = await operator(node.url, "POST", "/api/items/1/sell");
    expect(sold.status, JSON.stringify(sold.json)).toBe(200);
    expect(sold.json.result).toBe("ok");
    const released = await runCli(node.url, ["release", "1"]);
    expect(released.stderr).toBe("");
    expect(released.code).toBe(0);
    expect(alive(node)).toBe(true);

    // The operator's "kill the pool", then its connections killed too.
    const restart = await runCli(node.url, ["restart", "database"]);
    expect(restart.code).toBe(0);
    expect(restart.stdout).toContain("database restarted");
    expect((await operator(node.url, "POST", "/api/items/1/sell")).json.result).toBe("ok");
    expect(await terminate()).toBeGreaterThan(0);
    expect((await operator(node.url, "POST", "/api/restart/database")).status).toBe(200);
    expect((await operator(node.url, "POST", "/api/items/1/sell")).json.result).toBe("ok");
    const again = await runCli(node.url, ["release", "2"]);
    expect(again.code).toBe(0);

    // Backends killed while sales are running (clients checked out, mid-query or between two):
    // a sale may fail with a clear 503, but the process must stay up and the count stay exact.
    const count2 = async () => (await query(url, "SELECT available_count FROM item_availabilities WHERE item_id = 2"))[0].available_count as number;
    expect((await operator(node.url, "PUT", "/api/items/2/stock", { count: 100 })).status).toBe(200);
    const before2 = await count2();
    expect(before2).toBe(100);
    let okDuringStorm = 0;
    for (let round = 0; round < 5; round++) {
      const sales = Array.from({ length: 8 }, () => operator(node.url, "POST", "/api/items/2/sell"));
      await terminate();
      for (const sale of await Promise.all(sales)) {
        if (sale.status === 200) okDuringStorm += sale.json.result === "ok" ? 1 : 0;
        else expect(sale.json.error, JSON.stringify(sale.json)).toMatch(/^database unavailable: /);
      }
      expect(alive(node), node.output()).toBe(true);
    }
    const left2 = await count2();
    expect(left2).toBe(before2 - okDuringStorm);
    await eventually("the cache matches the database for item 2", async () => {
      const item = (await operator(node.url, "GET", "/api/status")).json.products.flatMap((p: any) => p.items).find((i: any) => i.id === 2);
      return item.available_count === left2;
    });
    expect(okDuringStorm).toBeGreaterThan(0);

    // 50 set, 5 + 1 + 1 + 1 sold.
    expect((await query(url, "SELECT available_count FROM item_availabilities WHERE item_id = 1"))[0].available_count).toBe(42);
    const status = (await operator(node.url, "GET", "/api/status")).json;
    expect(status.products.every((p: any) => p.released)).toBe(true);
    expect(status.products.flatMap((p: any) => p.items).find((i: any) => i.id === 1).available_count).toBe(42);
    expect(alive(node)).toBe(true);
    expect(node.output()).not.toMatch(/uncaught|unhandled|fatal/i);
    // Each loss is one line, and each is followed by its recovery (the next query worked).
    // (A late FATAL from an idle client can follow the last query, so one more query each time.)
    expect(lines(node.output(), /"level":50/).length).toBeGreaterThan(0);
    await eventually("every logged loss is followed by its recovery", async () => {
      expect((await operator(node.url, "POST", "/api/products/2/release")).status).toBe(200);
      const out = node.output();
      return lines(out, /"level":50/).length === lines(out, /database: reachable again/).length;
    });
    expect(lines(node.output(), /"level":50/).every((l) => /database: (connection lost|database unavailable)/.test(l))).toBe(true);
  }, 60_000);
});

type Engine = "postgres" | "sqlite";

describe.each<Engine>(["postgres", "sqlite"])("selling is exact on %s", (engine) => {
  let url: string;
  let count: (itemId: number) => Promise<number>;
  let minimum: () => Promise<number>;
  let dispose: () => Promise<void> | void;

  beforeAll(async () => {
    if (engine === "postgres") {
      const db: ThrowawayDatabase = await throwawayDatabase();
      url = db.url;
      count = async (id) => (await query(url, "SELECT available_count FROM item_availabilities WHERE item_id = $1", [id]))[0].available_count;
      minimum = async () => Number((await query(url, "SELECT min(available_count) AS m FROM item_availabilities"))[0].m);
      dispose = () => db.drop();
    } else {
      const dir = mkdtempSync(join(tmpdir(), "sneakers-sell-"));
      const path = join(dir, "store.sqlite");
      url = `sqlite:${path}`;
      const read = <T>(sql: string, ...params: unknown[]): T => {
        const sqlite = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
        try {
          return sqlite.prepare(sql).get(...params) as T;
        } finally {
          sqlite.close();
        }
      };
      count = async (id) => read<{ available_count: number }>("SELECT available_count FROM item_availabilities WHERE item_id = ?", id).available_count;
      minimum = async () => read<{ m: number }>("SELECT min(available_count) AS m FROM item_availabilities").m;
      dispose = () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(() => dispose?.());

  it("100 parallel sells of an item set to 10: exactly 10 ok, 90 not_available, count 0; a count-1 item sells once", async () => {
    const node = await start({ DATABASE_URL: url });
    await waitForStatus(`${node.url}/`, 200);
    const set = await runCli(node.url, ["set-stock", "3", "10"]);
    expect(set.code).toBe(0);
    expect(await count(3)).toBe(10);

    const results = await Promise.all(Array.from({ length: 100 }, () => operator(node.url, "POST", "/api/items/3/sell")));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const tally = { ok: 0, not_available: 0 } as Record<string, number>;
    for (const r of results) tally[r.json.result] = (tally[r.json.result] ?? 0) + 1;
    expect(tally).toEqual({ ok: 10, not_available: 90 });
    expect(await count(3)).toBe(0);
    expect(await minimum()).toBeGreaterThanOrEqual(0);
    const item3 = async () => (await operator(node.url, "GET", "/api/status")).json.products.flatMap((p: any) => p.items).find((i: any) => i.id === 3);
    await eventually("the cache shows item 3 at 0", async () => (await item3()).available_count === 0);
    expect((await item3()).level).toBe("out");

    expect((await operator(node.url, "PUT", "/api/items/4/stock", { count: 1 })).status).toBe(200);
    const first = await operator(node.url, "POST", "/api/items/4/sell");
    expect(first.json.result).toBe("ok");
    expect(await count(4)).toBe(0);
    const second = await operator(node.url, "POST", "/api/items/4/sell");
    expect(second.json.result).toBe("not_available");
    const cli = await runCli(node.url, ["sell", "4"]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/^error: item 4: not available/);
    expect(await count(4)).toBe(0);
    expect(await minimum()).toBeGreaterThanOrEqual(0);
    const cached = (await operator(node.url, "GET", "/api/status")).json.products.flatMap((p: any) => p.items).find((i: any) => i.id === 4);
    expect(cached.available_count).toBe(0);
  }, 60_000);
});

describe("the CLI when the server dies mid-answer", () => {
  it("exits non-zero with one `error:` line, not a stack trace", async () => {
    // A node killed while answering: headers sent, then the connection cut.
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      response.write('{"ok":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const cli = await runCli(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, ["release", "1"]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr.trim().split("\n"), cli.stderr).toHaveLength(1);
    expect(cli.stderr).toMatch(/^error: /);
  });
});
