// Latency histogram with 1 % relative precision over 1 µs … ~8 min, small enough to ship over IPC
// and to merge across generator processes (a list of per-sample latencies would not be).

const BASE = 1.01;
const LOG_BASE = Math.log(BASE);
/** 1.01^2700 µs ≈ 8 minutes: anything slower lands in the last bucket. */
export const BUCKETS = 2700;

/** Sparse form for IPC and JSON: [bucket, count] pairs. */
export type SparseHist = Array<[number, number]>;

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;

  record(us: number): void {
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(us) / LOG_BASE));
    this.counts[i]++;
    this.total++;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  sparse(): SparseHist {
    const out: SparseHist = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) out.push([i, this.counts[i]]);
    return out;
  }

  add(sparse: SparseHist): void {
    for (const [i, n] of sparse) {
      this.counts[i] += n;
      this.total += n;
    }
  }

  /** The value at quantile q (0..1) in µs: the geometric middle of its bucket. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return BASE ** (i + 0.5);
    }
    return BASE ** BUCKETS;
  }
}
