import { type ChannelSocket, type PubSub, type Subscriber, defineChannel, error, ok } from "fenix";
import {
  CART_ID_LENGTH,
  type ShoppingCart,
  addItem,
  applyChange,
  itemIds,
  parseItemId,
  removeItem,
  restoreCart,
  serializeCart,
} from "../cart/shopping_cart.js";
import { trackCart, updateCart } from "../cart_tracker.js";
import type { Inventory } from "../inventory/inventory.js";
import { type CartView, cartToMap } from "../views/cart_view.js";

/** What the cart channel needs of the node: the inventory it renders from and the local bus. */
export interface CartChannelOptions {
  inventory: () => Inventory;
  /** The endpoint's PubSub, for the per-item `item_out:{id}` subscriptions. */
  pubsub: Pick<PubSub, "subscribe" | "unsubscribe">;
  /** Refuse an add past this many items (`{error:"cart_full"}`); off when unset, as in the book. */
  maxItems?: number;
}

interface CartAssigns {
  cartId: string;
  cart: ShoppingCart;
  page: string | null;
  /** This channel's one PubSub subscriber and the `item_out` topics (by item id) it is on. */
  outOfStock: { subscriber: Subscriber; items: Set<number> };
}

export type AddItemError = "invalid_item" | "not_found" | "duplicate_item" | "not_released" | "out_of_stock" | "cart_full";

export const ITEM_OUT_PREFIX = "item_out:";

/**
 * Whether `id` may be added to `cart`: an id the store knows, not held yet, released, in stock
 * (as this node's cache sees it; checkout decides for real) and within the size limit.
 */
export function addItemError(inventory: Inventory, cart: ShoppingCart, id: number, maxItems?: number): AddItemError | null {
  const item = inventory.items.get(id);
  const product = item && inventory.products.get(item.product_id);
  if (!item || !product) return "not_found";
  if (cart.items.includes(id)) return "duplicate_item";
  if (!product.released) return "not_released";
  if ((inventory.availability.get(id)?.available_count ?? 0) <= 0) return "out_of_stock";
  if (maxItems !== undefined && cart.items.length >= maxItems) return "cart_full";
  return null;
}

/**
 * The book's `notify_local_item_stock_change`: an item reached 0, so every cart channel on this
 * node holding it re-renders. Node-local on purpose — every node calls it after updating its own
 * cache, so a cart never renders from a cache that has not heard yet.
 */
export function notifyLocalItemOut(pubsub: Pick<PubSub, "localBroadcast">, itemId: number): void {
  pubsub.localBroadcast(`${ITEM_OUT_PREFIX}${itemId}`, "item_out", { item_id: itemId });
}

/**
 * `cart:{cartId}` (64-character ids only) on `/product_socket`: one channel per open tab, holding
 * the tab's cart. Join with `{serialized, page}`; the server then pushes `cart`. `add_item` /
 * `remove_item` `{item_id}` reply with the cart or `{error}`, and reach the cart's other tabs on
 * every node through the intercepted `cart_updated`. Each channel listens on `item_out:{id}` for
 * the items it holds and re-pushes the cart when one sells out.
 *
 * @example
 * defineSocket({ channels: [["cart:*", shoppingCartChannel({ inventory: () => server.get(), pubsub: endpoint.pubsub })]] })
 */
