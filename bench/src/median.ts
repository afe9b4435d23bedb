// `--repeat=N`: every figure is measured N times (in interleaved rounds) and reported as the
// median, with the spread of the figures the goals rest on. Single runs on this 2-core VM moved by
// up to ±10 % (and a fixed-rate p99 by more), enough to flip a ratio that sits near its target.

/** [min, max] per field, for the fields a report shows with their spread. */
export type Spread = Record<string, [number, number]>;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Field-wise median of rows that share a shape: numbers (also nested ones) by median, others from `pick`. */
function medianRow(rows: Record<string, unknown>[], pick: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pick)) {
    const all = rows.map((r) => r[key]);
    if (typeof value === "number") {
      const nums = all.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      out[key] = nums.length ? median(nums) : value;
    } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      out[key] = medianRow(all as Record<string, unknown>[], value as Record<string, unknown>);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Groups rows by `key`, and returns one row per group: field-wise medians, `limit` (and other
 * non-numbers) from the round whose `main` figure is the median, `runs`, and `spread` of `shown`.
 */
export function aggregate<T extends object>(rows: T[], key: (row: T) => string, main: keyof T, shown: (keyof T)[]): T[] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const sorted = [...group].sort((a, b) => Number(a[main]) - Number(b[main]));
    const pick = sorted[Math.floor((sorted.length - 1) / 2)];
    const row = medianRow(group as Record<string, unknown>[], pick as Record<string, unknown>);
    const spread: Spread = {};
    for (const field of shown) {
      const nums = group.map((r) => Number(r[field])).filter(Number.isFinite);
      if (nums.length) spread[String(field)] = [Math.min(...nums), Math.max(...nums)];
    }
    return { ...row, runs: group.length, spread } as T;
  });
}
