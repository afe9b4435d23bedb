import { describe, expect, it } from "vitest";
import { decodeStreamId, encodeStreamId, parseTopics } from "./sse.js";

describe("SSE stream ids", () => {
  it("round-trips per-topic positions through one base64url id", () => {
    const id = encodeStreamId(
      new Map([
        ["room:1", "E1:3"],
        ["news", "x-Y_z:10"],
      ]),
    );
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(id, "base64url").toString())).toEqual({ "room:1": "E1:3", news: "x-Y_z:10" });
    expect(decodeStreamId(id, ["room:1", "news", "other"])).toEqual(
      new Map([
        ["room:1", "E1:3"],
        ["news", "x-Y_z:10"],
      ]),
    );
    expect(decodeStreamId(id, ["news"])).toEqual(new Map([["news", "x-Y_z:10"]]));
  });

  it("reads a plain epoch:offset as the position of a single-topic stream only", () => {
    expect(decodeStreamId("E1:3", ["room:1"])).toEqual(new Map([["room:1", "E1:3"]]));
    expect(decodeStreamId("E1:3", ["room:1", "room:2"])).toEqual(new Map());
  });

  it("ignores malformed ids and entries", () => {
    expect(decodeStreamId(undefined, ["a"]).size).toBe(0);
    expect(decodeStreamId("", ["a"]).size).toBe(0);
    expect(decodeStreamId("%%%", ["a"]).size).toBe(0);
    expect(decodeStreamId(Buffer.from("[1]").toString("base64url"), ["a"]).size).toBe(0);
    const bad = Buffer.from(JSON.stringify({ a: "nope", b: 3, c: "E:1", __proto__: "E:2" })).toString("base64url");
    expect(decodeStreamId(bad, ["a", "b", "c", "__proto__", "toString"])).toEqual(new Map([["c", "E:1"]]));
  });
});

describe("parseTopics", () => {
  it("splits on commas, trims, drops empties and duplicates, accepts repeats", () => {
    expect(parseTopics(new URLSearchParams("topics=a,%20b%20,,a&topics=c"))).toEqual(["a", "b", "c"]);
    expect(parseTopics(new URLSearchParams("topics="))).toEqual([]);
    expect(parseTopics(new URLSearchParams(""))).toEqual([]);
  });
});
