import { describe, expect, it } from "vitest";
import { any, describe as describeExpected, like, matches, partial } from "./match.js";

describe("matches (exact by default)", () => {
  it("compares plain values by exact deep equality", () => {
    expect(matches({ ping: "pong" }, { ping: "pong" })).toBe(true);
    expect(matches({ ping: "pong" }, { ping: "pong", extra: true })).toBe(false);
    expect(matches({ ping: "pong", extra: true }, { ping: "pong" })).toBe(false);
    expect(matches({ n: 1 }, { n: "1" })).toBe(false);
    expect(matches([1, 2], [1, 2])).toBe(true);
    expect(matches([1, 2], [2, 1])).toBe(false);
    expect(matches({ a: { b: [1, { c: null }] } }, { a: { b: [1, { c: null }] } })).toBe(true);
    expect(matches(null, undefined)).toBe(false);
  });

  it("treats a Uint8Array and a Buffer with the same bytes as equal", () => {
    expect(matches(new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(matches(Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(matches(new Uint8Array([1, 2]), Buffer.from([1, 2, 3]))).toBe(false);
  });

  it("honours a matcher nested at the top level of an expected object, as its doc says", () => {
    // match.ts: "Exact deep equality unless `expected` is (or contains at top level) a matcher."
    expect(matches({ id: any(), name: "x" }, { id: 5, name: "x" })).toBe(true);
  });
});

describe("any()", () => {
  it("matches anything, including undefined and null", () => {
    for (const value of [undefined, null, 0, "", {}, [], { deep: { x: 1 } }]) expect(matches(any(), value)).toBe(true);
    expect(any().describe()).toBe("any()");
  });
});

describe("partial()", () => {
  it("requires only the given keys", () => {
    expect(matches(partial({ ping: "pong" }), { ping: "pong", extra: true })).toBe(true);
    expect(matches(partial({ ping: "pong" }), { ping: "pang", extra: true })).toBe(false);
    expect(matches(partial({ ping: "pong" }), { extra: true })).toBe(false);
    expect(matches(partial({}), {})).toBe(true);
  });

  it("recurses into nested plain objects, but compares arrays exactly", () => {
    expect(matches(partial({ user: { id: 1 } }), { user: { id: 1, name: "a" }, at: 3 })).toBe(true);
    expect(matches(partial({ user: { id: 1 } }), { user: { id: 2 } })).toBe(false);
    expect(matches(partial({ tags: [1] }), { tags: [1, 2] })).toBe(false);
    expect(matches(partial({ tags: [1, 2] }), { tags: [1, 2] })).toBe(true);
  });

  it("accepts matchers as values", () => {
    expect(matches(partial({ id: any(), body: "hi" }), { id: 42, body: "hi", x: 0 })).toBe(true);
    expect(matches(partial({ n: like((v) => typeof v === "number" && v > 1) }), { n: 2 })).toBe(true);
    expect(matches(partial({ n: like((v) => typeof v === "number" && v > 1) }), { n: 0 })).toBe(false);
  });

  it("rejects non-objects and missing keys even when the expected value is undefined", () => {
    expect(matches(partial({ a: 1 }), null)).toBe(false);
    expect(matches(partial({ a: 1 }), "a")).toBe(false);
    expect(matches(partial({ a: undefined }), {})).toBe(false);
  });

  it("describes itself", () => {
    expect(partial({ a: 1 }).describe()).toBe("partial({ a: 1 })");
  });
});

describe("like()", () => {
  it("matches when the predicate returns true", () => {
    const isEven = like((v) => typeof v === "number" && v % 2 === 0, "an even number");
    expect(matches(isEven, 4)).toBe(true);
    expect(matches(isEven, 3)).toBe(false);
    expect(isEven.describe()).toBe("an even number");
    expect(like(() => true).describe()).toBe("like(predicate)");
  });
});

describe("describe", () => {
  it("renders matchers by their description and values with inspect", () => {
    expect(describeExpected(any())).toBe("any()");
    expect(describeExpected({ a: 1 })).toBe("{ a: 1 }");
  });
});
