import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import fc from "fast-check";
import { clusteringMetrics, subgroupMetrics } from "../../algorithms/metrics/mod.ts";
import { readNpy } from "../../datasets/npy.ts";
import { sharedPath, sharedTest } from "../_shared.ts";

sharedTest("clusteringMetrics() matches scikit-learn reference metrics to 1e-9", async () => {
  const ref = JSON.parse(await Deno.readTextFile(sharedPath("reference", "reference.json")));
  assert(ref.metrics.length > 0);
  for (const r of ref.metrics) {
    const pred = (await readNpy(sharedPath("reference", r.pred))).data as Int32Array;
    const truth = (await readNpy(sharedPath("reference", r.true))).data as Int32Array;
    const m = clusteringMetrics(pred, truth);
    const pairs: [number, number, string][] = [
      [m.pairwise.precision, r.pairwise.precision, "pairwise.precision"],
      [m.pairwise.recall, r.pairwise.recall, "pairwise.recall"],
      [m.pairwise.f1, r.pairwise.f1, "pairwise.f1"],
      [m.bcubed.precision, r.bcubed.precision, "bcubed.precision"],
      [m.bcubed.recall, r.bcubed.recall, "bcubed.recall"],
      [m.bcubed.f1, r.bcubed.f1, "bcubed.f1"],
      [m.ari, r.ari, "ari"],
      [m.nmi, r.nmi_arithmetic, "nmi"],
    ];
    for (const [got, want, key] of pairs) assertAlmostEquals(got, want, 1e-9, `${r.pred} ${key}`);
  }
});

const labelsArb = fc.integer({ min: 2, max: 60 }).chain((n) =>
  fc.tuple(
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n }),
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n }),
  )
);

Deno.test("clusteringMetrics() is invariant to renaming labels", () => {
  fc.assert(
    fc.property(labelsArb, fc.integer({ min: 1, max: 1000 }), ([p, t], shift) => {
      const a = clusteringMetrics(Int32Array.from(p), Int32Array.from(t));
      const b = clusteringMetrics(Int32Array.from(p, (x) => x * 7 + shift), Int32Array.from(t, (x) => 100 - x));
      for (const k of ["ari", "nmi"] as const) assertAlmostEquals(a[k], b[k], 1e-12);
      assertAlmostEquals(a.bcubed.f1, b.bcubed.f1, 1e-12);
      assertAlmostEquals(a.pairwise.f1, b.pairwise.f1, 1e-12);
    }),
  );
});

Deno.test("ARI and NMI are symmetric; pairwise and BCubed swap precision and recall", () => {
  fc.assert(
    fc.property(labelsArb, ([p, t]) => {
      const a = clusteringMetrics(Int32Array.from(p), Int32Array.from(t));
      const b = clusteringMetrics(Int32Array.from(t), Int32Array.from(p));
      assertAlmostEquals(a.ari, b.ari, 1e-12);
      assertAlmostEquals(a.nmi, b.nmi, 1e-12);
      assertAlmostEquals(a.pairwise.precision, b.pairwise.recall, 1e-12);
      assertAlmostEquals(a.bcubed.precision, b.bcubed.recall, 1e-12);
    }),
  );
});

Deno.test("a perfect partition scores 1 on every metric", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 50 }), (t) => {
      const truth = Int32Array.from(t);
      const m = clusteringMetrics(Int32Array.from(t, (x) => x + 10), truth);
      for (const v of [m.pairwise.f1, m.bcubed.f1, m.ari, m.nmi]) assertAlmostEquals(v, 1, 1e-12);
    }),
  );
});

Deno.test("all singletons give pairwise recall 0 and BCubed precision 1", () => {
  const truth = Int32Array.of(0, 0, 0, 1, 1, 2);
  const pred = Int32Array.of(0, 1, 2, 3, 4, 5);
  const m = clusteringMetrics(pred, truth);
  assertEquals(m.pairwise.recall, 0);
  assertEquals(m.pairwise.precision, 1);
  assertEquals(m.bcubed.precision, 1);
  assertEquals(m.singletonRate, 1);
  // pred −1 means unclustered: the same as singletons.
  const unclustered = clusteringMetrics(new Int32Array(6).fill(-1), truth);
  assertEquals(unclustered, m);
});

Deno.test("truth −1 leaves observations out of every metric", () => {
  const m = clusteringMetrics(Int32Array.of(0, 0, 1, 1, 9), Int32Array.of(3, 3, 4, 4, -1));
  assertEquals(m.n, 4);
  assertEquals(m.ari, 1);
  assertThrows(() => clusteringMetrics(Int32Array.of(0), Int32Array.of(0, 1)), RangeError);
});

Deno.test("BCubed on a hand-computed example", () => {
  // Cluster {0,1,2} holds identities a,a,b; cluster {3} holds b.
  const m = clusteringMetrics(Int32Array.of(0, 0, 0, 1), Int32Array.of(0, 0, 1, 1));
  // precision per item: 2/3, 2/3, 1/3, 1 → mean 2/3; recall: 1, 1, 1/2, 1/2 → 3/4.
  assertAlmostEquals(m.bcubed.precision, 2 / 3, 1e-12);
  assertAlmostEquals(m.bcubed.recall, 3 / 4, 1e-12);
  // pairs: predicted 3, true 2, true positive 1.
  assertAlmostEquals(m.pairwise.precision, 1 / 3, 1e-12);
  assertAlmostEquals(m.pairwise.recall, 1 / 2, 1e-12);
});

Deno.test("subgroupMetrics() averages BCubed over each group's items against full clusters", () => {
  const pred = Int32Array.of(0, 0, 0, 1);
  const truth = Int32Array.of(0, 0, 1, 1);
  const groups = Int32Array.of(0, 0, 1, 1);
  const s = subgroupMetrics(pred, truth, "gender", groups, ["f", "m"]);
  assertEquals(s.map((g) => g.group), ["f", "m"]);
  assertAlmostEquals(s[0]!.metrics.bcubed.precision, 2 / 3, 1e-12);
  assertAlmostEquals(s[1]!.metrics.bcubed.precision, (1 / 3 + 1) / 2, 1e-12);
  assertAlmostEquals(s[1]!.metrics.bcubed.recall, 1 / 2, 1e-12);
});
