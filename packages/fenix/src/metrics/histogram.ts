/**
 * A Prometheus histogram over exactly two labels, registered in a prom-client `Registry` as a
 * custom metric. prom-client's own `Histogram.observe` builds a label object, validates it and
 * hashes it into a string on every call — 3–4 % of a push→reply round trip in a profile of the
 * bench's rtt scenario. Here an observation is two map lookups and a bucket scan; the exposition
 * (the same lines prom-client writes) is built only when scraped.
 */
interface Series {
  labels: Record<string, string>;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

interface Sample {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

export class TwoLabelHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Map<string, Series>>();
  /** The series in the order they first appeared, as prom-client lists them. */
  private readonly ordered: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string, string],
    private readonly buckets: readonly number[],
  ) {}

  observe(a: string, b: string, value: number): void {
    let inner = this.series.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.series.set(a, inner);
    }
    let s = inner.get(b);
    if (s === undefined) {
      s = { labels: { [this.labelNames[0]]: a, [this.labelNames[1]]: b }, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      inner.set(b, s);
      this.ordered.push(s);
    }
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** What prom-client's registry reads to write the text exposition (and JSON). */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const s of this.ordered) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { le: this.buckets[i] }, sharedLabels: s.labels, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
    this.ordered.length = 0;
  }
}
