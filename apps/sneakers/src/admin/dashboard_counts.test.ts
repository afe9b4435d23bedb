import { describe, expect, it } from "vitest";
import { NO_PAGE, dashboardCounts, total } from "./dashboard_counts.js";

describe("dashboardCounts", () => {
  it("is all zero for no carts", () => {
    expect(dashboardCounts({})).toEqual({ shoppers: 0, pages: {}, items: {} });
  });

  it("counts keys as shoppers, every meta per page, and items of the first meta once per cart", () => {
    const counts = dashboardCounts({
      cartA: {
        metas: [
          { page: "/", items: [5, 1] },
          { page: "/checkout", items: [5, 1] },
        ],
      },
      cartB: { metas: [{ page: "/", items: [5] }] },
      cartC: { metas: [{ page: null, items: [] }] },
    });
    expect(counts).toEqual({ shoppers: 3, pages: { "/": 2, "/checkout": 1, [NO_PAGE]: 1 }, items: { "5": 2, "1": 1 } });
    expect(total(counts.pages)).toBe(4);
    expect(total(counts.items)).toBe(3);
  });

  it("uses only the first meta's items (tabs of one cart hold the same cart) and ignores junk", () => {
    const counts = dashboardCounts({
      a: {
        metas: [
          { page: "/", items: [2, 2] },
          { page: "/", items: [3] },
        ],
      },
      empty: { metas: [] },
      junk: { metas: [{ page: 7, items: "nope" }] },
    });
    expect(counts.shoppers).toBe(2);
    expect(counts.items).toEqual({ "2": 1 });
    expect(counts.pages).toEqual({ "/": 2, [NO_PAGE]: 1 });
  });
});
