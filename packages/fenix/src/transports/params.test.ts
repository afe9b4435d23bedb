import { describe, expect, it } from "vitest";
import { redactParams } from "../socket/connect.js";
import { parseQuery } from "./params.js";

describe("parseQuery", () => {
  it("parses Plug-style nested params, with list indexes as map keys", () => {
    expect(parseQuery("?token=abc&nested%5Ba%5D=1&k%5B0%5D=x&k%5B1%5D=y&vsn=2.0.0")).toEqual({
      token: "abc",
      nested: { a: "1" },
      k: { "0": "x", "1": "y" },
      vsn: "2.0.0",
    });
  });

  it("keeps the last value of a repeated key, as Plug does", () => {
    expect(parseQuery("vsn=1.0.0&vsn=2.0.0")).toEqual({ vsn: "2.0.0" });
  });

  it("keeps a bracketed vsn an object, so negotiation refuses it", () => {
    expect(parseQuery("vsn[x]=1")).toEqual({ vsn: { x: "1" } });
  });
});

describe("redactParams", () => {
  it("hides token, password and secret values from logs", () => {
    expect(redactParams({ token: "t", user_password: "p", api_secret: "s", user: "u" })).toEqual({
      token: "[FILTERED]",
      user_password: "[FILTERED]",
      api_secret: "[FILTERED]",
      user: "u",
    });
  });
});
