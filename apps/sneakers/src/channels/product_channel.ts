import { defineChannel } from "fenix";
import { z } from "zod";
import {
  type CompleteItem,
  type CompleteProduct,
  type Inventory,
  type Level,
  availabilityToLevel,
  productById,
  stockChangeNeeded,
} from "../inventory/inventory.js";
import { renderSizes } from "../views/product_view.js";

/**
 * What a page shows of a product when it (re)joins: released or not, and each size's level. The
 * store's client sends it; a client that sends nothing (the book's) gets nothing extra.
 */
const Seen = z.object({
  seen: z
    .object({
      released: z.boolean(),
      levels: z.record(z.string().regex(/^\d+$/), z.enum(["out", "low", "medium", "high"])).default({}),
    })
    .optional(),
});
type SeenPayload = z.infer<typeof Seen>;

interface Push {
  event: "released" | "stock_change";
  payload: object;
}

/**
 * What a page that shows `seen` missed while it was away (a server restart, a lost connection, a
 * stale page from the browser's cache): the release if it still says "coming soon", then a
 * `stock_change` for every size whose level differs. The events are the live ones, so the page
 * needs no other code.
 */
export function catchUp(product: CompleteProduct, seen: NonNullable<SeenPayload["seen"]>): Push[] {
  if (!product.released) return [];
  if (!seen.released) return [{ event: "released", payload: { size_html: renderSizes(product) } }];
  const pushes: Push[] = [];
  for (const item of product.items) {
    const level: Level = availabilityToLevel(item.available_count);
    if (seen.levels[String(item.id)] !== level) pushes.push({ event: "stock_change", payload: { product_id: product.id, item_id: item.id, level } });
  }
  return pushes;
}

/**
 * `product:{productId}`: any suffix joins and nothing is handled from the client — shoppers only
 * listen for `released` and `stock_change`. With an inventory, a join that says what its page
 * shows (`{seen}`) is sent what it missed, right after the join reply.
 *
 * @example
 * defineSocket({ channels: [["product:*", productChannel(() => server.get())]] })
 */
export function productChannel(inventory?: () => Inventory) {
  return defineChannel<{ catchUp?: Push[] }, { phx_join: typeof Seen }>({
    name: "ProductChannel",
    schemas: { phx_join: Seen },
    join(topic, payload, socket) {
      if (!inventory || !payload.seen) return;
      const product = productById(inventory(), Number(topic.slice("product:".length)));
      if (!product) return;
      const pushes = catchUp(product, payload.seen);
      if (pushes.length === 0) return;
      socket.assign("catchUp", pushes);
      socket.send("catch_up");
    },
    handleInfo(message, socket) {
      if (message !== "catch_up") return;
      for (const { event, payload } of socket.assigns.catchUp ?? []) socket.push(event, payload);
      socket.assign("catchUp", undefined);
    },
  });
}

/** The channel without catch-up (tests and the book's plain behaviour). */
export const ProductChannel = productChannel();

/** What the notifications need of the endpoint: a cluster-wide broadcast. */
export interface Broadcaster {
  broadcast(topic: string, event: string, payload: object): Promise<void>;
}

/**
 * Sends the product's size selector, rendered by the page's own template, to every shopper on
 * every node. Local subscribers have it when this resolves.
 */
export function notifyProductReleased(endpoint: Broadcaster, product: CompleteProduct): Promise<void> {
  return endpoint.broadcast(`product:${product.id}`, "released", { size_html: renderSizes(product) });
}

/**
 * The book's rule: broadcast `stock_change` only when the level changes, and always when it is
 * "out" (so that "out" is never missed).
 */
export async function notifyItemStockChange(
  endpoint: Broadcaster,
  change: { previousItem: Pick<CompleteItem, "available_count">; currentItem: CompleteItem },
): Promise<"no_change" | "broadcast"> {
  const { previousItem, currentItem } = change;
  if (!stockChangeNeeded(previousItem, currentItem)) return "no_change";
  await endpoint.broadcast(`product:${currentItem.product_id}`, "stock_change", {
    product_id: currentItem.product_id,
    item_id: currentItem.id,
    level: availabilityToLevel(currentItem.available_count),
  });
  return "broadcast";
}
