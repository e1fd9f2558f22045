import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import fc from "fast-check";
import { bootstrapMeanCi, ecdf, median, paretoFront, quantile } from "../../reports/stats.ts";

Deno.test("quantile() interpolates like numpy's default", () => {
  assertEquals(quantile([3, 1, 2, 4], 0.5), 2.5);
  assertEquals(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assertAlmostEquals(quantile([10, 20], 0.9), 19, 1e-12);
  assertEquals(median([7]), 7);
  assertThrows(() => quantile([], 0.5), RangeError);
  assertThrows(() => quantile([1], 1.5), RangeError);
});

Deno.test("ecdf() ends at 1, is monotone and caps its points", () => {
  const e = ecdf([3, 1, 2, 2]);
  assertEquals(e.x, [1, 2, 2, 3]);
  assertEquals(e.y, [0.25, 0.5, 0.75, 1]);
  const big = ecdf(Array.from({ length: 10_001 }, (_, i) => i), 100);
  assert(big.x.length <= 102);
  assertEquals(big.y[big.y.length - 1], 1);
  for (let i = 1; i < big.y.length; i++) assert(big.y[i]! > big.y[i - 1]! && big.x[i]! >= big.x[i - 1]!);
});

Deno.test("paretoFront() keeps exactly the non-dominated points", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })), {
        minLength: 1,
        maxLength: 30,
      }),
      (pts) => {
        const cost = pts.map((p) => p[0]);
        const gain = pts.map((p) => p[1]);
        const front = new Set(paretoFront(cost, gain));
        for (let i = 0; i < pts.length; i++) {
          const dominated = pts.some((_, j) =>
            cost[j]! <= cost[i]! && gain[j]! >= gain[i]! && (cost[j]! < cost[i]! || gain[j]! > gain[i]!)
          );
          // A duplicate of a front point is not on the front (only its first index is kept).
          const dupOfFront = [...front].some((j) => j !== i && cost[j] === cost[i] && gain[j] === gain[i]);
          if (front.has(i)) assert(!dominated, `front point ${i} is dominated`);
          else assert(dominated || dupOfFront, `point ${i} is missing from the front`);
        }
      },
    ),
    { seed: 7 },
  );
});

Deno.test("bootstrapMeanCi() is seeded, brackets the mean and collapses on one value", () => {
  const v = [0.8, 0.82, 0.79, 0.85, 0.81];
  const a = bootstrapMeanCi(v, { seed: 3 });
  assertEquals(bootstrapMeanCi(v, { seed: 3 }), a);
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  assert(a[0] <= m && m <= a[1] && a[0] >= 0.79 && a[1] <= 0.85);
  assertEquals(bootstrapMeanCi([0.5]), [0.5, 0.5]);
});
