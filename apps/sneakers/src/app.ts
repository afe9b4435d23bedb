import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import { Endpoint, longPoll, mountOps, websocket } from "fenix";
import type { HistoryStore, Logger, PresenceOptions, PubSubAdapter } from "fenix";
import { mountAdmin } from "./admin/mount.js";
import { mountDrops } from "./live/drops_live.js";
import { Database } from "./db/database.js";
import { migrate } from "./db/migrations.js";
import { seed } from "./db/seeds.js";
import { InventoryContext } from "./inventory/context.js";
import { InventoryServer, databaseLoader } from "./inventory/server.js";
import { Replication } from "./replication.js";
import { notifyLocalItemOut } from "./channels/shopping_cart_channel.js";
import { productSocket } from "./sockets/product_socket.js";
import { OutageLog, Store } from "./store.js";
import { cookieSecret } from "./web/cart_session.js";
import { registerCheckoutRoutes } from "./web/checkout_routes.js";
import { registerOperatorApi } from "./web/operator_api.js";
import { registerStoreRoutes } from "./web/store_routes.js";

export { ProductChannel, productChannel, catchUp, notifyItemStockChange, notifyProductReleased } from "./channels/product_channel.js";
export { ProductSocket, productSocket } from "./sockets/product_socket.js";
export * from "./inventory/inventory.js";
export { InventoryServer, databaseLoader } from "./inventory/server.js";
export { InventoryContext } from "./inventory/context.js";
export { Replication, REPLICATION_TOPIC } from "./replication.js";
export { Store, NotFoundError, DatabaseUnavailableError, OutageLog } from "./store.js";
export { Database, DEFAULT_SQLITE_PATH } from "./db/database.js";
export { migrate, dropAll } from "./db/migrations.js";
export { seed, seedCount, randomSource, SIZES } from "./db/seeds.js";
export { sellItem } from "./checkout/single_item.js";
export * from "./cart/shopping_cart.js";
export { shoppingCartChannel, notifyLocalItemOut, addItemError } from "./channels/shopping_cart_channel.js";
export type { CartChannelOptions } from "./channels/shopping_cart_channel.js";
export { cartToMap } from "./views/cart_view.js";
export type { CartView, CartItemView } from "./views/cart_view.js";
export { checkoutProblem, purchaseCart } from "./checkout/checkout.js";
export { renderIndex, renderSizes } from "./views/product_view.js";
export { dropsLive, mountDrops, productTopics } from "./live/drops_live.js";
export { dropsLayout, liveProductList } from "./views/drops_view.js";

export interface SneakersConfig {
  secretKeyBase: string;
  /** Bearer key of the operator API (`/api/…`, what the CLI calls). */
  apiKey: string;
  /** `postgres://…`, `sqlite:<path>`; default: the embedded SQLite file. */
  databaseUrl?: string;
  nodeName?: string;
  pubsubAdapter?: PubSubAdapter;
  history?: HistoryStore;
  logger: Logger;
  presence?: PresenceOptions;
  /** Seed the book's data on first start when the database is empty (default true). */
  seedWhenEmpty?: boolean;
  /** Seed for the random counts (tests), default truly random as in the book. */
  randomSeed?: number;
  /** Refuse adding past this many items to a cart (`CART_MAX_ITEMS`); unset: no limit, as in the book. */
  cartMaxItems?: number;
  /** HTTP Basic Auth of the operators' pages (`/ops`); without both they answer 404. */
  admin?: { user: string; password: string };
}

