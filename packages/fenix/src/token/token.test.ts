import { createHmac, pbkdf2Sync } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Atom, encodeTerm, Tuple } from "./etf.js";
import type { TermInput } from "./etf.js";
import { generateSecret, sign, Tokens, verify } from "./token.js";

// Vectors produced by Phoenix.Token on Erlang/OTP 25.
const SECRET = "abcdefgh".repeat(8);
const SALT = "user socket";
const SIGNED_AT = 1_700_000_000;
const KEY_HEX = "d3f12b5b79f2122342c5c52cb5d451bb588e5c5af0a7c73cf6a90cc45b397d80";
const VECTORS: [unknown, string][] = [
  [123, "SFMyNTY.g2gDYXtuBgAAaOXPiwFiAAFRgA.akT1JTkGLCIVyucXt11A2ibVOfv3uY5Feo-IMasUnyg"],
  ["user:42", "SFMyNTY.g2gDbQAAAAd1c2VyOjQybgYAAGjlz4sBYgABUYA.WmSMerRggmj2qSPGLa6lPsfc52fbn49MjIm13KtAchE"],
  [{ id: 7 }, "SFMyNTY.g2gDdAAAAAFtAAAAAmlkYQduBgAAaOXPiwFiAAFRgA.DlqL57WT1TeTG5HfwhqxNc5_lEoFHKVIMGbpjGSVxgU"],
];
const SIGNED_MS = SIGNED_AT * 1000;

const nowSeconds = () => Date.now() / 1000;

/** Signs an arbitrary message the way Plug.Crypto.MessageVerifier does, for shapes `sign` never writes. */
function signMessage(term: TermInput, header = "SFMyNTY", digest = "sha256"): string {
  const key = pbkdf2Sync(SECRET, SALT, 1000, 32, "sha256");
  const plain = `${header}.${encodeTerm(term).toString("base64url")}`;
  return `${plain}.${createHmac(digest, key).update(plain).digest("base64url")}`;
}

function flipChar(token: string, index: number): string {
  const c = token[index] === "A" ? "B" : "A";
  return token.slice(0, index) + c + token.slice(index + 1);
}

describe("compatibility with Phoenix.Token", () => {
  it("derives the key with PBKDF2-SHA256 and signs with it", () => {
    expect(pbkdf2Sync(SECRET, SALT, 1000, 32, "sha256").toString("hex")).toBe(KEY_HEX);
    const token = sign(SECRET, SALT, 123, { signedAt: SIGNED_AT });
    const [header, payload, signature] = token.split(".");
    const mac = createHmac("sha256", Buffer.from(KEY_HEX, "hex")).update(`${header}.${payload}`).digest("base64url");
    expect(signature).toBe(mac);
    expect(Buffer.from(payload as string, "base64url").toString("hex")).toBe("836803617b6e06000068e5cf8b016200015180");
  });

  for (const [data, expected] of VECTORS) {
    it(`signs ${JSON.stringify(data)} byte for byte like Elixir`, () => {
      expect(sign(SECRET, SALT, data, { signedAt: SIGNED_AT })).toBe(expected);
    });

    it(`verifies the Elixir token for ${JSON.stringify(data)}`, () => {
      expect(verify(SECRET, SALT, expected, { maxAge: "infinity" })).toEqual({ ok: true, data });
      expect(verify(SECRET, SALT, expected, { now: SIGNED_MS + 1000 })).toEqual({ ok: true, data });
      expect(verify(SECRET, SALT, expected, { now: SIGNED_MS + 86_400_001 })).toEqual({ ok: false, error: "expired" });
    });
  }

  it("accepts the HS384 and HS512 protected headers", () => {
    const term = new Tuple<TermInput>(["x", SIGNED_MS, 86400]);
    for (const [header, digest] of [
      ["SFMzODQ", "sha384"],
      ["SFM1MTI", "sha512"],
    ] as const) {
      const token = signMessage(term, header, digest);
      expect(verify(SECRET, SALT, token, { now: SIGNED_MS })).toEqual({ ok: true, data: "x" });
      // The header picks the MAC; a mismatched one must not verify.
      expect(verify(SECRET, SALT, signMessage(term, header, "sha256"), { now: SIGNED_MS }).ok).toBe(false);
    }
  });

  it("accepts the legacy %{data: _, signed: _} map and {data, signed} tuple", () => {
    const signed = Date.now() - 1000;
    const map = new Map<TermInput, TermInput>([
      [new Atom("data"), 1],
      [new Atom("signed"), signed],
    ]);
    expect(verify(SECRET, SALT, signMessage(map))).toEqual({ ok: true, data: 1 });
    expect(verify(SECRET, SALT, signMessage(new Tuple<TermInput>(["two", signed])))).toEqual({ ok: true, data: "two" });
    // Legacy tokens carry no max age, so the 1-day default applies.
    const expired = verify(SECRET, SALT, signMessage(map), { now: signed + 86_400_001 });
    expect(expired).toEqual({ ok: false, error: "expired" });
  });

  it("honours max age embedded in the token, including :infinity", () => {
    const short = sign(SECRET, SALT, 1, { signedAt: SIGNED_AT, maxAge: 10 });
    expect(verify(SECRET, SALT, short, { now: SIGNED_MS + 10_000 }).ok).toBe(true);
    expect(verify(SECRET, SALT, short, { now: SIGNED_MS + 10_001 })).toEqual({ ok: false, error: "expired" });
    const forever = sign(SECRET, SALT, 1, { signedAt: 0, maxAge: "infinity" });
    expect(verify(SECRET, SALT, forever)).toEqual({ ok: true, data: 1 });
  });
});

