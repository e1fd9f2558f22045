import fc from "fast-check";
import { hac } from "../../../algorithms/hac/hac.ts";
import { graphAverageLinkage } from "../../../algorithms/hac/graph_average.ts";
import { SPARSE_EDGE_MARGIN } from "../../../algorithms/hac/hac.ts";
import { thresholdEdges } from "../../../algorithms/distance/cosine.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";
import { samePartition, unitRows } from "./_fixtures.ts";

// fast-check prints the seed and path of a failing run; pass them back here to replay it.
const RUNS = { numRuns: 30 };

Deno.test("graphAverageLinkage equals dense average-linkage HAC cut at the threshold (threshold graph edges)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.integer({ min: 2, max: 120 }),
      fc.constantFrom(3, 8, 16),
      fc.double({ min: 0.05, max: 1.2, noNaN: true }),
      (seed, n, dim, t) => {
        const v = unitRows(seed, n, dim, true);
        const dense = hac(v, dim, { linkage: "average", threshold: t, mode: "dense" }).labels;
        const edges = thresholdEdges(v, dim, t + SPARSE_EDGE_MARGIN);
        const graph = graphAverageLinkage(v, dim, edges, t);
        assert(samePartition(dense, graph), `seed ${seed} n ${n} dim ${dim} t ${t}`);
      },
    ),
    RUNS,
  );
});

Deno.test("graphAverageLinkage: extra edges change nothing, no edges merge nothing", () => {
  const dim = 8, n = 60, v = unitRows(7, n, dim, true);
  const all = { i: new Int32Array(n * (n - 1) / 2), j: new Int32Array(n * (n - 1) / 2) };
  for (let a = 0, e = 0; a < n; a++) for (let b = a + 1; b < n; b++, e++) [all.i[e], all.j[e]] = [a, b];
  const t = 0.4;
  const fromAll = graphAverageLinkage(v, dim, all, t);
  const fromGraph = graphAverageLinkage(v, dim, thresholdEdges(v, dim, t + SPARSE_EDGE_MARGIN), t);
  assert(samePartition(fromAll, fromGraph));
  const none = graphAverageLinkage(v, dim, { i: new Int32Array(0), j: new Int32Array(0) }, t);
  assertEquals(Array.from(none), Array.from({ length: n }, (_, i) => i));
  assertThrows(() => graphAverageLinkage(v, dim, { i: Int32Array.of(0), j: Int32Array.of(n) }, t), RangeError);
});
