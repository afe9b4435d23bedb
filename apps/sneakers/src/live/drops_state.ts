import { type CompleteItem, type CompleteProduct, type Level, availabilityToLevel } from "../inventory/inventory.js";

/** A size as /drops shows it: its level and whether it can be clicked. */
export interface DropsItem extends CompleteItem {
  level: Level;
  disabled: boolean;
}

export interface DropsProduct extends CompleteProduct {
  items: DropsItem[];
}

/**
 * What a page heard in `product:<id>` broadcasts that this node's cache may not hold yet. On the
 * node that made a change the cache is updated before the broadcast, but on the others the
 * broadcast can overtake replication (which re-reads the database first), and a page re-rendered
 * from the cache alone would miss that change until the next one.
 */
export interface Heard {
  released: ReadonlySet<number>;
  levels: ReadonlyMap<number, Level>;
}

export const NOTHING_HEARD: Heard = { released: new Set(), levels: new Map() };

const LEVELS: ReadonlySet<string> = new Set(["out", "low", "medium", "high"]);

/**
 * Adds what a broadcast says: `released` on `product:<id>`, or `stock_change {item_id, level}`.
 * Anything else (or a malformed payload) changes nothing.
 *
 * @example
 * hear(NOTHING_HEARD, { topic: "product:1", event: "released", payload: {} }).released.has(1) // true
 */
export function hear(heard: Heard, message: { topic?: unknown; event?: unknown; payload?: unknown }): Heard {
  if (message.event === "released") {
    const id = Number(/^product:(\d+)$/.exec(String(message.topic))?.[1]);
    if (!Number.isSafeInteger(id) || heard.released.has(id)) return heard;
    return { ...heard, released: new Set(heard.released).add(id) };
  }
  if (message.event === "stock_change") {
    const { item_id: itemId, level } = (message.payload ?? {}) as { item_id?: unknown; level?: unknown };
    if (!Number.isSafeInteger(itemId) || typeof level !== "string" || !LEVELS.has(level)) return heard;
    return { ...heard, levels: new Map(heard.levels).set(itemId as number, level as Level) };
  }
  return heard;
}

/** The cache's products as /drops shows them, before anything heard is laid over them. */
export function dropsProducts(products: readonly CompleteProduct[]): DropsProduct[] {
  return products.map((product) => ({
    ...product,
    items: product.items.map((item) => ({ ...item, level: availabilityToLevel(item.available_count), disabled: item.available_count === 0 })),
  }));
}

/**
 * The page's products: the cache's (`base`, from `dropsProducts`), with what was heard laid over
 * them. Facts the cache already agrees with are dropped, so on the node that made the changes
 * nothing stays heard and `base` itself is returned.
 *
 * @example
 * const { products, heard: next } = pageProducts(dropsProducts(cached), hear(heard, message));
 */
export function pageProducts(base: DropsProduct[], heard: Heard): { products: DropsProduct[]; heard: Heard } {
  const released = new Set<number>();
  const levels = new Map<number, Level>();
  for (const product of base) {
    if (heard.released.has(product.id) && !product.released) released.add(product.id);
    for (const item of product.items) {
      const level = heard.levels.get(item.id);
      if (level !== undefined && level !== item.level) levels.set(item.id, level);
    }
  }
  if (released.size === 0 && levels.size === 0) return { products: base, heard: NOTHING_HEARD };
  const products = base.map((product) => {
    const items = product.items.map((item) => {
      const level = levels.get(item.id);
      return level === undefined ? item : { ...item, level, disabled: level === "out" };
    });
    return { ...product, released: product.released || released.has(product.id), items };
  });
  return { products, heard: { released, levels } };
}
