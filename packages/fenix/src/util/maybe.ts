/**
 * Handlers may answer synchronously or with a promise. Synchronous answers stay off the
 * microtask queue: a sync channel replies in the same turn, as a bare server would.
 */
export type MaybePromise<T> = T | PromiseLike<T>;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}

/** `fn(value)` now for a plain value, after it settles for a promise; rejections pass through. */
export function andThen<T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? Promise.resolve(value).then(fn) : fn(value);
}