export interface SneakersApp {
  fastify: FastifyInstance;
  endpoint: Endpoint;
  database: Database;
  store: Store;
  inventory: InventoryContext;
  replication: Replication;
  /** Listens on `port` (0: any) at `host`; resolves with the port. Pages answer 503 until the inventory loads. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const PUBLIC = fileURLToPath(new URL("../dist/public/", import.meta.url));

/**
 * Sneakers23: the store front on Fastify, Fenix's `/product_socket` on the same server, the
 * inventory cache, replication between nodes and the operator API.
 */
export async function createSneakersApp(config: SneakersConfig): Promise<SneakersApp> {
  const logger = config.logger;
  // One line when the database goes away (a lost connection or a refused query), one when it is back.
  const outage = new OutageLog(logger);
  const database = new Database({
    url: config.databaseUrl,
    onPoolError: (err) => outage.failed(`connection lost: ${err.message} (reconnecting on the next query)`),
  });
  const store = new Store(database, outage);
  const server = new InventoryServer(databaseLoader(store), logger);
  const endpoint = new Endpoint({
    secretKeyBase: config.secretKeyBase,
    nodeName: config.nodeName,
    pubsubAdapter: config.pubsubAdapter,
    history: config.history,
    logger,
    // Presence is on (TRACKER_* settings) for the admin dashboard of part 2.
    presence: config.presence ?? true,
  });
  endpoint.socket(
    "/product_socket",
    productSocket(() => server.get(), { inventory: () => server.get(), pubsub: endpoint.pubsub, maxItems: config.cartMaxItems }),
    { transports: [websocket(), longPoll()] },
  );
  // Fenix's live ops dashboard at /ops (ADMIN_USER / ADMIN_PASSWORD).
  mountOps(endpoint, { user: config.admin?.user, password: config.admin?.password });
  const inventory = new InventoryContext(store, server, endpoint, logger);
  const replication = new Replication(
    endpoint.pubsub,
    {
      markProductReleased: (id, options) => inventory.markProductReleased(id, options),
      itemSold: (id, options) => inventory.itemSold(id, options),
      reload: () => server.restart(),
    },
    logger,
  );
  inventory.replication = replication;
  inventory.onItemOut = (itemId) => notifyLocalItemOut(endpoint.pubsub, itemId);

  const fastify = Fastify({ logger: false, forceCloseConnections: true });
  await fastify.register(fastifyCookie, { secret: cookieSecret(config.secretKeyBase) });
  await fastify.register(fastifyFormbody);
  await fastify.register(fastifyStatic, { root: PUBLIC, prefix: "/", index: false, wildcard: false, cacheControl: true, maxAge: 0 });
  registerStoreRoutes(fastify, { server });
  // /drops: the product list as a live view on its own /live socket (before endpoint.attach).
  mountDrops(fastify, endpoint, server);
  registerCheckoutRoutes(fastify, {
    inventory,
    tokens: endpoint.tokens,
    broadcast: (topic, event, payload) => endpoint.broadcast(topic, event, payload),
    logger,
  });
  mountAdmin(fastify, endpoint, { admin: config.admin, server, logger });
  registerOperatorApi(fastify, {
    apiKey: config.apiKey,
    database,
    inventory,
    replication,
    endpoint,
    logger,
    seedOptions: { seed: config.randomSeed },
  });
  fastify.addHook("preClose", async () => endpoint.close());

  let closed = false;
  const boot = prepareDatabase(database, logger, outage, config, () => closed).then(() => (closed ? undefined : server.start()));

  return {
    fastify,
    endpoint,
    database,
    store,
    inventory,
    replication,
    async listen(port, host = "0.0.0.0") {
      await fastify.ready();
      await endpoint.attach(fastify.server);
      replication.start();
      await fastify.listen({ port, host });
      void boot;
      const address = fastify.server.address();
      return typeof address === "object" && address ? address.port : port;
    },
    async close() {
      closed = true;
      server.stop();
      replication.stop();
      await fastify.close();
      await database.close().catch(() => undefined);
    },
  };
}

/**
 * Migrates (and seeds an empty store) as soon as the database answers; until then the inventory's
 * own retry loop keeps the pages at 503. Logged once per outage.
 */
async function prepareDatabase(database: Database, logger: Logger, outage: OutageLog, config: SneakersConfig, closed: () => boolean): Promise<void> {
  for (let delay = 100; !closed(); delay = Math.min(delay * 2, 5_000)) {
    try {
      await migrate(database.db, database.engine);
      if (config.seedWhenEmpty !== false) {
        const row = await database.db
          .selectFrom("products")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirst();
        if (Number(row?.n ?? 0) === 0) {
          await seed(database, { seed: config.randomSeed });
          logger.info(`database: seeded the book's two products (${database.description})`);
        }
      }
      outage.succeeded();
      return;
    } catch (err) {
      outage.failed(`cannot migrate ${database.description}, retrying: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
