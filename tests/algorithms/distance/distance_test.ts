import fc from "fast-check";
import {
  condensedCosineDistances,
  condensedIndex,
  cosineDistance,
  DEFAULT_FUSION,
  fusedDistance,
  fuseDistances,
  JS_GEMM,
  thresholdEdges,
} from "../../../algorithms/distance/mod.ts";
import { assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { unitRows } from "../hac/_fixtures.ts";

Deno.test("condensedCosineDistances() equals pairwise 1 − cos for every block size", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 17 }),
      (seed, n, dim, block) => {
        const x = unitRows(seed, n, dim);
        const d = condensedCosineDistances(x, dim, { blockRows: block });
        assertEquals(d.length, n < 2 ? 0 : (n * (n - 1)) / 2);
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) {
            assertAlmostEquals(d[condensedIndex(n, i, j)]!, cosineDistance(x, i, x, j, dim), 1e-6);
          }
        }
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("JS_GEMM computes A·Bᵀ including ragged edges", () => {
  const a = unitRows(1, 7, 5), b = unitRows(2, 5, 5);
  const out = new Float32Array(35);
  JS_GEMM.abt(a, 7, b, 5, 5, out);
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 5; j++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += a[i * 5 + k]! * b[j * 5 + k]!;
      assertAlmostEquals(out[i * 5 + j]!, s, 1e-6);
    }
  }
});

Deno.test("thresholdEdges() keeps exactly the pairs of the condensed matrix that are ≤ t", () => {
  const x = unitRows(5, 50, 4, true);
  const d = condensedCosineDistances(x, 4);
  const e = thresholdEdges(x, 4, 0.3, { blockRows: 7 });
  let expected = 0;
  for (const v of d) if (v <= 0.3) expected++;
  assertEquals(e.i.length, expected);
  for (let k = 0; k < e.i.length; k++) assertEquals(e.d[k], d[condensedIndex(50, e.i[k]!, e.j[k]!)]);
});

Deno.test("fuseDistances() follows D = min(F, αF + βT) and its documented fallbacks", () => {
  const c = DEFAULT_FUSION;
  assertAlmostEquals(fuseDistances(0.5, 0.1, c), 0.6 * 0.5 + 0.4 * 0.1);
  assertEquals(fuseDistances(0.2, 0.9, c), 0.2); // body never makes it worse
  assertEquals(fuseDistances(0.5, NaN, c), 0.5); // face only
  assertEquals(fuseDistances(NaN, 0.3, c), 0.3); // body only
  assertEquals(fuseDistances(NaN, 0.3, { ...c, bodyOnly: false }), Infinity);
  assertEquals(fuseDistances(0.5, 0.0, { ...c, beta: 0 }), 0.5); // β = 0 switches bodies off
  assertEquals(fuseDistances(NaN, NaN, c), Infinity);
});

Deno.test("fusedDistance() gates the body term by moment", () => {
  const face = Float32Array.of(1, 0, 0.6, 0.8), body = Float32Array.of(1, 0, 1, 0);
  const a = { faceRow: 0, bodyRow: 0, moment: 1 };
  const same = fusedDistance(face, 2, body, 2, a, { faceRow: 1, bodyRow: 1, moment: 1 });
  const other = fusedDistance(face, 2, body, 2, a, { faceRow: 1, bodyRow: 1, moment: 2 });
  const ungated = fusedDistance(face, 2, body, 2, a, { faceRow: 1, bodyRow: 1, moment: 2 }, {
    ...DEFAULT_FUSION,
    gateByMoment: false,
  });
  assertAlmostEquals(same, 0.6 * 0.4, 1e-6);
  assertAlmostEquals(other, 0.4, 1e-6);
  assertAlmostEquals(ungated, same, 1e-12);
});
