import { describe, expect, it, vi } from "vitest";
import { compileOriginCheck, parseAllowedOrigin } from "./origin.js";

const req = (host?: string) => ({ headers: host === undefined ? {} : { host } }) as any;

describe("compileOriginCheck(true)", () => {
  it("compares the origin host with the request's own Host header, ignoring scheme and port", () => {
    const check = compileOriginCheck(true);
    expect(check("https://example.com", req("example.com"))).toBe(true);
    expect(check("http://example.com:8080", req("example.com:4000"))).toBe(true);
    expect(check("https://EXAMPLE.com", req("example.COM"))).toBe(true);
    expect(check("https://evil.com", req("example.com"))).toBe(false);
    expect(check("https://sub.example.com", req("example.com"))).toBe(false);
  });

  it("refuses an origin when the request has no Host header", () => {
    expect(compileOriginCheck(true)("https://example.com", req())).toBe(false);
  });

  it("uses an explicit host option instead of the Host header", () => {
    const check = compileOriginCheck(true, "app.example.com");
    expect(check("https://app.example.com", req("internal:4000"))).toBe(true);
    expect(check("https://internal", req("internal:4000"))).toBe(false);
  });

  it("lets requests without an Origin through", () => {
    expect(compileOriginCheck(true)(undefined, req("example.com"))).toBe(true);
    expect(compileOriginCheck(["//example.com"])(undefined, req())).toBe(true);
  });

  it.each(["null", "file://", "", "not a url"])("rejects the host-less origin %j", (origin) => {
    expect(compileOriginCheck(true)(origin, req("example.com"))).toBe(false);
    expect(compileOriginCheck(["//example.com", "https://*.ex.com"])(origin, req("example.com"))).toBe(false);
  });
});

describe("compileOriginCheck(false)", () => {
  it("allows everything, host-less origins included", () => {
    const check = compileOriginCheck(false);
    for (const origin of ["https://evil.com", "null", "file://", "", undefined]) expect(check(origin, req("example.com"))).toBe(true);
  });
});

describe("compileOriginCheck(list) — phoenix-protocol.md §1.6", () => {
  const check = compileOriginCheck(["//example.com", "http://scheme.com", "//port.com:81", "https://*.ex.com"]);
  const allowed = (origin: string) => check(origin, req("server.local"));

  it("//host matches any scheme and port", () => {
    expect(allowed("https://example.com")).toBe(true);
    expect(allowed("http://example.com")).toBe(true);
    expect(allowed("http://example.com:8080")).toBe(true);
    expect(allowed("https://www.example.com")).toBe(false);
    expect(allowed("https://example.org")).toBe(false);
  });

  it("scheme://host requires the scheme and its default port", () => {
    expect(allowed("http://scheme.com")).toBe(true);
    expect(allowed("http://scheme.com:80")).toBe(true);
    expect(allowed("https://scheme.com")).toBe(false);
    expect(allowed("http://scheme.com:8080")).toBe(false);
  });

  it("//host:port requires that port, any scheme", () => {
    expect(allowed("http://port.com:81")).toBe(true);
    expect(allowed("https://port.com:81")).toBe(true);
    expect(allowed("http://port.com")).toBe(false);
    expect(allowed("http://port.com:82")).toBe(false);
  });

  it("*.host matches the host itself and its subdomains, not a lookalike prefix", () => {
    expect(allowed("https://ex.com")).toBe(true);
    expect(allowed("https://a.ex.com")).toBe(true);
    expect(allowed("https://a.b.ex.com")).toBe(true);
    expect(allowed("https://prefix-ex.com")).toBe(false);
    expect(allowed("http://a.ex.com")).toBe(false);
    expect(allowed("https://a.ex.com:8443")).toBe(false);
  });

  it("is case-insensitive for hosts and schemes", () => {
    expect(compileOriginCheck(["HTTPS://Example.COM"])("https://example.com", req())).toBe(true);
  });

  it("parses entries into scheme, host and port", () => {
    expect(parseAllowedOrigin("//example.com")).toEqual({ scheme: null, host: "example.com", port: null });
    expect(parseAllowedOrigin("http://scheme.com")).toEqual({ scheme: "http", host: "scheme.com", port: 80 });
    expect(parseAllowedOrigin("https://*.ex.com")).toEqual({ scheme: "https", host: "*.ex.com", port: 443 });
    expect(parseAllowedOrigin("//port.com:81")).toEqual({ scheme: null, host: "port.com", port: 81 });
    expect(() => parseAllowedOrigin("example.com")).toThrow(/invalid checkOrigin entry/);
    expect(() => compileOriginCheck(["example.com"])).toThrow(/invalid checkOrigin entry/);
  });
});

describe("compileOriginCheck(function)", () => {
  it("passes the parsed origin and the request to the function", () => {
    const fn = vi.fn((url: URL) => url.hostname === "good.com");
    const check = compileOriginCheck(fn);
    const r = req("server");
    expect(check("https://good.com:444", r)).toBe(true);
    expect(fn).toHaveBeenCalledWith(expect.any(URL), r);
    expect((fn.mock.calls[0][0] as URL).port).toBe("444");
    expect(check("https://bad.com", r)).toBe(false);
  });

  it("is not called without an Origin header", () => {
    const fn = vi.fn(() => false);
    expect(compileOriginCheck(fn)(undefined, req())).toBe(true);
    expect(fn).not.toHaveBeenCalled();
  });

  it("decides host-less origins itself (file://)", () => {
    expect(compileOriginCheck(() => true)("file://", req())).toBe(true);
    expect(compileOriginCheck(() => false)("file://", req())).toBe(false);
  });

  it('decides the opaque origin "null" itself (Phoenix applies the MFA to a nil-host URI)', () => {
    const fn = vi.fn(() => true);
    expect(compileOriginCheck(fn)("null", req())).toBe(true);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
