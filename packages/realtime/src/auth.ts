import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { JSONWebKeySet, JWTPayload } from "jose";

/** How tokens (the `apikey` and each channel's `access_token`) are verified: a shared secret, a JWKS, or both. */
export interface JwtOptions {
  /** HS256/384/512 secret (Supabase's "JWT secret"). */
  jwtSecret?: string;
  /** A JSON Web Key Set, or the URL of one (fetched and cached by jose), for asymmetric keys. */
  jwks?: JSONWebKeySet | string | URL;
}

/** A verified token's claims: `role` and `exp` are required, as Supabase requires them. */
export type Claims = JWTPayload & { role: string; exp: number; sub?: string };

export type Verified = { ok: true; claims: Claims } | { ok: false; code: string; message: string };

export type Verifier = (token: unknown) => Promise<Verified>;

const HMAC = ["HS256", "HS384", "HS512"];

function refusal(code: string, message: string): Verified {
  return { ok: false, code, message };
}

/**
 * Builds the verifier every token goes through. Refusals carry Supabase's codes and messages
 * (`InvalidJWTToken: Token has expired 3 seconds ago`), which the client shows as is.
 *
 * @example
 * const verify = createVerifier({ jwtSecret: process.env.REALTIME_JWT_SECRET });
 * const result = await verify(apikey); // { ok: true, claims } or { ok: false, code, message }
 */
export function createVerifier(options: JwtOptions): Verifier {
  if (!options.jwtSecret && !options.jwks) throw new Error("realtime: give a jwtSecret or a jwks to verify tokens with");
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;
  const jwks =
    options.jwks === undefined
      ? undefined
      : typeof options.jwks === "string" || options.jwks instanceof URL
        ? createRemoteJWKSet(new URL(options.jwks))
        : createLocalJWKSet(options.jwks);
  return async (token) => {
    if (typeof token !== "string" || token === "") return refusal("MissingAPIKey", "API key is missing or not a valid string");
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return refusal("MalformedJWT", "The token provided is not a valid JWT");
    }
    const hmac = alg !== undefined && HMAC.includes(alg);
    try {
      const { payload } = hmac || jwks === undefined ? await jwtVerify(token, secret ?? new Uint8Array(0), { algorithms: HMAC }) : await jwtVerify(token, jwks);
      if (typeof payload.role !== "string" || typeof payload.exp !== "number") {
        return refusal("InvalidJWTToken", "Fields `role` and `exp` are required in JWT");
      }
      return { ok: true, claims: payload as Claims };
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        const exp = typeof err.payload.exp === "number" ? err.payload.exp : 0;
        return refusal("InvalidJWTToken", `Token has expired ${Math.max(0, Math.floor(Date.now() / 1000) - exp)} seconds ago`);
      }
      if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JOSEAlgNotAllowed) {
        return refusal("JwtSignatureError", "Failed to validate JWT signature");
      }
      if (err instanceof errors.JWTClaimValidationFailed) return refusal("InvalidJWTToken", err.message);
      return refusal("MalformedJWT", "The token provided is not a valid JWT");
    }
  };
}

/** Seconds left before `claims.exp` (negative once past). */
export function secondsLeft(claims: Claims, now = Date.now()): number {
  return claims.exp - now / 1000;
}
