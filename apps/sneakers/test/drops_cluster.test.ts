// /drops on two built nodes sharing one PostgreSQL database and a private Redis: a live view on
// node A follows a release and a sell-out made on node B, even though B's broadcast can reach A
// before replication has updated A's cache; afterwards A's view, A's `/` and B's `/` agree.
import WebSocket from "ws";
import { live, render } from "@fenix/live/testing";
import type { LiveViewHandle } from "@fenix/live/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startRedis } from "../../../packages/fenix/test/support/redis.js";
import { throwawayDatabase } from "./support/postgres.js";
import { type SneakersProcess, operator, runCli, startSneakers, waitForStatus } from "./support/process.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(name: string, databaseUrl: string, redisUrl: string): Promise<SneakersProcess> {
  const n = await startSneakers({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, NODE_NAME: `${name}-${new URL(redisUrl).port}` });
  cleanups.push(() => n.stop());
  await waitForStatus(`${n.url}/`, 200);
  return n;
}

const productList = (page: string) => /<main class="product-list">[\s\S]*?<\/main>/.exec(page)?.[0];
const storeList = async (n: SneakersProcess) => productList(await (await fetch(`${n.url}/`)).text());

describe("/drops on two nodes", () => {
  it("a view on A shows B's release and sell-out; then A's view and both nodes' / agree", async () => {
    const db = await throwawayDatabase();
    cleanups.push(() => db.drop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const a = await node("a", db.url, redis.url);
    const b = await node("b", db.url, redis.url);
    const { view } = await live(`${a.url}/drops`, { transport: WebSocket, timeoutMs: 10_000 });
    cleanups.push(() => (view as LiveViewHandle).close());
    expect(render(view).match(/coming soon\.\.\./g)).toHaveLength(2);

    expect((await runCli(b.url, ["release", "1"])).code).toBe(0);
    await view.waitFor(() => render(view).match(/coming soon\.\.\./g)?.length === 1, "product 1 released on A's page");
    const { json } = await operator(b.url, "GET", "/api/status");
    const items = (json.products as { id: number; items: { id: number; available_count: number }[] }[]).find((p) => p.id === 1)?.items ?? [];
    for (const item of items) expect(render(view)).toContain(`name="item_id" value="${item.id}"`);

    const target = items.find((i) => i.available_count > 0);
    if (!target) throw new Error("nothing of product 1 in stock");
    expect((await runCli(b.url, ["set-stock", String(target.id), "0"])).code).toBe(0);
    await view.waitFor(() => render(view).includes(`level-out" name="item_id" value="${target.id}" disabled>`), "the sell-out on A's page");

    // Both caches settle on the database's state; the view already showed it.
    let last: [string | undefined, string | undefined] = [undefined, undefined];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      last = [await storeList(a), await storeList(b)];
      if (last[0] === productList(render(view)) && last[1] === last[0]) break;
    }
    expect(last[0]).toBe(productList(render(view)));
    expect(last[1]).toBe(last[0]);
  }, 60_000);
});
