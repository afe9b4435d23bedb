/**
 * Phoenix.Token-compatible signed tokens (Plug.Crypto.sign/verify): tokens
 * signed here verify in Elixir and vice versa, given the same secret_key_base
 * and salt. Tokens are signed, not encrypted: anyone can read the payload.
 */
import { createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { Atom, decodeTerm, encodeTerm, Tuple } from "./etf.js";
import type { TermInput, TermValue } from "./etf.js";

export type TokenError = "invalid" | "expired" | "missing";
export type VerifyResult<T = unknown> = { ok: true; data: T } | { ok: false; error: TokenError };

export interface SignOptions {
  /** Seconds since the epoch (fractions allowed); defaults to now. */
  signedAt?: number;
  /** Seconds; embedded in the token and used when `verify` gets no `maxAge`. Default 86400. */
  maxAge?: number | "infinity";
}

export interface VerifyOptions {
  /** Seconds (fractions allowed). Overrides the max age embedded in the token. */
  maxAge?: number | "infinity";
  /** Current time in ms since the epoch; for tests. */
  now?: number;
}

const DEFAULT_MAX_AGE = 86400;
const MIN_SECRET_LENGTH = 20;
// Plug.Crypto's defaults; changing any of them breaks compatibility with Elixir.
const KEY_ITERATIONS = 1000;
const KEY_LENGTH = 32;
const KEY_DIGEST = "sha256";

// The protected header is base64url("HS256") etc.; it selects only the MAC
// digest, key derivation always uses SHA-256.
const SIGN_HEADER = "SFMyNTY";
const MAC_DIGESTS = new Map([
  ["SFMyNTY", "sha256"],
  ["SFMzODQ", "sha384"],
  ["SFM1MTI", "sha512"],
]);

// PBKDF2 with 1000 rounds costs ~1ms, too much per socket connect, so keys are
// cached like Plug.Crypto.Keys does. The bound matters only for apps that
// derive salts from user input.
const KEY_CACHE_LIMIT = 1000;
const keyCache = new Map<string, Buffer>();

function deriveKey(secretKeyBase: string, salt: string): Buffer {
  const cacheKey = JSON.stringify([secretKeyBase, salt, KEY_ITERATIONS, KEY_LENGTH, KEY_DIGEST]);
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key = pbkdf2Sync(secretKeyBase, salt, KEY_ITERATIONS, KEY_LENGTH, KEY_DIGEST);
    if (keyCache.size >= KEY_CACHE_LIMIT) {
      const oldest = keyCache.keys().next().value;
      if (oldest !== undefined) keyCache.delete(oldest);
    }
    keyCache.set(cacheKey, key);
  }
  return key;
}

function checkSecret(secretKeyBase: string): void {
  if (typeof secretKeyBase !== "string" || secretKeyBase.length < MIN_SECRET_LENGTH) {
    throw new Error(`secretKeyBase must be at least ${MIN_SECRET_LENGTH} characters long (use generateSecret() to create one)`);
  }
}

function mac(digest: string, key: Buffer, text: string): Buffer {
  return createHmac(digest, key).update(text, "utf8").digest();
}

// Node's base64url decoder silently skips junk characters; accepting only the
// canonical encoding keeps a token from having several valid spellings.
function decodeBase64Url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : null;
}

/** Signs `data` (anything `encodeTerm` accepts) into a Phoenix.Token string. */
export function sign(secretKeyBase: string, salt: string, data: unknown, opts: SignOptions = {}): string {
  checkSecret(secretKeyBase);
  const { signedAt, maxAge = DEFAULT_MAX_AGE } = opts;
  if (signedAt !== undefined && !Number.isFinite(signedAt)) throw new TypeError("signedAt must be a finite number");
  if (maxAge !== "infinity" && !Number.isFinite(maxAge)) {
    throw new TypeError('maxAge must be a finite number or "infinity"');
  }
  const signedAtMs = signedAt === undefined ? Date.now() : Math.trunc(signedAt * 1000);
  const embeddedMaxAge = maxAge === "infinity" ? new Atom("infinity") : maxAge;
  const message = encodeTerm(new Tuple<TermInput>([data as TermInput, signedAtMs, embeddedMaxAge]));
  const plainText = `${SIGN_HEADER}.${message.toString("base64url")}`;
  const signature = mac("sha256", deriveKey(secretKeyBase, salt), plainText);
  return `${plainText}.${signature.toString("base64url")}`;
}

