/** The inverted file: exact cell search, a seeded quantizer, lists that follow moving items. */
import fc from "fast-check";
import { assert, assertEquals } from "../../_assert.ts";
import { InvertedLists, nearestCells, trainCoarseQuantizer } from "../../../algorithms/ann/ivf.ts";
import { JS_GEMM } from "../../../algorithms/distance/cosine.ts";
import { Rng } from "../../../algorithms/random/rng.ts";

function unitRows(rows: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed), m = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += (m[r * dim + k] = rng.normal()) ** 2;
    for (let k = 0; k < dim; k++) m[r * dim + k]! /= Math.sqrt(s);
  }
  return m;
}

Deno.test("nearestCells returns each row's nprobe most similar centroids, best first (brute force)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer(),
      (nlist, nprobe, seed) => {
        const dim = 6, rows = 25;
        const q = { nlist, dim, centroids: unitRows(nlist, dim, seed) };
        const x = unitRows(rows, dim, seed + 1);
        const out = new Int32Array(rows * nprobe);
        nearestCells(q, x, rows, nprobe, out, JS_GEMM);
        for (let r = 0; r < rows; r++) {
          const sims = Array.from({ length: nlist }, (_, c) => {
            let s = 0;
            for (let k = 0; k < dim; k++) s += x[r * dim + k]! * q.centroids[c * dim + k]!;
            return s;
          });
          const want = [...sims.keys()].sort((a, b) => sims[b]! - sims[a]! || a - b).slice(0, nprobe);
          const got = Array.from(out.subarray(r * nprobe, r * nprobe + Math.min(nprobe, nlist)));
          // Equal similarities may come in either order: compare the similarities.
          assertEquals(got.map((c) => sims[c]!.toFixed(5)), want.map((c) => sims[c]!.toFixed(5)));
          for (let j = nlist; j < nprobe; j++) assertEquals(out[r * nprobe + j], -1);
        }
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("trainCoarseQuantizer is seeded, gives unit centroids and separates clear groups", () => {
  const dim = 8, centres = unitRows(4, dim, 3), rng = new Rng(9);
  const x = new Float32Array(400 * dim);
  for (let r = 0; r < 400; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += (x[r * dim + k] = centres[(r % 4) * dim + k]! + 0.05 * rng.normal()) ** 2;
    for (let k = 0; k < dim; k++) x[r * dim + k]! /= Math.sqrt(s);
  }
  const a = trainCoarseQuantizer(x, dim, { nlist: 4, seed: 5, gemm: JS_GEMM });
  const b = trainCoarseQuantizer(x, dim, { nlist: 4, seed: 5, gemm: JS_GEMM });
  assertEquals(Array.from(a.centroids), Array.from(b.centroids));
  for (let c = 0; c < 4; c++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += a.centroids[c * dim + k]! ** 2;
    assert(Math.abs(s - 1) < 1e-5);
  }
  const cells = new Int32Array(400);
  nearestCells(a, x, 400, 1, cells, JS_GEMM);
  for (let r = 4; r < 400; r++) assertEquals(cells[r], cells[r % 4], "members of one group share a cell");
  assertEquals(new Set(cells).size, 4);
});

Deno.test("InvertedLists: an item lives in exactly one cell and moves with add", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 30 })), { maxLength: 200 }),
      (ops) => {
        const lists = new InvertedLists(6), where = new Map<number, number>();
        for (const [cell, item] of ops) {
          lists.add(cell, item);
          where.set(item, cell);
        }
        for (let cell = 0; cell < 6; cell++) {
          const items = Array.from(lists.items(cell)).sort((a, b) => a - b);
          const want = [...where].filter(([, c]) => c === cell).map(([i]) => i).sort((a, b) => a - b);
          assertEquals(items, want);
          assertEquals(lists.size(cell), want.length);
        }
        for (const [item, cell] of where) assertEquals(lists.cellOf(item), cell);
        assertEquals(lists.cellOf(999), -1);
      },
    ),
    { numRuns: 100 },
  );
});
