import { afterEach, describe, expect, test } from "vitest";
import { createLogger } from "fenix";
import { type SneakersApp, createSneakersApp } from "../app.js";

const logger = createLogger({ name: "test", level: "silent" });
const AUTH = { authorization: "Bearer key" };
let app: SneakersApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function started(): Promise<SneakersApp> {
  app = await createSneakersApp({ secretKeyBase: "x".repeat(64), apiKey: "key", databaseUrl: "sqlite::memory:", logger, randomSeed: 23 });
  await app.inventory.server.ready();
  return app;
}

describe("GET /", () => {
  test("is rendered from memory: no database query per request, no-store", async () => {
    const { fastify, store } = await started();
    const before = store.queries;
    for (let i = 0; i < 5; i++) {
      const response = await fastify.inject({ method: "GET", url: "/" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["cache-control"]).toBe("no-store, must-revalidate");
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.body.match(/class="product-listing"/g)).toHaveLength(2);
    }
    expect(store.queries).toBe(before);
  });

  test("answers 503 until the inventory has loaded", async () => {
    app = await createSneakersApp({ secretKeyBase: "x".repeat(64), apiKey: "key", databaseUrl: "postgres://postgres@127.0.0.1:1/nowhere", logger });
    const response = await app.fastify.inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.body).toMatch(/inventory is not loaded yet/);
  });

  test("serves the CSS, the bundled client and the images", async () => {
    const { fastify } = await started();
    for (const [url, type] of [
      ["/css/app.css", "text/css"],
      ["/js/app.js", "application/javascript"],
      ["/images/hopman.svg", "image/svg+xml"],
    ]) {
      const response = await fastify.inject({ method: "GET", url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["content-type"]).toContain(type);
    }
    expect((await fastify.inject({ method: "GET", url: "/css/app.css" })).body).toContain(".size-container__entry--level-out");
  });

  test("the size buttons' form post lands back on the store", async () => {
    const { fastify } = await started();
    const response = await fastify.inject({
      method: "POST",
      url: "/cart/add",
      payload: "item_id=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect([response.statusCode, response.headers.location]).toEqual([303, "/"]);
  });
});

describe("the operator API", () => {
  test("needs the API key", async () => {
    const { fastify } = await started();
    for (const authorization of [undefined, "Bearer nope", "key"]) {
      const response = await fastify.inject({ method: "POST", url: "/api/products/1/release", headers: authorization ? { authorization } : {} });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatch(/API key/);
    }
  });

  test("release changes the page; status reports it", async () => {
    const { fastify } = await started();
    expect((await fastify.inject({ method: "POST", url: "/api/products/1/release", headers: AUTH })).json()).toEqual({ ok: true, product_id: 1 });
    const page = (await fastify.inject({ method: "GET", url: "/" })).body;
    expect(page).not.toContain("product-soon-1");
    expect(page).toContain("product-soon-2");
    const status = (await fastify.inject({ method: "GET", url: "/api/status", headers: AUTH })).json();
    expect(status.products.map((p: { released: boolean }) => p.released)).toEqual([true, false]);
    expect(status.products[0].items).toHaveLength(13);
  });

  test("clear errors: unknown product 404, bad id and bad body 400", async () => {
    const { fastify } = await started();
    const unknown = await fastify.inject({ method: "POST", url: "/api/products/9/release", headers: AUTH });
    expect([unknown.statusCode, unknown.json().error]).toEqual([404, "unknown product 9"]);
    const bad = await fastify.inject({ method: "POST", url: "/api/products/abc/release", headers: AUTH });
    expect(bad.statusCode).toBe(400);
    const stock = await fastify.inject({ method: "PUT", url: "/api/items/1/stock", headers: AUTH, payload: { count: -1 } });
    expect(stock.statusCode).toBe(400);
    expect(stock.json().error).toMatch(/count/);
  });

  test("set-stock, sell and sell-random agree with the database", async () => {
    const { fastify, database } = await started();
    await fastify.inject({ method: "PUT", url: "/api/items/3/stock", headers: AUTH, payload: { count: 1 } });
    expect((await fastify.inject({ method: "POST", url: "/api/items/3/sell", headers: AUTH })).json().result).toBe("ok");
    expect((await fastify.inject({ method: "POST", url: "/api/items/3/sell", headers: AUTH })).json().result).toBe("not_available");
    let left = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 200 && left > 0; i++)
      left = (await fastify.inject({ method: "POST", url: "/api/sell-random", headers: AUTH, payload: { count: 2000 } })).json().units_in_stock;
    expect(left).toBe(0);
    const rows = await database.db.selectFrom("item_availabilities").select("available_count").execute();
    expect(rows.every((r) => r.available_count === 0)).toBe(true);
  });

  test("reset reseeds and reloads the cache", async () => {
    const { fastify } = await started();
    await fastify.inject({ method: "POST", url: "/api/products/2/release", headers: AUTH });
    expect((await fastify.inject({ method: "POST", url: "/api/reset", headers: AUTH })).statusCode).toBe(200);
    const status = (await fastify.inject({ method: "GET", url: "/api/status", headers: AUTH })).json();
    expect(status.products.map((p: { id: number; released: boolean }) => [p.id, p.released])).toEqual([
      [1, false],
      [2, false],
    ]);
  });
});
