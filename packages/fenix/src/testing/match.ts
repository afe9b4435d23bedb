import { isDeepStrictEqual, inspect } from "node:util";

const kMatcher = Symbol("fenix.matcher");

/** A custom expectation; built with `any()`, `partial()` or `like()`. */
export interface Matcher {
  readonly [kMatcher]: true;
  test(actual: unknown): boolean;
  describe(): string;
}

function matcher(test: (actual: unknown) => boolean, describe: () => string): Matcher {
  return { [kMatcher]: true, test, describe };
}

/** Vitest's and Jest's `expect.any(String)`, `expect.objectContaining(...)` work as matchers too. */
interface Asymmetric {
  asymmetricMatch(actual: unknown): boolean;
}

function isAsymmetric(value: unknown): value is Asymmetric {
  return typeof value === "object" && value !== null && typeof (value as Asymmetric).asymmetricMatch === "function";
}

function isMatcher(value: unknown): value is Matcher | Asymmetric {
  return typeof value === "object" && value !== null && (kMatcher in value || isAsymmetric(value));
}

/** Matches anything, like `_` in an Elixir pattern. */
export function any(): Matcher {
  return matcher(
    () => true,
    () => "any()",
  );
}

/** Matches an object that has at least these keys (recursively), like an Elixir map pattern. */
export function partial(expected: Record<string, unknown>): Matcher {
  return matcher(
    (actual) =>
      typeof actual === "object" &&
      actual !== null &&
      Object.entries(expected).every(
        ([k, v]) => Object.hasOwn(actual, k) && matches(isPlainObject(v) ? partial(v) : v, (actual as Record<string, unknown>)[k]),
      ),
    () => `partial(${inspect(expected)})`,
  );
}

/** Matches when the predicate returns true. */
export function like(predicate: (actual: unknown) => boolean, description = "like(predicate)"): Matcher {
  return matcher(predicate, () => description);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isMatcher(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Exact deep equality, except where `expected` holds a matcher (at any depth). */
export function matches(expected: unknown, actual: unknown): boolean {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual);
  if (isMatcher(expected)) return (expected as Matcher).test(actual);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(e, actual[i]));
  }
  if (isPlainObject(expected) && containsMatcher(expected)) {
    if (!isPlainObject(actual)) return false;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => Object.hasOwn(actual, k) && matches(expected[k], actual[k]));
  }
  return isDeepStrictEqual(normalize(expected), normalize(actual));
}

function containsMatcher(value: unknown): boolean {
  if (isMatcher(value)) return true;
  if (Array.isArray(value)) return value.some(containsMatcher);
  return isPlainObject(value) && Object.values(value).some(containsMatcher);
}

/** Uint8Array and Buffer of the same bytes compare equal. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array && !(value instanceof Buffer)) return Buffer.from(value);
  return value;
}

export function describe(expected: unknown): string {
  if (isAsymmetric(expected)) return String(expected);
  return isMatcher(expected) ? (expected as Matcher).describe() : inspect(expected, { depth: 6 });
}
