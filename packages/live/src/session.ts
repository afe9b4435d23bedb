import type { Tokens } from "fenix";
import { decodeForm } from "./form.js";
import type { Params } from "./form.js";

/** What the signed `data-phx-session` token carries. */
export interface SessionToken {
  v: 1;
  /** The container id: the channel topic is `lv:<id>`. */
  id: string;
  /** The view's name, for views rendered by a controller at a path that is not a live route. */
  view: string;
  session: Record<string, unknown>;
  /** The nonce the page's CSRF token signs. */
  csrf: string;
}

export const SESSION_SALT = "fenix live session";
export const STATIC_SALT = "fenix live static";
export const CSRF_SALT = "fenix live csrf";
export const FLASH_SALT = "fenix live flash";
/** Phoenix LiveView's session max age: 14 days. */
export const SESSION_MAX_AGE = 1_209_600;
const FLASH_MAX_AGE = 60;

/** Why a join is refused, in the reasons the official client understands (both make it reload the page). */
export type SessionError = "unauthorized" | "stale";

export function verifySession(tokens: Tokens, token: unknown, maxAge = SESSION_MAX_AGE): SessionToken | SessionError {
  const result = tokens.verify(SESSION_SALT, typeof token === "string" ? token : null, { maxAge });
  if (!result.ok) return result.error === "expired" ? "stale" : "unauthorized";
  const data = result.data as Partial<SessionToken> | null;
  if (data?.v !== 1 || typeof data.id !== "string" || typeof data.view !== "string") return "unauthorized";
  return data as SessionToken;
}

export function signFlash(tokens: Tokens, flash: Record<string, string>): string | undefined {
  return Object.keys(flash).length === 0 ? undefined : tokens.sign(FLASH_SALT, flash, { maxAge: FLASH_MAX_AGE });
}

export function verifyFlash(tokens: Tokens, token: unknown): Record<string, string> {
  if (typeof token !== "string") return {};
  const result = tokens.verify(FLASH_SALT, token, { maxAge: FLASH_MAX_AGE });
  return result.ok && typeof result.data === "object" && result.data !== null ? (result.data as Record<string, string>) : {};
}

/** Query parameters of a URL, decoded like a form. */
export function queryParams(url: URL): Params {
  return decodeForm(url.searchParams);
}