/**
 * Verifies a token and returns its data. Never throws for a bad token; throws
 * only for programmer errors (short secret, NaN maxAge). `T` is not checked at
 * runtime: validate the data if the salt is shared with less trusted code.
 */
export function verify<T = unknown>(secretKeyBase: string, salt: string, token: string | null | undefined, opts: VerifyOptions = {}): VerifyResult<T> {
  checkSecret(secretKeyBase);
  const { maxAge, now = Date.now() } = opts;
  if (maxAge !== undefined && maxAge !== "infinity" && typeof maxAge !== "number") {
    throw new TypeError('maxAge must be a number or "infinity"');
  }
  if (Number.isNaN(maxAge)) throw new TypeError("maxAge must not be NaN");
  if (token === null || token === undefined) return { ok: false, error: "missing" };

  const message = verifySignature(deriveKey(secretKeyBase, salt), token);
  if (message === null) return INVALID;
  let term: TermValue;
  try {
    term = decodeTerm(message);
  } catch {
    return INVALID;
  }
  const contents = unpack(term);
  if (contents === null) return INVALID;

  const error = checkAge(contents.signed, maxAge ?? contents.maxAge, now);
  return error === null ? { ok: true, data: contents.data as T } : { ok: false, error };
}

const INVALID: VerifyResult<never> = Object.freeze({ ok: false, error: "invalid" });

function verifySignature(key: Buffer, token: unknown): Buffer | null {
  if (typeof token !== "string") return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const digest = MAC_DIGESTS.get(header);
  if (digest === undefined) return null;
  const given = decodeBase64Url(signature);
  const expected = mac(digest, key, `${header}.${payload}`);
  if (given === null || given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return decodeBase64Url(payload);
}

interface Contents {
  data: TermValue;
  signed: number;
  maxAge: number | "infinity";
}

// Besides the current {data, signed_ms, max_age} tuple, Plug.Crypto still
// accepts the shapes written by Plug.Crypto 1.1 and by early Phoenix.
function unpack(term: TermValue): Contents | null {
  let data: TermValue;
  let signed: TermValue;
  let maxAge: TermValue = DEFAULT_MAX_AGE;
  if (term instanceof Tuple && (term.elements.length === 3 || term.elements.length === 2)) {
    [data, signed] = term.elements as [TermValue, TermValue];
    if (term.elements.length === 3) maxAge = term.elements[2] as TermValue;
  } else if (isMap(term) && Object.hasOwn(term, "data") && Object.hasOwn(term, "signed")) {
    data = term.data as TermValue;
    signed = term.signed as TermValue;
  } else {
    return null;
  }
  if (typeof signed === "bigint") signed = Number(signed);
  if (typeof maxAge === "bigint") maxAge = Number(maxAge);
  if (typeof signed !== "number") return null;
  if (maxAge !== "infinity" && typeof maxAge !== "number") return null;
  return { data, signed, maxAge };
}

function isMap(term: TermValue): term is { [key: string]: TermValue } {
  if (typeof term !== "object" || term === null) return false;
  return !Array.isArray(term) && !(term instanceof Tuple) && !(term instanceof Uint8Array);
}

function checkAge(signed: number, maxAge: number | "infinity", now: number): TokenError | null {
  if (maxAge === "infinity") return null;
  if (maxAge <= 0) return "expired";
  // Plug.Crypto itself accepts tokens from the future; we reject them because a
  // far-future signedAt would otherwise stretch a token's lifetime at will.
  if (signed > now) return "invalid";
  if (signed + Math.trunc(maxAge * 1000) < now) return "expired";
  return null;
}

/** A signer bound to one secret, e.g. `endpoint.tokens.sign("user socket", 1)`. */
export class Tokens {
  // Private so the secret does not show up in logs or util.inspect output.
  readonly #secretKeyBase: string;

  constructor(secretKeyBase: string) {
    checkSecret(secretKeyBase);
    this.#secretKeyBase = secretKeyBase;
  }

  sign(salt: string, data: unknown, opts?: SignOptions): string {
    return sign(this.#secretKeyBase, salt, data, opts);
  }

  verify<T = unknown>(salt: string, token: string | null | undefined, opts?: VerifyOptions): VerifyResult<T> {
    return verify<T>(this.#secretKeyBase, salt, token, opts);
  }
}

/** Random base64 characters, like `mix phx.gen.secret`. */
export function generateSecret(length = 64): string {
  if (!Number.isInteger(length) || length < 32) throw new RangeError("secret length must be an integer >= 32");
  return randomBytes(length).toString("base64").slice(0, length);
}