describe("verify", () => {
  const fresh = () => sign(SECRET, SALT, { user_id: 42 });

  it("reports missing tokens", () => {
    expect(verify(SECRET, SALT, null)).toEqual({ ok: false, error: "missing" });
    expect(verify(SECRET, SALT, undefined)).toEqual({ ok: false, error: "missing" });
  });

  it("rejects garbage, the wrong salt and the wrong secret", () => {
    for (const token of ["garbage", "", "a.b.c", "SFMyNTY..", "SFMyNTY.e30.e30.e30", `${fresh()}.`]) {
      expect(verify(SECRET, SALT, token)).toEqual({ ok: false, error: "invalid" });
    }
    expect(verify(SECRET, "other salt", fresh())).toEqual({ ok: false, error: "invalid" });
    expect(verify("z".repeat(64), SALT, fresh())).toEqual({ ok: false, error: "invalid" });
  });

  it("rejects any single flipped character", () => {
    const token = fresh();
    for (let i = 0; i < token.length; i++) {
      if (token[i] === ".") continue;
      expect(verify(SECRET, SALT, flipChar(token, i))).toEqual({ ok: false, error: "invalid" });
    }
  });

  it("rejects a correctly signed payload that is not a valid term", () => {
    const key = pbkdf2Sync(SECRET, SALT, 1000, 32, "sha256");
    const payloads = [Buffer.from([131, 108, 255, 255, 255, 255]), Buffer.from("not etf"), encodeTerm([1, 2, 3])];
    for (const payload of payloads) {
      const plain = `SFMyNTY.${payload.toString("base64url")}`;
      const token = `${plain}.${createHmac("sha256", key).update(plain).digest("base64url")}`;
      expect(verify(SECRET, SALT, token)).toEqual({ ok: false, error: "invalid" });
    }
  });

  it("treats maxAge 0 or negative as expired", () => {
    expect(verify(SECRET, SALT, fresh(), { maxAge: 0 })).toEqual({ ok: false, error: "expired" });
    expect(verify(SECRET, SALT, fresh(), { maxAge: -5 })).toEqual({ ok: false, error: "expired" });
  });

  it("accepts a fresh token", () => {
    expect(verify(SECRET, SALT, fresh(), { maxAge: 1000 })).toEqual({ ok: true, data: { user_id: 42 } });
  });

  it("checks age against maxAge to the second", () => {
    const token = sign(SECRET, SALT, "old", { signedAt: nowSeconds() - 86400 });
    expect(verify(SECRET, SALT, token, { maxAge: 86401 }).ok).toBe(true);
    expect(verify(SECRET, SALT, token, { maxAge: 86399 })).toEqual({ ok: false, error: "expired" });
    expect(verify(SECRET, SALT, token, { maxAge: "infinity" }).ok).toBe(true);
  });

  it("supports fractional max ages", () => {
    const token = sign(SECRET, SALT, 1, { signedAt: SIGNED_AT });
    expect(verify(SECRET, SALT, token, { maxAge: 0.1, now: SIGNED_MS + 100 }).ok).toBe(true);
    expect(verify(SECRET, SALT, token, { maxAge: 0.1, now: SIGNED_MS + 101 })).toEqual({ ok: false, error: "expired" });
  });

  it("rejects tokens signed in the future", () => {
    const token = sign(SECRET, SALT, 1, { signedAt: nowSeconds() + 3600 });
    expect(verify(SECRET, SALT, token)).toEqual({ ok: false, error: "invalid" });
  });

  it("throws on a NaN maxAge rather than accepting everything", () => {
    expect(() => verify(SECRET, SALT, fresh(), { maxAge: Number.NaN })).toThrow(TypeError);
  });
});

