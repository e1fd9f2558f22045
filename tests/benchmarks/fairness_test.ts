import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import type { Dataset } from "../../datasets/format.ts";
import { DEFAULT_METRIC_SETTINGS } from "../../benchmarks/spec/spec.ts";
import {
  bcubedPerItem,
  evaluateAssignment,
  evaluateClustering,
  type Evaluation,
} from "../../benchmarks/stats/evaluate.ts";
import { fairnessSummary } from "../../benchmarks/stats/fairness.ts";
import { timingStats } from "../../benchmarks/stats/timing.ts";

/** Six observations: identities A A B B C C; gender f f m m m m; all clear. */
function dataset(): Dataset {
  const n = 6;
  const cat = (codes: number[], values: string[]) => ({ codes: Int32Array.from(codes), values });
  return {
    dir: "",
    manifest: { attributes: ["gender"] } as unknown as Dataset["manifest"],
    observations: {
      n,
      identity: cat([0, 0, 1, 1, 2, 2], ["A", "B", "C"]),
      attributes: new Map([["gender", cat([0, 0, 1, 1, 1, 1], ["f", "m"])]]),
      kind: cat([0, 0, 0, 0, 0, 0], ["clear"]),
    } as unknown as Dataset["observations"],
    face: new Float32Array(0),
    body: null,
  };
}

const PRED = Int32Array.from([0, 0, 1, 2, 2, 2]);

Deno.test("per-item BCubed on a hand-computed example", () => {
  const { precision, recall } = bcubedPerItem(PRED, dataset().observations.identity.codes);
  const p = [1, 1, 1, 1 / 3, 2 / 3, 2 / 3], r = [1, 1, 0.5, 0.5, 1, 1];
  p.forEach((v, i) => assertAlmostEquals(precision[i]!, v, 1e-12));
  r.forEach((v, i) => assertAlmostEquals(recall[i]!, v, 1e-12));
});

Deno.test("fairness by gender on a hand-computed example: per-group BCubed, worst/best, gap, std", () => {
  const e: Evaluation = { metrics: {}, directions: {}, subgroups: [] };
  evaluateClustering(PRED, dataset(), { ...DEFAULT_METRIC_SETTINGS, bootstrap: 0 }, e);
  assertAlmostEquals(e.metrics["bcubed.precision"]!, 14 / 18, 1e-12);
  assertAlmostEquals(e.metrics["bcubed.recall"]!, 5 / 6, 1e-12);
  const g = (group: string, metric: string) =>
    e.subgroups.find((s) => s.attribute === "gender" && s.group === group && s.metric === metric)!;
  assertEquals([g("f", "bcubed.f1").value, g("f", "bcubed.f1").n], [1, 2]);
  assertAlmostEquals(g("m", "bcubed.precision").value, 2 / 3, 1e-12);
  assertAlmostEquals(g("m", "bcubed.recall").value, 3 / 4, 1e-12);
  assertAlmostEquals(g("m", "bcubed.f1").value, 12 / 17, 1e-12);
  assertEquals(g("m", "bcubed.f1").ci_low, null);
  assertAlmostEquals(e.metrics["fairness.gender.bcubed.f1.worst"]!, 12 / 17, 1e-12);
  assertEquals(e.metrics["fairness.gender.bcubed.f1.best"], 1);
  assertAlmostEquals(e.metrics["fairness.gender.bcubed.f1.gap"]!, 5 / 17, 1e-12);
  assertAlmostEquals(e.metrics["fairness.gender.bcubed.f1.std"]!, 5 / 34, 1e-12);
  // The best group has zero error: the skewed error ratio is unbounded and left out.
  assert(!("fairness.gender.bcubed.f1.skewed_error_ratio" in e.metrics));
  assertEquals(e.directions["fairness.gender.bcubed.f1.gap"], "lower");
  // Observation kinds are broken down too, without fairness summaries.
  assert(e.subgroups.some((s) => s.attribute === "kind" && s.group === "clear"));
  assert(!Object.keys(e.metrics).some((k) => k.startsWith("fairness.kind")));
});

Deno.test("fairnessSummary(): worst, best, gap, population std and skewed error ratio by hand", () => {
  const s = fairnessSummary(new Map([["a", 0.9], ["b", 0.8], ["c", 0.6]]))!;
  assertEquals([s.worstGroup, s.bestGroup], ["c", "a"]);
  assertAlmostEquals(s.gap, 0.3, 1e-12);
  const mean = 2.3 / 3;
  assertAlmostEquals(s.std, Math.sqrt(((0.9 - mean) ** 2 + (0.8 - mean) ** 2 + (0.6 - mean) ** 2) / 3), 1e-12);
  assertAlmostEquals(s.skewedErrorRatio!, 0.4 / 0.1, 1e-9);
  assertEquals(fairnessSummary(new Map()), null);
});

Deno.test("bootstrap intervals over identities are seeded, contain the estimate, and vary with the seed", () => {
  const run = (seed: number) => {
    const e: Evaluation = { metrics: {}, directions: {}, subgroups: [] };
    evaluateClustering(PRED, dataset(), { ...DEFAULT_METRIC_SETTINGS, bootstrap: 500, bootstrap_seed: seed }, e);
    return e;
  };
  const a = run(7), b = run(7);
  assertEquals(a, b);
  assert(
    a.metrics["bcubed.f1.ci_low"]! <= a.metrics["bcubed.f1"]! &&
      a.metrics["bcubed.f1"]! <= a.metrics["bcubed.f1.ci_high"]!,
  );
  const m = a.subgroups.find((s) => s.attribute === "gender" && s.group === "m" && s.metric === "bcubed.f1")!;
  assert(m.ci_low !== null && m.ci_low < m.ci_high!);
});

Deno.test("assignment metrics: top-1 over enrolled identities, open-set AUC, per-group top-1", () => {
  const e: Evaluation = { metrics: {}, directions: {}, subgroups: [] };
  // Queries 1, 3, 5 (A, B, C); C is not enrolled. A correct (score .9), B wrong (.5), C unknown query (.4).
  evaluateAssignment(
    {
      queries: Int32Array.of(1, 3, 5),
      predicted: Int32Array.of(0, 0, 1),
      scores: Float64Array.of(0.9, 0.5, 0.4),
      enrolled: Int32Array.of(0, 1),
    },
    new Set([0, 1]),
    dataset(),
    { ...DEFAULT_METRIC_SETTINGS, bootstrap: 0 },
    e,
  );
  assertEquals(e.metrics.top1, 0.5);
  assertEquals(e.metrics["open_set.auc"], 1);
  assertEquals(e.subgroups.find((s) => s.group === "f")!.value, 1);
  assertEquals(e.subgroups.find((s) => s.group === "m")!.value, 0);
  assertEquals(e.metrics["fairness.gender.top1.gap"], 1);
});

Deno.test("timingStats(): median, p95, MAD and CV", () => {
  const s = timingStats([1, 2, 3, 4, 100]);
  assertEquals([s.median, s.mad, s.min, s.max], [3, 1, 1, 100]);
  assertAlmostEquals(s.p95, 4 + 0.8 * 96, 1e-9);
  assert(s.cv > 1);
  assertEquals(timingStats([2, 2, 2]).cv, 0);
});
