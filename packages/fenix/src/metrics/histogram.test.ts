// The hand-rolled histogram writes exactly what prom-client's own Histogram writes for the same
// observations, so dashboards built on either read the same series.
import { Histogram, type Metric, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { TwoLabelHistogram } from "./histogram.js";

const buckets = [0.001, 0.01, 0.1, 1];
const observations: [string, string, number][] = [
  ["room:*", "ping", 0.0004],
  ["room:*", "ping", 0.02],
  ["room:*", "new_msg", 0.5],
  ["cart:*", "add_item", 0.001],
  ["cart:*", "add_item", 7],
  ["room:*", 'quote"and\\slash', 0.05],
];

describe("TwoLabelHistogram", () => {
  it("exposes the same text as prom-client's Histogram", async () => {
    const reference = new Registry();
    const theirs = new Histogram({ name: "t_seconds", help: "A test.", labelNames: ["pattern", "event"], buckets, registers: [reference] });
    const mine = new Registry();
    const ours = new TwoLabelHistogram("t_seconds", "A test.", ["pattern", "event"], buckets);
    mine.registerMetric(ours as unknown as Metric);
    for (const [pattern, event, value] of observations) {
      theirs.observe({ pattern, event }, value);
      ours.observe(pattern, event, value);
    }
    const text = await mine.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('t_seconds_bucket{le="0.001",pattern="cart:*",event="add_item"} 1');
    expect(text).toContain('t_seconds_count{pattern="room:*",event="ping"} 2');
    ours.reset();
    expect(await mine.metrics()).not.toContain("t_seconds_bucket");
  });
});
