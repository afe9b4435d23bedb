import { describe, matches } from "./match.js";
import type { Item } from "./serializer.js";

// Captured at load so waiting keeps working while a test fakes the clock.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetImmediate = globalThis.setImmediate;

/** Lets queued channel work (promise jobs, immediate callbacks) run before looking. */
export function settle(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

type Pattern = { kind: Item["kind"]; [field: string]: unknown };

function fits(pattern: Pattern, item: Item): boolean {
  if (item.kind !== pattern.kind) return false;
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === "kind" || expected === undefined) continue;
    const actual = (item as Record<string, unknown>)[key];
    if (key === "payload" ? !matches(expected, actual) : actual !== expected) return false;
  }
  return true;
}

function show(pattern: Pattern): string {
  return Object.entries(pattern)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${k === "payload" ? describe(v) : JSON.stringify(v)}`)
    .join(", ");
}

/**
 * What channels under test sent, in arrival order — the test process mailbox of ExUnit.
 * Assertions take the first matching item out; everything else stays in order.
 */
export class Mailbox {
  private items: Item[] = [];
  private waiters = new Set<() => void>();

  add(item: Item): void {
    this.items.push(item);
    for (const wake of this.waiters) wake();
  }

  /** The items not yet asserted, oldest first. */
  all(): readonly Item[] {
    return this.items;
  }

  clear(): void {
    this.items = [];
  }

  private removeFirst(predicate: (item: Item) => boolean): Item | undefined {
    const index = this.items.findIndex(predicate);
    if (index === -1) return undefined;
    return this.items.splice(index, 1)[0];
  }

  /** Resolves with the first item that satisfies `predicate`, waiting up to `timeout` ms. */
  async take(predicate: (item: Item) => boolean, timeout: number, what: string): Promise<Item> {
    await settle();
    const found = this.removeFirst(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const check = () => {
        const item = this.removeFirst(predicate);
        if (!item) return;
        done();
        resolve(item);
      };
      const timer = realSetTimeout(() => {
        done();
        reject(new Error(`expected ${what} within ${timeout}ms, but the mailbox has: ${describe(this.items)}`));
      }, timeout);
      const done = () => {
        realClearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  async expect<K extends Item["kind"]>(pattern: Pattern & { kind: K }, timeout: number): Promise<Extract<Item, { kind: K }> & { payload: unknown }> {
    return (await this.take((item) => fits(pattern, item), timeout, `a ${pattern.kind} matching {${show(pattern)}}`)) as Extract<Item, { kind: K }> & {
      payload: unknown;
    };
  }

  async refute(pattern: Pattern, timeout: number): Promise<void> {
    await settle();
    const early = this.items.find((item) => fits(pattern, item));
    if (early) throw new Error(`expected no ${pattern.kind} matching {${show(pattern)}}, got ${describe(early)}`);
    if (timeout <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const item = this.items.find((i) => fits(pattern, i));
        if (!item) return;
        done();
        reject(new Error(`expected no ${pattern.kind} matching {${show(pattern)}} within ${timeout}ms, got ${describe(item)}`));
      };
      const timer = realSetTimeout(() => {
        done();
        resolve();
      }, timeout);
      const done = () => {
        realClearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}