describe("sign", () => {
  it("uses the HS256 header", () => {
    expect(sign(SECRET, SALT, 1).split(".")[0]).toBe("SFMyNTY");
  });

  it("produces different tokens at different milliseconds", () => {
    const a = sign(SECRET, SALT, "same", { signedAt: SIGNED_AT });
    const b = sign(SECRET, SALT, "same", { signedAt: SIGNED_AT + 0.001 });
    expect(a).not.toBe(b);
    expect(verify(SECRET, SALT, a, { maxAge: "infinity" })).toEqual(verify(SECRET, SALT, b, { maxAge: "infinity" }));
  });

  it("round-trips nested data", () => {
    const data = { user: { id: 1, roles: ["admin", "dev"], name: "Zoë" }, flags: [true, false, null], score: 0.5 };
    expect(verify(SECRET, SALT, sign(SECRET, SALT, data))).toEqual({ ok: true, data });
  });

  it("refuses short secrets and unencodable data", () => {
    expect(() => sign("too short", SALT, 1)).toThrow(/at least 20 characters/);
    expect(() => new Tokens("x".repeat(19))).toThrow(/at least 20 characters/);
    expect(() => sign(SECRET, SALT, Symbol("nope"))).toThrow();
    expect(() => sign(SECRET, SALT, 1, { signedAt: Number.NaN })).toThrow(TypeError);
  });
});

describe("Tokens", () => {
  it("signs and verifies with a bound secret", () => {
    const tokens = new Tokens(SECRET);
    expect(tokens.sign(SALT, 123, { signedAt: SIGNED_AT })).toBe(VECTORS[0]?.[1]);
    const result = tokens.verify<{ id: number }>(SALT, tokens.sign(SALT, { id: 9 }));
    expect(result.ok && result.data.id).toBe(9);
    expect(tokens.verify("other", tokens.sign(SALT, 1))).toEqual({ ok: false, error: "invalid" });
  });

  it("keeps the secret out of inspection output", () => {
    expect(JSON.stringify(new Tokens(SECRET))).not.toContain(SECRET);
    expect(inspect(new Tokens(SECRET), { showHidden: true })).not.toContain(SECRET);
  });
});

describe("generateSecret", () => {
  it("returns random base64 characters of the requested length", () => {
    const a = generateSecret();
    expect(a).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(generateSecret()).not.toBe(a);
    expect(generateSecret(40)).toHaveLength(40);
    expect(() => new Tokens(generateSecret())).not.toThrow();
    expect(() => generateSecret(8)).toThrow(RangeError);
  });
});
