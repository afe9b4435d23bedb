// The dashboard's numbers from a Presence state (the book's getShopperCount, getPageCounts and
// getItemCounts). Plain data in, plain data out: the admin page bundles this very file, and the
// load tool and the tests use it to read an admin socket's state the way the page does.

/** A Presence state as phoenix.js keeps it: cart id → its metas (one per open tab). */
export type CartPresenceState = Record<string, { metas: ReadonlyArray<{ page?: unknown; items?: unknown }> }>;

export interface DashboardCounts {
  /** Unique shoppers: one per cart id, however many tabs it has open. */
  shoppers: number;
  /** Open tabs per page: every meta counts, so one shopper can be on two pages. */
  pages: Record<string, number>;
  /** Carts holding each item id, from each cart's first meta (its tabs hold the same cart). */
  items: Record<string, number>;
}

/** The label of a tab whose join did not say which page it is on. */
export const NO_PAGE = "(unknown page)";

/**
 * Counts shoppers, tabs per page and carts per item.
 *
 * @example
 * dashboardCounts({ c1: { metas: [{ page: "/", items: [5] }, { page: "/checkout", items: [5] }] } });
 * // { shoppers: 1, pages: { "/": 1, "/checkout": 1 }, items: { "5": 1 } }
 */
export function dashboardCounts(state: CartPresenceState): DashboardCounts {
  const pages: Record<string, number> = {};
  const items: Record<string, number> = {};
  let shoppers = 0;
  for (const key of Object.keys(state)) {
    const metas = state[key]?.metas ?? [];
    if (metas.length === 0) continue;
    shoppers++;
    for (const meta of metas) {
      const page = typeof meta.page === "string" && meta.page !== "" ? meta.page : NO_PAGE;
      pages[page] = (pages[page] ?? 0) + 1;
    }
    const held = Array.isArray(metas[0].items) ? metas[0].items : [];
    for (const id of new Set(held.map(String))) items[id] = (items[id] ?? 0) + 1;
  }
  return { shoppers, pages, items };
}

/** The sum of a count map (e.g. every tab of `pages`). */
export function total(counts: Record<string, number>): number {
  let sum = 0;
  for (const n of Object.values(counts)) sum += n;
  return sum;
}
