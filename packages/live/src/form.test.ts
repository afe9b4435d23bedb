import { describe, expect, it } from "vitest";
import { decodeForm } from "./form.js";

describe("decodeForm", () => {
  it("nests bracketed keys like Plug", () => {
    expect(decodeForm("user%5Bname%5D=Ada&user%5Bemail%5D=a%40b.c&user%5B_unused_email%5D=&plain=1")).toEqual({
      user: { name: "Ada", email: "a@b.c", _unused_email: "" },
      plain: "1",
    });
  });

  it("collects [] keys into lists and lets a later value win otherwise", () => {
    expect(decodeForm("tags%5B%5D=a&tags%5B%5D=b&x=1&x=2")).toEqual({ tags: ["a", "b"], x: "2" });
  });
});
