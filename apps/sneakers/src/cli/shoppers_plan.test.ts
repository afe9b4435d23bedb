import { describe, expect, it } from "vitest";
import { UsageError, parseShoppersArgs, planShopper, randomCartId, shopperSocketUrl } from "./shoppers_plan.js";

describe("parseShoppersArgs", () => {
  it("defaults to the book's 10 chunks of 100, 100 ms apart, pages 1..4, items 1..26, held until Ctrl-C", () => {
    expect(parseShoppersArgs(["--url", "ws://localhost:4000"])).toEqual({
      url: "ws://localhost:4000/product_socket",
      chunks: 10,
      perChunk: 100,
      intervalMs: 100,
      holdS: undefined,
      pages: 4,
      maxItemId: 26,
      reconnectMs: 10_000,
      connectTimeoutMs: 100_000,
    });
  });

  it("reads --chunks, --hold-s and the others", () => {
    const o = parseShoppersArgs([
      "--url",
      "http://h:1",
      "--chunks",
      "50",
      "--hold-s",
      "3",
      "--interval-ms",
      "0",
      "--max-item",
      "13",
      "--pages",
      "2",
      "--reconnect-ms",
      "500",
    ]);
    expect(o).toMatchObject({ url: "ws://h:1/product_socket", chunks: 50, holdS: 3, intervalMs: 0, maxItemId: 13, pages: 2, reconnectMs: 500 });
  });

  it("refuses what it cannot run, with the reason", () => {
    expect(() => parseShoppersArgs([])).toThrow(/needs --url/);
    expect(() => parseShoppersArgs(["--url", "ws://h", "--chunks", "51"])).toThrow(/--chunks must be a whole number from 1 to 50/);
    expect(() => parseShoppersArgs(["--url", "ws://h", "--chunks", "0"])).toThrow(UsageError);
    expect(() => parseShoppersArgs(["--url", "ws://h", "--hold-s", "x"])).toThrow(/--hold-s/);
    expect(() => parseShoppersArgs(["--url", "ftp://h"])).toThrow(/ws:\/\//);
    expect(() => parseShoppersArgs(["--url", "ws://h", "--bogus"])).toThrow(UsageError);
  });
});

describe("shopperSocketUrl", () => {
  it("keeps an explicit path and drops phoenix.js's /websocket suffix", () => {
    expect(shopperSocketUrl("wss://shop.example/product_socket/websocket")).toBe("wss://shop.example/product_socket");
    expect(shopperSocketUrl("https://shop.example/")).toBe("wss://shop.example/product_socket");
  });
});

describe("planShopper", () => {
  it("picks a unique 64-char cart, a /bench/1..N page and an item in 1..max", () => {
    expect(planShopper({ pages: 4, maxItemId: 26 }, () => 0, "c")).toEqual({ cartId: "c", page: "/bench/1", itemId: 1 });
    expect(planShopper({ pages: 4, maxItemId: 26 }, () => 0.999999, "c")).toEqual({ cartId: "c", page: "/bench/4", itemId: 26 });
    const ids = new Set(Array.from({ length: 200 }, () => randomCartId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });
});
