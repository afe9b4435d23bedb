import { describe, expect, it } from "vitest";
import { DEV_CREDENTIALS, adminCredentials, basicAuthorized } from "./basic_auth.js";

const header = (pair: string) => `Basic ${Buffer.from(pair).toString("base64")}`;

describe("adminCredentials", () => {
  it("configured credentials win, in any environment", () => {
    expect(adminCredentials({ user: "boss", password: "pw" }, true)).toEqual({ user: "boss", password: "pw" });
    expect(adminCredentials({ user: "boss", password: "pw" }, false)).toEqual({ user: "boss", password: "pw" });
  });
  it("without a password: the book's admin/password in development, off in production", () => {
    expect(adminCredentials(undefined, false)).toBe(DEV_CREDENTIALS);
    expect(adminCredentials({ user: "boss", password: "" }, false)).toBe(DEV_CREDENTIALS);
    expect(adminCredentials(undefined, true)).toBeNull();
    expect(adminCredentials({ user: "boss" }, true)).toBeNull();
  });
});

describe("basicAuthorized", () => {
  const creds = { user: "admin", password: "s3cret:with colon" };
  it("accepts exactly the credentials", () => {
    expect(basicAuthorized(header("admin:s3cret:with colon"), creds)).toBe(true);
    expect(basicAuthorized(`basic  ${Buffer.from("admin:s3cret:with colon").toString("base64")}`, creds)).toBe(true);
  });
  it("refuses anything else", () => {
    for (const h of [
      undefined,
      "",
      "Basic",
      "Bearer abc",
      header("admin:s3cret"),
      header("Admin:s3cret:with colon"),
      header("admin:s3cret:with colonX"),
      "Basic !!!",
    ]) {
      expect(basicAuthorized(h, creds), String(h)).toBe(false);
    }
  });
});
