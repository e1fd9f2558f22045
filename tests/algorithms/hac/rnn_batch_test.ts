import fc from "fast-check";
import {
  condensedCosineDistances,
  layoutCosineDistances,
  tiledLayout,
  toCondensed,
} from "../../../algorithms/distance/mod.ts";
import { cutDendrogram, hac, type Linkage } from "../../../algorithms/hac/mod.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import { samePartition, unitRows } from "./_fixtures.ts";

const LW: Linkage[] = ["single", "complete", "average"];

/**
 * Same tree: equal heights in order (to float32 rounding), and the same partition between heights. Merges
 * at exactly equal heights may come in another order (float32 ties are common at dim 2), which changes
 * SciPy ids but no cut.
 */
function assertSameTree(a: Float64Array, b: Float64Array, n: number, what: string): void {
  assertEquals(a.length, b.length, `${what}: merge count`);
  for (let k = 0; k < a.length / 4; k++) {
    assertAlmostEquals(a[k * 4 + 2]!, b[k * 4 + 2]!, 1e-6, `${what}: height ${k}`);
  }
  // Cuts between consecutive heights (clear of float32 rounding: the two loops add in different orders).
  for (let k = 0; k + 1 < a.length / 4; k++) {
    const lo = a[k * 4 + 2]!, hi = a[(k + 1) * 4 + 2]!;
    if (hi - lo < 2e-6) continue;
    const t = (lo + hi) / 2;
    assert(samePartition(cutDendrogram(a, n, t), cutDendrogram(b, n, t)), `${what}: cut at ${t}`);
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
        assertSameTree(batch.merges, chain.merges, n, linkage);
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
  // A loop that does not run the linkage is refused, not replaced by the linkage's own.
  assertThrows(
    () => hac(x, 2, { linkage: "average", algorithm: "sweep" }),
    RangeError,
    'does not run linkage "average"',
  );
  assertThrows(() => hac(x, 2, { linkage: "median", algorithm: "nn-chain" }), RangeError, "it runs: sweep, generic");
  assertThrows(() => hac(x, 2, { linkage: "average", threads: 0 }), RangeError, "threads");
  assertThrows(() => hac(x, 2, { linkage: "average", threads: 1.5 }), RangeError, "threads");
  assertThrows(() => hac(x, 2, { linkage: "average", layout: "blocked" as "tiled" }), RangeError, "layout");
});

Deno.test("rnn-batch hands chain-like data to the NN-chain midway: single linkage's tree is unchanged", () => {
  // Points along a wavy arc: single linkage pairs few clusters per round, so the batched core finishes
  // with the NN-chain on its own state. The arc has exact float32 ties, so the comparison uses what ties
  // cannot change for single linkage: the sorted heights and the partition at every cut (connected
  // components of the graph d ≤ t).
  const n = 1800, dim = 3;
  const x = new Float32Array(n * dim);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const a = (i / n) * 3 + (s / 2 ** 32) * 1e-3;
    const z = 0.2 * Math.sin(i * 0.37);
    const norm = Math.hypot(Math.cos(a), Math.sin(a), z);
    x.set([Math.cos(a) / norm, Math.sin(a) / norm, z / norm], i * dim);
  }
  const batch = hac(x, dim, { linkage: "single" });
  const chain = hac(x, dim, { linkage: "single", algorithm: "nn-chain" });
  const hb = Array.from({ length: n - 1 }, (_, k) => batch.merges[k * 4 + 2]!);
  const hc = Array.from({ length: n - 1 }, (_, k) => chain.merges[k * 4 + 2]!);
  assertEquals(hb, hc);
  for (const q of [0.1, 0.5, 0.9, 0.99]) {
    const t = hc[Math.floor(q * (n - 2))]!;
    assert(samePartition(cutDendrogram(batch.merges, n, t), cutDendrogram(chain.merges, n, t)), `cut at ${t}`);
    assert(samePartition(hac(x, dim, { linkage: "single", threshold: t }).labels, cutDendrogram(chain.merges, n, t)));
  }
});

Deno.test("hac() with threads but no read access for worker modules runs on one thread instead of hanging", async () => {
  // The calling thread blocks in Atomics.wait, so a worker that cannot load its module must be caught before.
  const dir = await Deno.makeTempDir();
  const mod = new URL("../../../algorithms/hac/mod.ts", import.meta.url).href;
  const rows = new URL("./_fixtures.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/run.ts`,
    `import { hac } from "${mod}";\nimport { unitRows } from "${rows}";\n` +
      `const x = unitRows(4, 2300, 6, true);\n` +
      `console.log(JSON.stringify(Array.from(hac(x, 6, { linkage: "average", threads: 2 }).merges)));\n`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", `${dir}/run.ts`],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  await Deno.remove(dir, { recursive: true });
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const merges = Float64Array.from(JSON.parse(new TextDecoder().decode(out.stdout)));
  assertEquals(merges, hac(unitRows(4, 2300, 6, true), 6, { linkage: "average" }).merges);
});
