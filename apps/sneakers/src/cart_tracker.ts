// The shared edge between the cart channels and the admin dashboard: each open cart is a
// presence on one admin topic, so the dashboard sees every shopper of every node without the
// shoppers ever receiving presence traffic themselves.
import type { ChannelSocket, PresenceSubject } from "fenix";

/** The topic every cart is tracked on; the dashboard channel joins it. */
export const CART_TRACKER_TOPIC = "admin:cart_tracker";

/** What the dashboard knows of one open cart (one meta per cart channel). */
export interface CartMeta {
  /** When the shopper's page loaded (ms since the epoch). */
  page_loaded_at: number;
  /** The page the cart was opened on (e.g. "/", "/drops/1"), or null when the client did not say. */
  page: string | null;
  /** Item ids held in the cart, duplicates allowed. */
  items: number[];
}

// One subject per cart channel: Presence keys its owner on the subject object, so the same object
// must be reused for every update, and its onEnd hands the channel's end to Presence (no ghosts).
const subjects = new WeakMap<ChannelSocket, PresenceSubject>();

function subjectOf(socket: ChannelSocket): PresenceSubject {
  let subject = subjects.get(socket);
  if (!subject) {
    subject = { topic: CART_TRACKER_TOPIC, onEnd: (callback) => socket.onEnd(callback) };
    subjects.set(socket, subject);
  }
  return subject;
}

/**
 * Tracks a cart channel on the admin topic, keyed by cart id. Call once after join; the entry is
 * removed when the channel ends, however it ends.
 *
 * @example
 * join(topic, { page }, socket) { socket.send("after_join"); return ok(); },
 * handleInfo(_msg, socket) { trackCart(socket, socket.assigns.cartId, page, cart.items); }
 */
export function trackCart(socket: ChannelSocket, cartId: string, page: string | null, itemIds: number[]): void {
  const meta: CartMeta = { page_loaded_at: Date.now(), page, items: [...itemIds] };
  const result = socket.presence.track(subjectOf(socket), cartId, meta as unknown as Record<string, unknown>);
  if (!result.ok) socket.logger.warn(`cart tracker: cart ${cartId.slice(0, 8)}… is already tracked by this channel; kept the first entry`);
}

/**
 * Replaces the tracked cart's items (page and load time are kept). Call after every change;
 * a no-op for a channel that never called `trackCart`.
 *
 * @example
 * updateCart(socket, cartId, cart.items); // after add_item / remove_item
 */
export function updateCart(socket: ChannelSocket, cartId: string, itemIds: number[]): void {
  const subject = subjects.get(socket);
  if (!subject) return;
  socket.presence.update(subject, cartId, (old) => ({ ...old, items: [...itemIds] }));
}
