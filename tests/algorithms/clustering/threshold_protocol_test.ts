import fc from "fast-check";
import type { ClusterInput } from "../../../algorithms/clustering/greedy.ts";
import { shuffleInPlace, timeOrder } from "../../../algorithms/clustering/order.ts";
import {
  bestThreshold,
  runThresholdProtocol,
  splitByIdentity,
  subsetClusterInput,
  type ThresholdCurve,
  thresholdGrid,
  tuneAndReport,
} from "../../../algorithms/clustering/threshold_protocol.ts";
import { Rng } from "../../../algorithms/random/rng.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";

/** Identity codes of n observations over k identities, some unknown (−1). */
const truthArb = fc.array(fc.integer({ min: -1, max: 12 }), { minLength: 1, maxLength: 80 }).map((a) =>
  Int32Array.from(a)
);

Deno.test("splitByIdentity: dev and test are disjoint in identities, cover every observation, and are seeded", () => {
  fc.assert(
    fc.property(
      truthArb,
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0.1, max: 0.9, noNaN: true }),
      (truth, seed, f) => {
        const s = splitByIdentity(truth, { seed, devFraction: f });
        for (let i = 0; i < truth.length; i++) assertEquals(s.dev[i]! + s.test[i]!, 1);
        assert(!s.devIdentities.some((c) => s.testIdentities.includes(c)), "an identity in both parts");
        // Every observation of an identity sits in that identity's part.
        for (let i = 0; i < truth.length; i++) {
          if (truth[i]! < 0) continue;
          assertEquals(s.dev[i] === 1, s.devIdentities.includes(truth[i]!));
        }
        const k = new Set(Array.from(truth).filter((c) => c >= 0)).size;
        assertEquals(s.devIdentities.length + s.testIdentities.length, k);
        if (k >= 2) assert(s.devIdentities.length >= 1 && s.testIdentities.length >= 1, "both parts non-empty");
        assertEquals(splitByIdentity(truth, { seed, devFraction: f }), s);
      },
    ),
  );
});

Deno.test("splitByIdentity: another seed gives another split; bad fractions are refused", () => {
  const truth = Int32Array.from({ length: 200 }, (_, i) => i % 40);
  const a = splitByIdentity(truth, { seed: 1 }), b = splitByIdentity(truth, { seed: 2 });
  assertEquals(a.devIdentities.length, 20);
  assert(a.devIdentities.join() !== b.devIdentities.join(), "seed ignored");
  assertThrows(() => splitByIdentity(truth, { seed: 1, devFraction: 1 }), RangeError);
});

function curve(f1: number[], thresholds = f1.map((_, i) => 0.1 * (i + 1))): ThresholdCurve {
  return { thresholds, f1, precision: f1, recall: f1, pairwiseF1: f1 };
}

Deno.test("tuneAndReport: the threshold is the dev optimum, scored on test; oracle and gap from test", () => {
  const dev = curve([0.5, 0.9, 0.7, 0.6]);
  const test = curve([0.4, 0.6, 0.8, 0.7]);
  const r = tuneAndReport(dev, test);
  assertEquals(r.devThreshold, 0.2);
  assertEquals(r.devF1, 0.9);
  assertEquals(r.testF1, 0.6);
  assertEquals(r.oracleThreshold, 0.30000000000000004);
  assertEquals(r.oracleF1, 0.8);
  assert(Math.abs(r.gap - 0.2) < 1e-12);
  // Ties go to the lowest threshold; NaN points are skipped.
  assertEquals(bestThreshold(curve([NaN, 0.7, 0.7])).index, 1);
  assertEquals(bestThreshold(curve([NaN])).index, -1);
});

Deno.test("tuneAndReport: the gap is never negative and the oracle bounds every test score", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }),
      (a, b) => {
        const n = Math.min(a.length, b.length);
        const r = tuneAndReport(curve(a.slice(0, n)), curve(b.slice(0, n)));
        assert(r.gap >= 0);
        assert(b.slice(0, n).every((v) => v <= r.oracleF1));
        assertEquals(r.devF1, Math.max(...a.slice(0, n)));
      },
    ),
  );
});

