// HTTP Basic Auth for the admin pages, as plain functions: which credentials apply, and whether a
// request's Authorization header carries them.
import { timingSafeEqual } from "node:crypto";

export interface AdminCredentials {
  user: string;
  password: string;
}

/** The book's development login (`admin` / `password`), used only outside production. */
export const DEV_CREDENTIALS: AdminCredentials = { user: "admin", password: "password" };

/**
 * The credentials `/admin` checks, or null when the dashboard is off: configured ones win; in
 * development the book's default applies; in production without a password there is no dashboard.
 *
 * @example
 * adminCredentials(undefined, false); // { user: "admin", password: "password" }
 * adminCredentials(undefined, true);  // null → GET /admin answers 404
 */
export function adminCredentials(configured: Partial<AdminCredentials> | undefined, production: boolean): AdminCredentials | null {
  if (configured?.user && configured.password) return { user: configured.user, password: configured.password };
  return production ? null : DEV_CREDENTIALS;
}

/**
 * Whether `header` (a request's `Authorization`) is `Basic` with exactly these credentials. The
 * comparison takes the same time wherever the first difference is.
 *
 * @example
 * basicAuthorized(`Basic ${btoa("admin:password")}`, DEV_CREDENTIALS); // true
 */
export function basicAuthorized(header: string | undefined, credentials: AdminCredentials): boolean {
  const expected = Buffer.from(`${credentials.user}:${credentials.password}`);
  const match = /^Basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i.exec(header ?? "");
  const given = match ? Buffer.from(match[1], "base64") : Buffer.alloc(0);
  // timingSafeEqual needs equal lengths; compare against ourselves so a wrong length costs the same.
  const same = given.length === expected.length;
  return timingSafeEqual(same ? given : expected, expected) && same;
}
