/**
 * The inventory's functional core (the book's `Inventory` and `CompleteProduct`): plain data and
 * pure functions. Every change returns a new inventory; the old one is left as it was, so the
 * caller can compare before and after (the stock_change rule) and cache what it rendered.
 */

export interface Product {
  id: number;
  sku: string;
  order: number;
  brand: string;
  name: string;
  color: string;
  price_usd: number;
  main_image_url: string;
  released: boolean;
}

export interface Item {
  id: number;
  sku: string;
  size: string;
  product_id: number;
}

export interface Availability {
  id: number;
  item_id: number;
  available_count: number;
}

/** Availability is keyed by item id (the book keys it by the row's id and scans). */
export interface Inventory {
  readonly products: ReadonlyMap<number, Product>;
  readonly items: ReadonlyMap<number, Item>;
  readonly availability: ReadonlyMap<number, Availability>;
}

export interface CompleteItem extends Item {
  available_count: number;
}

export interface CompleteProduct extends Product {
  items: CompleteItem[];
}

export type Level = "out" | "low" | "medium" | "high";

export const EMPTY: Inventory = { products: new Map(), items: new Map(), availability: new Map() };

export function fromRows(products: Product[], items: Item[], availabilities: Availability[]): Inventory {
  return {
    products: new Map(products.map((p) => [p.id, p])),
    items: new Map(items.map((i) => [i.id, i])),
    availability: new Map(availabilities.map((a) => [a.item_id, a])),
  };
}

/** The book's thresholds: 0 out, under 150 low, under 500 medium, else high. */
export function availabilityToLevel(count: number): Level {
  if (count <= 0) return "out";
  if (count < 150) return "low";
  if (count < 500) return "medium";
  return "high";
}

function completeItem(inventory: Inventory, item: Item): CompleteItem {
  return { ...item, available_count: inventory.availability.get(item.id)?.available_count ?? 0 };
}

/** Every product by `order`, each with its items by id (which is size order), counts attached. */
export function completeProducts(inventory: Inventory): CompleteProduct[] {
  const byProduct = new Map<number, CompleteItem[]>();
  for (const item of [...inventory.items.values()].sort((a, b) => a.id - b.id)) {
    let list = byProduct.get(item.product_id);
    if (!list) byProduct.set(item.product_id, (list = []));
    list.push(completeItem(inventory, item));
  }
  return [...inventory.products.values()]
    .sort((a, b) => a.order - b.order || a.id - b.id)
    .map((product) => ({ ...product, items: byProduct.get(product.id) ?? [] }));
}

export function productById(inventory: Inventory, id: number): CompleteProduct | undefined {
  const product = inventory.products.get(id);
  if (!product) return undefined;
  const items = [...inventory.items.values()]
    .filter((i) => i.product_id === id)
    .sort((a, b) => a.id - b.id)
    .map((i) => completeItem(inventory, i));
  return { ...product, items };
}

export function itemById(inventory: Inventory, id: number): CompleteItem | undefined {
  const item = inventory.items.get(id);
  return item ? completeItem(inventory, item) : undefined;
}

export function markProductReleased(inventory: Inventory, id: number): Inventory {
  const product = inventory.products.get(id);
  if (!product || product.released) return inventory;
  const products = new Map(inventory.products);
  products.set(id, { ...product, released: true });
  return { ...inventory, products };
}

export function setAvailability(inventory: Inventory, availability: Availability): Inventory {
  const availabilities = new Map(inventory.availability);
  availabilities.set(availability.item_id, availability);
  return { ...inventory, availability: availabilities };
}

/** Items with stock left, released or not (what the book's mock reducer picks from). */
export function itemsInStock(inventory: Inventory): CompleteItem[] {
  return [...inventory.items.values()].filter((i) => (inventory.availability.get(i.id)?.available_count ?? 0) > 0).map((i) => completeItem(inventory, i));
}

/** Pairs left in the whole store. */
export function unitsInStock(inventory: Inventory): number {
  let units = 0;
  for (const a of inventory.availability.values()) units += Math.max(0, a.available_count);
  return units;
}

/**
 * The book's stock_change rule: send when the level changed, and always when it is "out", so a
 * shopper never misses that a size is gone.
 */
export function stockChangeNeeded(previous: { available_count: number }, current: { available_count: number }): boolean {
  const before = availabilityToLevel(previous.available_count);
  const after = availabilityToLevel(current.available_count);
  return before !== after || after === "out";
}
