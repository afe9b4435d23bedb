/**
 * A connection's topic → channel table. Nearly every connection joins one topic, and an empty
 * `Map` with its hash table costs ~200 B per idle connection, so the first entry lives in two
 * fields and a Map is made only for a second. Iteration keeps insertion order, as a Map's does.
 *
 * @example
 * const table = new TopicTable<number>();
 * table.set("room:lobby", 1);
 * table.get("room:lobby"); // 1
 */
export class TopicTable<V> {
  private firstKey: string | undefined = undefined;
  private firstValue: V | undefined = undefined;
  private rest: Map<string, V> | undefined = undefined;

  get size(): number {
    return (this.firstKey === undefined ? 0 : 1) + (this.rest === undefined ? 0 : this.rest.size);
  }

  get(key: string): V | undefined {
    if (key === this.firstKey) return this.firstValue;
    return this.rest?.get(key);
  }

  has(key: string): boolean {
    return key === this.firstKey || (this.rest?.has(key) ?? false);
  }

  set(key: string, value: V): this {
    if (key === this.firstKey) this.firstValue = value;
    else if (this.firstKey === undefined) {
      this.firstKey = key;
      this.firstValue = value;
    } else (this.rest ??= new Map()).set(key, value);
    return this;
  }

  delete(key: string): boolean {
    if (key !== this.firstKey) return this.rest?.delete(key) ?? false;
    // The oldest of the rest moves up, so the order stays the order of insertion.
    const next = this.rest?.entries().next();
    if (next === undefined || next.done) {
      this.firstKey = undefined;
      this.firstValue = undefined;
    } else {
      [this.firstKey, this.firstValue] = next.value;
      this.rest!.delete(next.value[0]);
    }
    return true;
  }

  *entries(): IterableIterator<[string, V]> {
    if (this.firstKey !== undefined) yield [this.firstKey, this.firstValue as V];
    if (this.rest !== undefined) yield* this.rest.entries();
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }
}