export function shoppingCartChannel(options: CartChannelOptions) {
  const { inventory, pubsub, maxItems } = options;

  const serialized = (socket: ChannelSocket<CartAssigns>) => serializeCart(socket.tokens, socket.assigns.cartId, socket.assigns.cart);
  const view = (socket: ChannelSocket<CartAssigns>, token = serialized(socket)): CartView => cartToMap(inventory(), socket.assigns.cart, token);

  /** Listens on exactly the items the cart holds now. */
  function syncSubscriptions(socket: ChannelSocket<CartAssigns>): void {
    const { subscriber, items } = socket.assigns.outOfStock;
    const wanted = new Set(socket.assigns.cart.items);
    for (const id of items) {
      if (wanted.has(id)) continue;
      pubsub.unsubscribe(`${ITEM_OUT_PREFIX}${id}`, subscriber);
      items.delete(id);
    }
    for (const id of wanted) {
      if (items.has(id)) continue;
      pubsub.subscribe(`${ITEM_OUT_PREFIX}${id}`, subscriber);
      items.add(id);
    }
  }

  /** The change is this tab's: state, subscriptions, the other tabs, the dashboard. */
  function changed(socket: ChannelSocket<CartAssigns>, cart: ShoppingCart, change: { added: number[]; removed: number[] }): CartView {
    socket.assign("cart", cart);
    syncSubscriptions(socket);
    const token = serialized(socket);
    void socket.broadcastFrom("cart_updated", { serialized: token, ...change });
    updateCart(socket, socket.assigns.cartId, itemIds(cart));
    return view(socket, token);
  }

  function badItem(socket: ChannelSocket<CartAssigns>, event: string, raw: unknown) {
    socket.logger.warn(`cart: ${event} with an invalid item_id ${JSON.stringify(raw)?.slice(0, 40)}; refused`);
    return error({ error: "invalid_item" });
  }

  return defineChannel<CartAssigns>({
    name: "ShoppingCartChannel",
    intercepts: ["cart_updated"],

    join(topic, payload, socket) {
      const cartId = topic.slice("cart:".length);
      if (cartId.length !== CART_ID_LENGTH) return error({ reason: "invalid cart id" });
      const params = (typeof payload === "object" && payload !== null ? payload : {}) as { serialized?: unknown; page?: unknown };
      const subscriber: Subscriber = {
        deliver: (message) => socket.send({ itemOut: (message.payload as { item_id: number }).item_id }),
      };
      socket.assign({
        cartId,
        cart: restoreCart(socket.tokens, cartId, params.serialized),
        page: typeof params.page === "string" ? params.page.slice(0, 200) : null,
        outOfStock: { subscriber, items: new Set() },
      });
      // However the channel ends (leave, crash, closed tab, lost connection), its topics go too.
      socket.onEnd(() => {
        for (const id of socket.assigns.outOfStock.items) pubsub.unsubscribe(`${ITEM_OUT_PREFIX}${id}`, subscriber);
        socket.assigns.outOfStock.items.clear();
      });
      syncSubscriptions(socket);
      // After the reply: a reconnecting tab is brought up to date without asking.
      socket.send("after_join");
    },

    handleIn: {
      add_item(payload, socket) {
        const id = parseItemId(payload?.item_id);
        if (id === undefined) return badItem(socket, "add_item", payload?.item_id);
        const refused = addItemError(inventory(), socket.assigns.cart, id, maxItems);
        if (refused) return error({ error: refused });
        const added = addItem(socket.assigns.cart, id);
        if (!added.ok) return error({ error: added.error });
        return ok(changed(socket, added.cart, { added: [id], removed: [] }));
      },
      remove_item(payload, socket) {
        const id = parseItemId(payload?.item_id);
        if (id === undefined) return badItem(socket, "remove_item", payload?.item_id);
        const removed = removeItem(socket.assigns.cart, id);
        if (!removed.ok) return error({ error: removed.error });
        return ok(changed(socket, removed.cart, { added: [], removed: [id] }));
      },
    },

    handleOut: {
      // Another tab of this cart (on any node), or a completed purchase, changed it.
      cart_updated(payload, socket) {
        const ids = (list: unknown) => (Array.isArray(list) ? list.map(parseItemId).filter((id): id is number => id !== undefined) : []);
        const cart = applyChange(socket.assigns.cart, { added: ids(payload?.added), removed: ids(payload?.removed) });
        socket.assign("cart", cart);
        syncSubscriptions(socket);
        updateCart(socket, socket.assigns.cartId, itemIds(cart));
        socket.push("cart", view(socket));
      },
    },

    handleInfo(message, socket) {
      if (message === "after_join") {
        socket.push("cart", view(socket));
        trackCart(socket, socket.assigns.cartId, socket.assigns.page, itemIds(socket.assigns.cart));
      } else if (typeof message === "object" && message !== null && "itemOut" in message) {
        // The render reads availability from the cache, which was updated before this was sent.
        if (socket.assigns.cart.items.includes(message.itemOut as number)) socket.push("cart", view(socket));
      }
    },
  });
}
