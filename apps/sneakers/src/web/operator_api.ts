import { ITEM_OUT_PREFIX } from "../channels/shopping_cart_channel.js";
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Endpoint, Logger } from "fenix";
import { z } from "zod";
import type { Database } from "../db/database.js";
import { dropAll, migrate } from "../db/migrations.js";
import { seed } from "../db/seeds.js";
import type { InventoryContext } from "../inventory/context.js";
import { availabilityToLevel, completeProducts, itemsInStock, unitsInStock } from "../inventory/inventory.js";
import type { Replication } from "../replication.js";
import { DatabaseUnavailableError, NotFoundError } from "../store.js";

export interface OperatorDeps {
  apiKey: string;
  database: Database;
  inventory: InventoryContext;
  replication: Replication;
  endpoint: Endpoint;
  logger: Logger;
  seedOptions: { seed?: number };
}

const Id = z.coerce.number().int().positive();
const Stock = z.object({ count: z.number().int().min(0).max(1_000_000) });
const SellRandom = z.object({ count: z.number().int().min(1).max(10_000).default(200) });
const Component = z.enum(["inventory", "replication", "database"]);

/**
 * The operator API the CLI drives (`Authorization: Bearer $API_KEY`), so one command works the
 * same against one node or any node of a cluster. Errors are `{error}` with 400, 401, 404 or
 * 503 (database down).
 *
 * @example
 * curl -X POST -H "authorization: Bearer $API_KEY" localhost:4000/api/products/1/release
 */
export function registerOperatorApi(fastify: FastifyInstance, deps: OperatorDeps): void {
  const { inventory, database, replication, endpoint, logger } = deps;
  const expected = Buffer.from(`Bearer ${deps.apiKey}`);
  // The sale is committed once the decrement is: a failed re-read afterwards (the database lost in
  // between) must not turn it into a 503, or the caller would count a sale that happened as refused.
  const afterSale = (itemId: number) =>
    inventory.itemSold(itemId).catch((err) => logger.warn(`inventory: item ${itemId} sold, but the cache was not updated: ${(err as Error).message}`));

  fastify.register(
    async (api) => {
      api.addHook("onRequest", async (request, reply) => {
        const given = Buffer.from(request.headers.authorization ?? "");
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return reply.code(401).send({ error: "missing or wrong API key (send Authorization: Bearer $API_KEY)" });
        }
      });
      api.setErrorHandler((err, request, reply) => answerError(err, request, reply, logger));

      api.get("/status", async () => {
        const current = inventory.server.get();
        return {
          node: endpoint.nodeName,
          database: database.engine,
          ready: inventory.server.loaded,
          // Messages applied from other nodes' replication (a cluster test checks each arrives once).
          replication_applied: replication.applied,
          replication_sent: replication.sent,
          units_in_stock: unitsInStock(current),
          // Cart channels listening on `item_out:{id}` on this node (a test proves closed tabs leave none).
          item_out_subscriptions: [...current.items.keys()].reduce((n, id) => n + endpoint.pubsub.subscriberCount(`${ITEM_OUT_PREFIX}${id}`), 0),
          products: completeProducts(current).map((p) => ({
            id: p.id,
            sku: p.sku,
            name: p.name,
            brand: p.brand,
            released: p.released,
            items: p.items.map((i) => ({
              id: i.id,
              sku: i.sku,
              size: i.size,
              available_count: i.available_count,
              level: availabilityToLevel(i.available_count),
            })),
          })),
        };
      });

      api.post("/reset", async () => {
        await guard(async () => {
          await dropAll(database.db);
          await migrate(database.db, database.engine);
          await seed(database, deps.seedOptions);
        });
        await inventory.server.restart();
        replication.reload();
        logger.warn("operator: database reset and seeded");
        return { ok: true };
      });

      api.post("/products/:id/release", async (request) => {
        const id = Id.parse((request.params as { id: string }).id);
        await inventory.markProductReleased(id);
        logger.info(`operator: released product ${id}`);
        return { ok: true, product_id: id };
      });

      api.post("/products/:id/notify", async (request) => {
        const id = Id.parse((request.params as { id: string }).id);
        await inventory.renotifyProductReleased(id);
        return { ok: true, product_id: id };
      });

      api.post("/items/:id/sell", async (request) => {
        const id = Id.parse((request.params as { id: string }).id);
        const sold = await inventory.store.reduceAvailability(id);
        const committedAt = performance.timeOrigin + performance.now();
        if (sold) await afterSale(id);
        return { result: sold ? "ok" : "not_available", item_id: id, committed_at: committedAt };
      });

      api.put("/items/:id/stock", async (request) => {
        const id = Id.parse((request.params as { id: string }).id);
        const { count } = Stock.parse(request.body);
        await inventory.setStock(id, count);
        return { ok: true, item_id: id, available_count: count };
      });

      // One tick of the book's mock reducer: `count` sales of random items that have stock left
      // (by this node's cache); the database decides each one.
      api.post("/sell-random", async (request) => {
        const { count } = SellRandom.parse(request.body ?? {});
        const candidates = itemsInStock(inventory.server.get());
        const sales = await Promise.all(
          Array.from({ length: candidates.length ? count : 0 }, async () => {
            const item = candidates[Math.floor(Math.random() * candidates.length)];
            const sold = await inventory.store.reduceAvailability(item.id);
            const committedAt = performance.timeOrigin + performance.now();
            if (sold) await afterSale(item.id);
            return sold ? { item_id: item.id, committed_at: committedAt } : undefined;
          }),
        );
        const sold = sales.filter((s) => s !== undefined);
        return { sold, not_available: sales.length - sold.length, units_in_stock: unitsInStock(inventory.server.get()) };
      });

      api.post("/restart/:component", async (request) => {
        const component = Component.parse((request.params as { component: string }).component);
        if (component === "inventory") await inventory.server.restart();
        else if (component === "replication") replication.restart();
        else await database.restart();
        return { ok: true, restarted: component };
      });
    },
    { prefix: "/api" },
  );
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof NotFoundError ? err : new DatabaseUnavailableError(err);
  }
}

function answerError(err: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): FastifyReply {
  if (err instanceof z.ZodError)
    return reply.code(400).send({ error: `bad request: ${err.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ")}` });
  if (err instanceof NotFoundError) return reply.code(404).send({ error: err.message });
  if (err instanceof DatabaseUnavailableError) {
    // The outage itself is logged once (OutageLog); each refused request only at debug.
    logger.debug(`operator: ${request.method} ${request.url} failed: ${err.message}`);
    return reply.code(503).send({ error: err.message });
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status < 500) return reply.code(status).send({ error: (err as Error).message });
  logger.error({ err }, `operator: ${request.method} ${request.url} failed: ${(err as Error).message}`);
  return reply.code(500).send({ error: `internal error: ${(err as Error).message}` });
}
