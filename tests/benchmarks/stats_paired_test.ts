import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import fc from "fast-check";
import { logRatios, medianInterval } from "../../benchmarks/stats/paired.ts";
import { mannWhitneyGreater } from "../../benchmarks/stats/mann_whitney.ts";
import { checkTiming, measurePaired, timingSettings } from "../../benchmarks/runner/paired.ts";
import { validateSpec } from "../../benchmarks/spec/spec.ts";
import { median, quantile, quantileSorted } from "../../algorithms/metrics/quantile.ts";
import { rocAuc } from "../../algorithms/metrics/auc.ts";

Deno.test("sign-test interval of the median: textbook order statistics and coverage", () => {
  const x = Array.from({ length: 10 }, (_, i) => 10 - i); // any order
  const ci = medianInterval(x, 0.95);
  // n = 10: [x(2), x(9)], coverage 1 − 2·11/1024.
  assertEquals([ci.low, ci.high, ci.median], [2, 9, 5.5]);
  assertAlmostEquals(ci.coverage, 1 - 22 / 1024, 1e-12);
  // n = 20 at 95 %: [x(6), x(15)] (binomial tables), coverage 0.9586.
  const y = Array.from({ length: 20 }, (_, i) => i + 1);
  const c20 = medianInterval(y, 0.95);
  assertEquals([c20.low, c20.high], [6, 15]);
  assertAlmostEquals(c20.coverage, 0.9586, 1e-4);
  // Too few values for the level: the range, with the smaller coverage said.
  const c4 = medianInterval([1, 2, 3, 4], 0.95);
  assertEquals([c4.low, c4.high, c4.coverage], [1, 4, 1 - 2 / 16]);
  assert(Number.isNaN(medianInterval([]).median));
});

Deno.test("property: the interval holds the median, and covers the true median at its stated rate", () => {
  fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1 }), (xs) => {
    const ci = medianInterval(xs);
    return ci.low <= ci.median && ci.median <= ci.high;
  }));
  // Uniform(0, 1) samples of 15: the true median 0.5 falls inside ≥ 95% of the time (seeded LCG).
  let s = 12345, hits = 0;
  const u = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let t = 0; t < 2000; t++) {
    const ci = medianInterval(Array.from({ length: 15 }, u));
    if (ci.low <= 0.5 && 0.5 <= ci.high) hits++;
  }
  assert(hits / 2000 > 0.94, String(hits));
});

Deno.test("logRatios skips non-positive and non-finite pairs", () => {
  assertEquals(logRatios([2, 0, 3, Infinity], [1, 1, -1, 1]), [Math.log(2)]);
});

Deno.test("one quantile definition: numpy's linear interpolation, NaN or a RangeError when empty", () => {
  assertEquals(quantile([3, 1, 2, 4], 0.5), 2.5);
  assertAlmostEquals(quantile([10, 20], 0.9), 19, 1e-12);
  assertEquals(quantileSorted([1, 2, 3, 4, 5], 0.99), 4.96);
  assert(Number.isNaN(quantileSorted([], 0.5)));
  assertThrows(() => median([]), RangeError);
  assertThrows(() => quantile([1], -0.1), RangeError);
});

Deno.test("property: ROC AUC equals the Mann–Whitney U statistic over m·n", () => {
  const small = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 12 });
  fc.assert(fc.property(small, small, (pos, neg) => {
    const u = mannWhitneyGreater(pos, neg).u;
    return Math.abs(rocAuc(pos, neg) - u / (pos.length * neg.length)) < 1e-12;
  }));
  assert(Number.isNaN(rocAuc([], [1])));
});

Deno.test("paired measurement: A B … A, ratios over the bracketing references, adaptive stop", async () => {
  let calls = 0;
  const work = () => {
    let s = 0;
    for (let i = 0; i < 20000; i++) s += Math.sqrt(i);
    calls++;
    return Promise.resolve(s);
  };
  const settings = timingSettings({ reference: { n: 40, dim: 16, rounds: 1 }, min_pairs: 6, max_pairs: 50 });
  // A target this loose (unvalidated here) is met as soon as the interval reaches 95% coverage (6 pairs).
  const loose = await measurePaired(work, { ...settings, target_ci: 100 });
  const t = loose.timings;
  assertEquals([t.wall_s.length, t.ref_wall_s.length, t.stopped], [6, 7, "target"]);
  assertAlmostEquals(t.ratio_cpu[2]!, t.cpu_s[2]! / Math.sqrt(t.ref_cpu_s[2]! * t.ref_cpu_s[3]!), 1e-12);
  assertAlmostEquals(t.ratio_wall[0]!, t.wall_s[0]! / Math.sqrt(t.ref_wall_s[0]! * t.ref_wall_s[1]!), 1e-12);
  assert(calls >= 6 + 2); // warm-up pairs run the candidate too
  const capped = await measurePaired(work, { ...settings, target_ci: 1e-9, max_pairs: 8 });
  assertEquals([capped.timings.wall_s.length, capped.timings.stopped], [8, "max_pairs"]);
  const budget = await measurePaired(work, { ...settings, target_ci: 1e-9, budget_s: 1e-6 });
  assertEquals([budget.timings.wall_s.length, budget.timings.stopped], [6, "budget"]);
});

Deno.test("a spec's timing is validated with its path", () => {
  assertEquals(checkTiming({ min_pairs: 5, max_pairs: 2 }), ["max_pairs", "must be ≥ min_pairs (5), got 2"]);
  assertEquals(checkTiming({ measure: "gpu" })![0], "measure");
  assertEquals(checkTiming({ reference: { n: 1 } })![0], "reference.n");
  assertEquals(checkTiming({ pairs: 3 })![0], "pairs");
  assertEquals(timingSettings({ min_pairs: 4 }).max_pairs, 4);
  const spec = {
    name: "t",
    timing: { target_ci: 2 },
    datasets: { d: { preset: "tiny" } },
    experiments: [{ name: "e", datasets: ["d"], stages: { reference: { variant: "reference" } } }],
  };
  assertThrows(() => validateSpec(spec, "s.json"), Error, "s.json: timing.target_ci: must be a number in (0, 1)");
});
