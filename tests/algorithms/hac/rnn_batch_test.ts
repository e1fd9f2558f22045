import fc from "fast-check";
import {
  condensedCosineDistances,
  layoutCosineDistances,
  tiledLayout,
  toCondensed,
} from "../../../algorithms/distance/mod.ts";
import { hac, type Linkage } from "../../../algorithms/hac/mod.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import { samePartition, unitRows } from "./_fixtures.ts";

const LW: Linkage[] = ["single", "complete", "average"];

/** Same tree: identical ids and sizes row by row, heights equal to float32 rounding. */
function assertSameTree(a: Float64Array, b: Float64Array, what: string): void {
  assertEquals(a.length, b.length, `${what}: merge count`);
  for (let k = 0; k < a.length / 4; k++) {
    assertEquals([a[k * 4], a[k * 4 + 1], a[k * 4 + 3]], [b[k * 4], b[k * 4 + 1], b[k * 4 + 3]], `${what}: row ${k}`);
    assertAlmostEquals(a[k * 4 + 2]!, b[k * 4 + 2]!, 1e-6, `${what}: height ${k}`);
  }
}

Deno.test("rnn-batch makes the NN-chain's dendrogram for single, complete and average linkage", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }),
      fc.integer({ min: 2, max: 70 }),
      fc.integer({ min: 2, max: 8 }),
      fc.boolean(),
      fc.constantFrom(...LW),
      fc.double({ min: 0, max: 1.2, noNaN: true }),
      (seed, n, dim, clustered, linkage, t) => {
        const x = unitRows(seed, n, dim, clustered);
        const chain = hac(x, dim, { linkage, algorithm: "nn-chain" });
        const batch = hac(x, dim, { linkage, algorithm: "rnn-batch" });
        assertSameTree(batch.merges, chain.merges, linkage);
        const cutChain = hac(x, dim, { linkage, threshold: t, algorithm: "nn-chain" });
        const cutBatch = hac(x, dim, { linkage, threshold: t, algorithm: "rnn-batch" });
        assert(samePartition(cutBatch.labels, cutChain.labels), `${linkage} at ${t}`);
        assertEquals(batch.iterations.seconds.length, n - 1);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("rnn-batch on worker threads gives bit-identical merges (n above the parallel cut-off)", () => {
  const n = 2600, dim = 12;
  const x = unitRows(5, n, dim, true);
  for (const linkage of LW) {
    const one = hac(x, dim, { linkage, threads: 1 });
    const two = hac(x, dim, { linkage, threads: 2 });
    assertEquals(two.merges, one.merges, `${linkage}: 2 threads`);
    const chain = hac(x, dim, { linkage, algorithm: "nn-chain" });
    for (let k = 0; k < n - 1; k++) {
      assertAlmostEquals(one.merges[k * 4 + 2]!, chain.merges[k * 4 + 2]!, 1e-6, `${linkage} height ${k}`);
    }
  }
  const cut = hac(x, dim, { linkage: "average", threshold: 0.4, threads: 3 });
  assert(samePartition(cut.labels, hac(x, dim, { linkage: "average", threshold: 0.4 }).labels), "threshold, 3 threads");
});

Deno.test("hac(): given distances over a plain ArrayBuffer run on one thread, same result", () => {
  const n = 2200, dim = 6;
  const x = unitRows(8, n, dim, false);
  const plain = condensedCosineDistances(x, dim);
  const r = hac(x, dim, { linkage: "complete", distances: plain, threads: 2 });
  assertEquals(r.merges, hac(x, dim, { linkage: "complete" }).merges);
});

Deno.test("tiled layout: same distances as condensed order, same dendrogram for every linkage", () => {
  for (const n of [1, 2, 63, 64, 65, 130]) {
    const x = unitRows(n, n, 5, true);
    const tiled = layoutCosineDistances(x, 5, tiledLayout(n));
    assertEquals(toCondensed(tiled, tiledLayout(n)), condensedCosineDistances(x, 5), `n = ${n}`);
  }
  const x = unitRows(3, 150, 6, true);
  for (const linkage of [...LW, "median", "median-sampled"] as Linkage[]) {
    const a = hac(x, 6, { linkage, layout: "tiled", seed: 2 });
    const b = hac(x, 6, { linkage, layout: "condensed", seed: 2 });
    assertEquals(a.merges, b.merges, linkage);
  }
});

Deno.test("hac() rejects a bad algorithm, thread count or layout with one clear line", () => {
  const x = Float32Array.of(1, 0, 0, 1);
  assertThrows(() => hac(x, 2, { linkage: "average", algorithm: "slink" as "auto" }), RangeError, "algorithm");
  assertThrows(() => hac(x, 2, { linkage: "average", threads: 0 }), RangeError, "threads");
  assertThrows(() => hac(x, 2, { linkage: "average", threads: 1.5 }), RangeError, "threads");
  assertThrows(() => hac(x, 2, { linkage: "average", layout: "blocked" as "tiled" }), RangeError, "layout");
});
