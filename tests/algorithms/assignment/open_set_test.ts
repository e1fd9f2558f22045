import { assert, assertAlmostEquals, assertEquals } from "../../_assert.ts";
import fc from "fast-check";
import { bootstrapOverGroups, openSetFigures } from "../../../algorithms/assignment/open_set.ts";

Deno.test("openSetFigures: perfect separation gives AUC = TPR = top-1; a wrong known query is a miss", () => {
  const score = Float64Array.of(0.9, 0.8, 0.7, 0.95, 0.2, 0.1, 0.3);
  const known = Uint8Array.of(1, 1, 1, 1, 0, 0, 0);
  const correct = Uint8Array.of(1, 1, 1, 0, 0, 0, 0);
  const f = openSetFigures(score, known, correct);
  assertAlmostEquals(f.auc, 0.75, 1e-12);
  assertAlmostEquals(f.tprAtFar, 0.75, 1e-12);
  assertAlmostEquals(f.top1, 0.75, 1e-12);
  assert(f.threshold > 0.3 && f.threshold < 0.7);
});

Deno.test("openSetFigures: AUC matches the pairwise definition and TPR respects the FAR budget", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean(), fc.boolean()), { minLength: 2, maxLength: 60 }),
      (items) => {
        const score = Float64Array.from(items, (t) => t[0] / 20);
        const known = Uint8Array.from(items, (t) => (t[1] ? 1 : 0));
        const correct = Uint8Array.from(items, (t) => (t[1] && t[2] ? 1 : 0));
        const f = openSetFigures(score, known, correct, 0.1);
        let wins = 0, nk = 0, nn = 0;
        for (let i = 0; i < items.length; i++) (nk += known[i]!, nn += known[i] ? 0 : 1);
        for (let i = 0; i < items.length; i++) {
          if (!correct[i]) continue;
          for (let j = 0; j < items.length; j++) {
            if (known[j]) continue;
            wins += score[i]! > score[j]! ? 1 : score[i] === score[j] ? 0.5 : 0;
          }
        }
        if (nk === 0 || nn === 0) return assert(Number.isNaN(f.auc));
        assertAlmostEquals(f.auc, wins / (nk * nn), 1e-12);
        let fa = 0;
        for (let j = 0; j < items.length; j++) if (!known[j] && score[j]! >= f.threshold) fa++;
        assert(fa <= Math.floor(0.1 * nn));
      },
    ),
  );
});

Deno.test("bootstrapOverGroups is seeded, brackets the estimate and resamples whole groups", () => {
  const group = Int32Array.from({ length: 200 }, (_, i) => i % 10);
  const values = Float64Array.from({ length: 200 }, (_, i) => (i % 10 < 5 ? 1 : 0));
  const mean = (rows: Int32Array) => rows.reduce((s, i) => s + values[i]!, 0) / rows.length;
  const a = bootstrapOverGroups(group, mean, { seed: 3, resamples: 300 });
  assertEquals(a, bootstrapOverGroups(group, mean, { seed: 3, resamples: 300 }));
  assertAlmostEquals(a.value, 0.5, 1e-12);
  assert(a.lo < 0.5 && a.hi > 0.5 && a.lo >= 0 && a.hi <= 1);
  // A constant statistic has a zero-width interval.
  const c = bootstrapOverGroups(group, () => 1, { resamples: 50 });
  assertEquals([c.lo, c.hi], [1, 1]);
});