Deno.test("thresholdGrid: exact, ascending, inclusive", () => {
  const g = thresholdGrid();
  assertEquals(g[0], 0.05);
  assertEquals(g.at(-1), 1.2);
  assertEquals(g.length, 47);
  assert(g.includes(0.5) && g.includes(0.8));
});

/** Faces of `people` identities around random centres, sorted by identity (as identity folders write them). */
function sortedLibrary(seed: number, people: number, per: number, noise: number) {
  const rng = new Rng(seed), dim = 16, n = people * per;
  const centres = Array.from({ length: people }, () => Array.from({ length: dim }, () => rng.normal()));
  const face = new Float32Array(n * dim), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = Math.floor(i / per);
    truth[i] = p;
    let s = 0;
    for (let k = 0; k < dim; k++) s += (face[i * dim + k] = centres[p]![k]! + noise * rng.normal()) ** 2;
    for (let k = 0; k < dim; k++) face[i * dim + k]! /= Math.sqrt(s);
  }
  const input: ClusterInput = {
    n,
    face,
    faceDim: dim,
    faceRow: Int32Array.from({ length: n }, (_, i) => i),
    body: null,
    bodyDim: 0,
    bodyRow: new Int32Array(n).fill(-1),
    moment: new Int32Array(n),
    order: timeOrder(new Float64Array(n).fill(NaN), seed),
  };
  return { input, truth };
}

Deno.test("subsetClusterInput keeps the parent's order restricted to the kept rows", () => {
  const { input } = sortedLibrary(3, 4, 5, 0.2);
  const keep = Uint8Array.from({ length: input.n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const sub = subsetClusterInput(input, keep);
  assertEquals(Array.from(sub.rows), Array.from({ length: input.n }, (_, i) => i).filter((i) => i % 3 === 0));
  const parentOrder = Array.from(input.order!).filter((i) => keep[i]);
  assertEquals(Array.from(sub.input.order!, (j) => sub.rows[j]!), parentOrder);
  assertEquals(Array.from(sub.input.faceRow), Array.from(sub.rows));
});

Deno.test("runThresholdProtocol: tuned on dev, reported on test, oracle ≥ reported; deterministic", () => {
  const { input, truth } = sortedLibrary(5, 16, 12, 0.35);
  const opts = { seed: 1, firstPass: null, hac: { linkage: "average" as const } };
  const r = runThresholdProtocol(input, truth, opts);
  assertEquals(r.report.devThreshold, bestThreshold(r.dev).threshold);
  assertEquals(r.report.testF1, r.test.f1[r.test.thresholds.indexOf(r.report.devThreshold)]);
  assert(r.report.oracleF1 >= r.report.testF1 && r.report.gap >= 0);
  assert(r.report.testF1 > 0.8, `separable people should cluster well, got ${r.report.testF1}`);
  // Test rows are exactly the test identities' observations.
  for (const i of r.testRows) assert(r.split.testIdentities.includes(truth[i]!));
  assertEquals(runThresholdProtocol(input, truth, opts).report, r.report);
});

Deno.test("timeOrder: timed rows by time first; untimed rows shuffled, the same for the same seed", () => {
  const time = Float64Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1000 - i : NaN));
  const a = timeOrder(time, 1);
  assertEquals(new Set(a).size, 50);
  assertEquals(Array.from(a.slice(0, 10)), [45, 40, 35, 30, 25, 20, 15, 10, 5, 0]);
  assertEquals(Array.from(timeOrder(time, 1)), Array.from(a));
  const untimed = Array.from(a.slice(10));
  assert(untimed.join() !== [...untimed].sort((x, y) => x - y).join(), "untimed rows left in row order");
  assert(Array.from(timeOrder(time, 2).slice(10)).join() !== untimed.join(), "seed ignored");
  assertEquals(shuffleInPlace([1, 2, 3, 4, 5, 6], 9), shuffleInPlace([1, 2, 3, 4, 5, 6], 9));
  // untimed "file": the order before issue 12 (timed by time, ties by row; untimed in row order), any seed.
  const file = Array.from(timeOrder(time, 1, "file"));
  assertEquals(file.slice(0, 10), Array.from(a.slice(0, 10)));
  assertEquals(file.slice(10), [...untimed].sort((x, y) => x - y));
  assertEquals(Array.from(timeOrder(time, 2, "file")), file);
});
