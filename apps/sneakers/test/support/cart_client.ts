// A shopper's tab at the protocol level: the official phoenix client (with `ws`) joined to
// `cart:{cartId}` the way the page's cart.js does — params as a function reading the browser's
// shared storage, every cart it is sent stored back there — recording each cart it receives.
import { type Outcome, type PhxChannel, outcome, phxSocket } from "../../../hello/test/support/phoenix.js";

export interface CartItem {
  id: number;
  out_of_stock: boolean;
  [field: string]: unknown;
}
export interface CartView {
  items: CartItem[];
  serialized: string;
}

/** What the tabs of one browser share: localStorage.storedCart. */
export interface BrowserStorage {
  storedCart?: string;
}

export interface CartTab {
  channel: PhxChannel;
  /** Every `cart` pushed and every ok reply's cart, oldest first. */
  carts: CartView[];
  latest(): CartView | undefined;
  /** Resolves with the first cart (from now on, or the latest already here) that satisfies `check`. */
  waitForCart(what: string, check: (cart: CartView) => boolean, ms?: number): Promise<CartView>;
  add(itemId: string | number): Promise<Outcome>;
  remove(itemId: string | number): Promise<Outcome>;
  close(): void;
}

export const ids = (cart: CartView | undefined) => (cart ? cart.items.map((i) => i.id) : []);

/** A fresh 64-character cart id (what the session cookie would hold). */
export function randomCartId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64");
}

/** Opens a tab on the node at `port` for `cartId` and waits for the join's ok and the first `cart`. */
export async function openCartTab(port: number, cartId: string, storage: BrowserStorage, page = "/"): Promise<CartTab> {
  let cleanup: () => void = () => undefined;
  const socket = phxSocket(port, "/product_socket", {}, (c) => (cleanup = c));
  socket.connect();
  const carts: CartView[] = [];
  const listeners = new Set<() => void>();
  const received = (cart: CartView) => {
    storage.storedCart = cart.serialized;
    carts.push(cart);
    for (const l of listeners) l();
  };
  const channel = socket.channel(`cart:${cartId}`, () => ({ serialized: storage.storedCart, page }));
  channel.on("cart", received);
  const joined = await outcome(channel.join(), 5_000);
  if (joined.status !== "ok") {
    cleanup();
    throw new Error(`joining cart:${cartId.slice(0, 8)}… on :${port}: ${JSON.stringify(joined)}`);
  }
  const waitForCart = (what: string, check: (cart: CartView) => boolean, ms = 10_000) =>
    new Promise<CartView>((resolve, reject) => {
      let seen = carts.length > 0 ? carts.length - 1 : 0;
      const test = () => {
        for (; seen < carts.length; seen++) {
          if (check(carts[seen])) {
            done();
            resolve(carts[seen]);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: no such cart on :${port} within ${ms} ms; got ${JSON.stringify(carts.map(ids))}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(test);
      };
      listeners.add(test);
      test();
    });
  await waitForCart("the cart pushed after the join", () => true);
  // The reply's cart is recorded in the client's own callback, as cart.js does, so it keeps its
  // place among the pushes (a later `cart` push in the same read must stay the latest).
  const push = (event: string, itemId: string | number) =>
    outcome(
      channel.push(event, { item_id: itemId }).receive("ok", (cart: CartView) => received(cart)),
      5_000,
    );
  return {
    channel,
    carts,
    latest: () => carts.at(-1),
    waitForCart,
    add: (id) => push("add_item", id),
    remove: (id) => push("remove_item", id),
    close: () => cleanup(),
  };
}
