import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import fc from "fast-check";
import {
  lassoObjective,
  prepareLasso,
  solveLasso,
  solveLassoBatch,
  solveLassoBatchGemm,
} from "../../../algorithms/assignment/lasso/mod.ts";
import { JS_GEMM } from "../../../algorithms/distance/cosine.ts";
import { sharedTest } from "../../_shared.ts";
import { loadLassoCases } from "./_reference.ts";
import { randomUnitRows } from "./_data.ts";

for (const solver of ["cd", "fista", "lars"] as const) {
  sharedTest(
    `solveLassoBatch(${solver}) matches the scikit-learn lasso references (objective and support)`,
    async () => {
      for (const c of await loadLassoCases()) {
        const dict = prepareLasso(c.dictionary, c.dim);
        const r = solveLassoBatch(dict, c.queries, c.lambda, { solver, tol: solver === "fista" ? 1e-8 : 1e-9 });
        for (let i = 0; i < c.objective.length; i++) {
          const y = c.queries.subarray(i * c.dim, (i + 1) * c.dim),
            x = r.codes.subarray(i * c.atoms, (i + 1) * c.atoms);
          const obj = lassoObjective(c.dictionary, c.dim, y, x, c.lambda), want = c.objective[i]!;
          assert(Math.abs(obj - want) <= 1e-6 * want, `${c.name} query ${i}: objective ${obj} vs reference ${want}`);
          for (let j = 0; j < c.atoms; j++) {
            const mine = Math.abs(x[j]!) > 1e-6, theirs = Math.abs(c.codes[i * c.atoms + j]!) > 1e-6;
            assertEquals(mine, theirs, `${c.name} query ${i} atom ${j}: ${x[j]} vs ${c.codes[i * c.atoms + j]}`);
          }
        }
      }
    },
  );
}

Deno.test("solveLasso satisfies the lasso optimality (KKT) conditions and cd/fista/lars agree", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 2, max: 24 }),
      // λ ≥ 0.01: tiny λ on an over-complete dictionary makes every solver crawl (a benchmark matter).
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      (seed, atoms, dim, lambda) => {
        const d = randomUnitRows(seed, atoms, dim), y = randomUnitRows(seed + 1, 1, dim);
        const dict = prepareLasso(d, dim);
        const r = solveLasso(dict, y, lambda, { tol: 1e-12 });
        // Gradient of the smooth part: g = D·(y − Dᵀx).
        for (let j = 0; j < atoms; j++) {
          let g = 0;
          for (let t = 0; t < dim; t++) {
            let res = y[t]!;
            for (let k = 0; k < atoms; k++) res -= r.x[k]! * d[k * dim + t]!;
            g += d[j * dim + t]! * res;
          }
          if (r.x[j] === 0) assert(Math.abs(g) <= lambda + 1e-6, `atom ${j}: |g| ${Math.abs(g)} > λ ${lambda}`);
          else assertAlmostEquals(g, lambda * Math.sign(r.x[j]!), 1e-5);
        }
        const f = solveLasso(dict, y, lambda, { solver: "fista", tol: 1e-12, maxIter: 200000 });
        assertAlmostEquals(f.objective, r.objective, 1e-7 * Math.max(1, r.objective));
        const l = solveLasso(dict, y, lambda, { solver: "lars" });
        assertAlmostEquals(l.objective, r.objective, 1e-7 * Math.max(1, r.objective));
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("solveLasso gives x = 0 exactly when λ ≥ max |D·y|", () => {
  const d = randomUnitRows(3, 30, 16), y = randomUnitRows(4, 1, 16);
  const dict = prepareLasso(d, 16);
  let cmax = 0;
  for (let j = 0; j < 30; j++) {
    let s = 0;
    for (let t = 0; t < 16; t++) s += d[j * 16 + t]! * y[t]!;
    cmax = Math.max(cmax, Math.abs(s));
  }
  assert(solveLasso(dict, y, cmax * 1.0001).x.every((v) => v === 0));
  assert(solveLasso(dict, y, cmax * 0.9).x.some((v) => v !== 0));
});

Deno.test("solveLassoBatch with warm starts reaches the same objectives, deterministically", () => {
  const d = randomUnitRows(5, 80, 32), q = randomUnitRows(6, 25, 32);
  const dict = prepareLasso(d, 32);
  const cold = solveLassoBatch(dict, q, 0.05, { tol: 1e-12 });
  const warm = solveLassoBatch(dict, q, 0.05, { tol: 1e-12, warmStart: true });
  for (let i = 0; i < 25; i++) assertAlmostEquals(warm.objective[i]!, cold.objective[i]!, 1e-9);
  assertEquals(solveLassoBatch(dict, q, 0.05).codes, solveLassoBatch(dict, q, 0.05).codes);
});

Deno.test("lasso rejects bad shapes, NaN and negative λ", () => {
  assertThrows(() => prepareLasso(new Float32Array(5), 2), TypeError);
  assertThrows(() => prepareLasso(new Float32Array([NaN, 1]), 2), RangeError);
  const dict = prepareLasso(new Float32Array([1, 0]), 2);
  assertThrows(() => solveLasso(dict, new Float32Array(3), 0.1), TypeError);
  assertThrows(() => solveLasso(dict, new Float32Array([NaN, 0]), 0.1), RangeError);
  assertThrows(() => solveLasso(dict, new Float32Array([1, 0]), -1), RangeError);
  assertEquals(solveLassoBatch(dict, new Float32Array(0), 0.1).codes.length, 0);
});

Deno.test("solveLassoBatchGemm with an injected float32 GEMM reaches the float64 path's objectives", async () => {
  const d = randomUnitRows(11, 60, 24), q = randomUnitRows(12, 30, 24);
  const dict = prepareLasso(d, 24);
  const gemm = { name: "js-async", abt: (...a: Parameters<typeof JS_GEMM.abt>) => Promise.resolve(JS_GEMM.abt(...a)) };
  const ref = solveLassoBatch(dict, q, 0.05, { tol: 1e-12 });
  const got = await solveLassoBatchGemm(dict, q, 0.05, { gemm, tol: 1e-12, blockRows: 7 });
  for (let i = 0; i < 30; i++) {
    const obj = lassoObjective(d, 24, q.subarray(i * 24, (i + 1) * 24), got.codes.subarray(i * 60, (i + 1) * 60), 0.05);
    assert(Math.abs(obj - ref.objective[i]!) <= 1e-6 * ref.objective[i]!, `query ${i}: ${obj} vs ${ref.objective[i]}`);
  }
});
