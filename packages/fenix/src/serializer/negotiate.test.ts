import { describe, expect, it } from "vitest";
import { negotiateSerializer } from "./negotiate.js";
import { V1Serializer } from "./v1.js";
import { V2Serializer } from "./v2.js";

describe("negotiateSerializer", () => {
  it("uses V1 when vsn is absent", () => {
    expect(negotiateSerializer(undefined)).toBe(V1Serializer);
  });

  it.each(["1.0.0", "1.0.9"])("picks V1 for %s (~> 1.0.0)", (vsn) => {
    expect(negotiateSerializer(vsn)).toBe(V1Serializer);
  });

  it.each(["2.0.0", "2.0.5"])("picks V2 for %s (~> 2.0.0)", (vsn) => {
    expect(negotiateSerializer(vsn)).toBe(V2Serializer);
  });

  it.each([
    ["2.1.0", "2.1.0"],
    ["1.1.0", "1.1.0"],
    ["123.1.1", "123.1.1"],
    ["abc", "abc"],
    ["empty string", ""],
    ["2.0", "2.0"],
    ["prerelease 2.0.0-rc.1", "2.0.0-rc.1"],
    ["array", ["2.0.0"]],
    ["object", { x: "1" }],
    ["number", 2],
    ["null", null],
  ])("refuses %s", (_what, vsn) => {
    expect(negotiateSerializer(vsn)).toBeNull();
  });
});
