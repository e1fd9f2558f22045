import fc from "fast-check";
import {
  condensedCosineDistances,
  condensedIndex,
  cosineDistance,
  createWasmSimdGemm,
  DEFAULT_FUSION,
  defaultGemm,
  fusedDistance,
  fuseDistances,
  JS_GEMM,
  thresholdEdges,
  thresholdEdgesParallel,
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

Deno.test("WebAssembly SIMD GEMM equals A·Bᵀ for any shape (padding of rows and dimension), memory growth", () => {
  const wasm = createWasmSimdGemm();
  if (!wasm) throw new Error("WebAssembly SIMD unavailable in this Deno");
  assertEquals(defaultGemm().name, "wasm-simd");
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 19 }),
      fc.integer({ min: 1, max: 37 }),
      (seed, aRows, bRows, dim) => {
        const a = unitRows(seed, aRows, dim), b = unitRows(seed + 1, bRows, dim);
        const out = new Float32Array(aRows * bRows).fill(NaN);
        wasm.abt(a, aRows, b, bRows, dim, out);
        for (let i = 0; i < aRows; i++) {
          for (let j = 0; j < bRows; j++) {
            let s = 0;
            for (let k = 0; k < dim; k++) s += a[i * dim + k]! * b[j * dim + k]!;
            assertAlmostEquals(out[i * bRows + j]!, s, 1e-6);
          }
        }
      },
    ),
    { numRuns: 60 },
  );
  // sameA reuses the module's copy of A; without it a changed A is read again.
  const a0 = unitRows(7, 6, 9), b0 = unitRows(8, 5, 9), b1 = unitRows(9, 5, 9);
  const first = new Float32Array(30), second = new Float32Array(30), ref0 = new Float32Array(30);
  wasm.abt(a0, 6, b0, 5, 9, first);
  wasm.abt(a0, 6, b1, 5, 9, second, true);
  JS_GEMM.abt(a0, 6, b1, 5, 9, ref0);
  for (let k = 0; k < 30; k++) assertAlmostEquals(second[k]!, ref0[k]!, 1e-6);
  const a1 = unitRows(10, 6, 9);
  wasm.abt(a1, 6, b1, 5, 9, second, false);
  JS_GEMM.abt(a1, 6, b1, 5, 9, ref0);
  for (let k = 0; k < 30; k++) assertAlmostEquals(second[k]!, ref0[k]!, 1e-6);
  // A block larger than the module's first 64 KiB page grows its memory; results still match.
  const a = unitRows(3, 300, 64), b = unitRows(4, 301, 64);
  const big = new Float32Array(300 * 301), ref = new Float32Array(300 * 301);
  wasm.abt(a, 300, b, 301, 64, big);
  JS_GEMM.abt(a, 300, b, 301, 64, ref);
  for (let k = 0; k < big.length; k++) assertAlmostEquals(big[k]!, ref[k]!, 1e-6);
});

Deno.test("the committed WebAssembly module is the compile of gemm_simd.wat", async () => {
  const { generate } = await import("../../../benchmarks/tools/build_wasm_gemm.ts");
  const committed = await Deno.readTextFile(
    new URL("../../../algorithms/distance/wasm/_gemm_simd_wasm.ts", import.meta.url),
  );
  assertEquals(committed, await generate(), "regenerate: deno run -A benchmarks/tools/build_wasm_gemm.ts");
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

Deno.test("layoutCosineDistances() on worker threads writes the same matrix as one thread", () => {
  const x = unitRows(12, 2100, 24, true); // above the 2,048 rows where threads start
  const one = condensedCosineDistances(x, 24, { blockRows: 256 });
  for (const threads of [2, 3]) {
    const many = condensedCosineDistances(x, 24, { blockRows: 256, threads });
    assertEquals(many.buffer instanceof SharedArrayBuffer, true);
    assertEquals(many, one, `${threads} threads`);
  }
  // A custom kernel cannot move to a worker: it runs on the calling thread.
  const js = condensedCosineDistances(x.subarray(0, 300 * 24), 24, { gemm: JS_GEMM, threads: 2 });
  assertEquals(js.buffer instanceof SharedArrayBuffer, false);
});

Deno.test("thresholdEdgesParallel() finds exactly the one-thread threshold graph", async () => {
  const x = unitRows(21, 1500, 12, true);
  const one = thresholdEdges(x, 12, 0.35, { blockRows: 200 });
  const key = (e: { i: Int32Array; j: Int32Array; d: Float32Array }) =>
    Array.from(e.i, (_, k) => `${e.i[k]},${e.j[k]},${e.d[k]}`).sort();
  for (const threads of [1, 2, 3]) {
    const many = await thresholdEdgesParallel(x, 12, 0.35, { threads, blockRows: 200 });
    assertEquals(key(many), key(one), `${threads} threads`);
  }
});
