import type { Database } from "./database.js";

/** A small seeded PRNG (mulberry32), so tests can ask for the same "random" seed twice. */
export function randomSource(seed?: number): () => number {
  if (seed === undefined) return Math.random;
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SIZES = ["6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"];

const PRODUCTS = [
  { sku: "SHU6000", order: 0, brand: "Snks 23", name: "Hop Man 3", color: "yellow/blue", price_usd: 120, main_image_url: "/images/hopman.svg" },
  { sku: "SHU6100", order: 1, brand: "Asler", name: "Breezy Boost 600", color: "momentum", price_usd: 140, main_image_url: "/images/breezy.svg" },
];

/** The book's availability: a 10 % chance of 0, otherwise 201–1200. */
export function seedCount(random: () => number): number {
  return random() < 0.1 ? 0 : Math.floor(random() * 1000) + 1 + 200;
}

/**
 * The book's seed (§5.4): two unreleased products with 13 sizes each, in one transaction. Run it
 * on an empty, migrated database (after `reset`) so the ids are 1 and 2.
 */
export async function seed(database: Database, options: { seed?: number } = {}): Promise<void> {
  const random = randomSource(options.seed);
  await database.db.transaction().execute(async (tx) => {
    for (const product of PRODUCTS) {
      const { id } = await tx
        .insertInto("products")
        .values({ ...product, released: database.bool(false) })
        .returning("id")
        .executeTakeFirstOrThrow();
      const base = Number(product.sku.slice(3));
      for (const [i, size] of SIZES.entries()) {
        const item = await tx
          .insertInto("items")
          .values({ sku: `SHU${base + i + 1}`, size, product_id: id })
          .returning("id")
          .executeTakeFirstOrThrow();
        await tx
          .insertInto("item_availabilities")
          .values({ item_id: item.id, available_count: seedCount(random) })
          .execute();
      }
    }
  });
}
