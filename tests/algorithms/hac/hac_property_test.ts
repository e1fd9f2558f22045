import fc from "fast-check";
import { countClusters, cutDendrogram, hac, type Linkage, LINKAGE_IDS } from "../../../algorithms/hac/mod.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import { eagerGenericCore, heights, naiveHac, pairContext, samePartition, unitRows } from "./_fixtures.ts";
import { Rng } from "../../../algorithms/random/rng.ts";

const ALL: readonly Linkage[] = LINKAGE_IDS;
const REDUCIBLE: Linkage[] = ["single", "complete", "average", "median"];
// fast-check prints the seed and path of a failing run; pass them back here to replay it.
const RUNS = { numRuns: 25 };

const input = fc.record({
  seed: fc.integer({ min: 0, max: 1e9 }),
  n: fc.integer({ min: 1, max: 28 }),
  dim: fc.integer({ min: 2, max: 6 }),
  clustered: fc.boolean(),
  t: fc.double({ min: 0, max: 1.2, noNaN: true }),
  linkage: fc.constantFrom(...ALL),
  samplePairs: fc.integer({ min: 1, max: 12 }),
});

function isCanonical(labels: Int32Array): boolean {
  let next = 0;
  for (const l of labels) {
    if (l > next || l < 0) return false;
    if (l === next) next++;
  }
  return true;
}

Deno.test("hac() returns a valid partition and a valid scipy merge list for every linkage", () => {
  fc.assert(
    fc.property(input, ({ seed, n, dim, clustered, t, linkage, samplePairs }) => {
      const x = unitRows(seed, n, dim, clustered);
      const r = hac(x, dim, { linkage, threshold: t, samplePairs, seed });
      assertEquals(r.labels.length, n);
      assert(isCanonical(r.labels));
      const full = hac(x, dim, { linkage, samplePairs, seed });
      assertEquals(full.merges.length, Math.max(0, n - 1) * 4);
      for (let k = 0; k < n - 1; k++) {
        const a = full.merges[k * 4]!, b = full.merges[k * 4 + 1]!;
        assert(a < b && b < n + k, `merge ${k} ids`);
      }
      if (n >= 1) assertEquals(full.merges[(n - 2) * 4 + 3] ?? n, n);
      assertEquals(full.iterations.seconds.length, Math.max(0, n - 1));
      // A thresholded run equals the cut of the full dendrogram.
      assert(samePartition(r.labels, cutDendrogram(full.merges, n, t)), "threshold run vs cut");
    }),
    RUNS,
  );
});

Deno.test("hac(): permuting the input permutes the partition (reducible linkages)", () => {
  fc.assert(
    fc.property(input, fc.integer(), ({ seed, n, dim, clustered, t, linkage }, pseed) => {
      if (!REDUCIBLE.includes(linkage)) linkage = "average";
      const x = unitRows(seed, n, dim, clustered);
      const perm = Array.from({ length: n }, (_, i) => i);
      let s = pseed >>> 0;
      for (let i = n - 1; i > 0; i--) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const j = s % (i + 1);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      const y = new Float32Array(x.length);
      perm.forEach((src, i) => y.set(x.subarray(src * dim, (src + 1) * dim), i * dim));
      const a = hac(x, dim, { linkage, threshold: t });
      const b = hac(y, dim, { linkage, threshold: t });
      const back = Int32Array.from(perm.map((_, i) => 0 * i));
      perm.forEach((src, i) => (back[src] = b.labels[i]!));
      assert(samePartition(a.labels, back), "partition not permuted");
      const ha = heights(hac(x, dim, { linkage }).merges), hb = heights(hac(y, dim, { linkage }).merges);
      ha.forEach((h, i) => assertAlmostEquals(h, hb[i]!, 1e-6));
    }),
    RUNS,
  );
});

Deno.test("hac(): merge heights are monotone for reducible linkages", () => {
  fc.assert(
    fc.property(input, ({ seed, n, dim, clustered, linkage }) => {
      if (!REDUCIBLE.includes(linkage)) linkage = "median";
      const r = hac(unitRows(seed, n, dim, clustered), dim, { linkage });
      const h = heights(r.merges);
      for (let i = 1; i < h.length; i++) assert(h[i]! >= h[i - 1]!, `height ${i} decreases`);
      assertEquals(r.inversions, 0);
    }),
    RUNS,
  );
});

Deno.test("hac(): a higher threshold never splits a cluster", () => {
  fc.assert(
    fc.property(input, fc.double({ min: 0, max: 0.5, noNaN: true }), (p, dt) => {
      const x = unitRows(p.seed, p.n, p.dim, p.clustered);
      const opts = { linkage: p.linkage, samplePairs: p.samplePairs, seed: p.seed };
      const lo = hac(x, p.dim, { ...opts, threshold: p.t }).labels;
      const hi = hac(x, p.dim, { ...opts, threshold: p.t + dt }).labels;
      const map = new Map<number, number>();
      for (let i = 0; i < p.n; i++) {
        const m = map.get(lo[i]!);
        if (m === undefined) map.set(lo[i]!, hi[i]!);
        else assertEquals(hi[i], m, "a cluster was split by a higher threshold");
      }
    }),
    RUNS,
  );
});

Deno.test("hac(): the connected-component (sparse) mode gives exactly the dense result", () => {
  fc.assert(
    fc.property(input, (p) => {
      const x = unitRows(p.seed, p.n, p.dim, p.clustered);
      const opts = { linkage: p.linkage, samplePairs: p.samplePairs, seed: p.seed, threshold: p.t };
      const dense = hac(x, p.dim, { ...opts, mode: "dense" });
      const sparse = hac(x, p.dim, { ...opts, mode: "sparse" });
      assertEquals(sparse.labels, dense.labels);
      assertEquals(heights(sparse.merges).sort(), heights(dense.merges).sort());
      assertEquals(sparse.mode, "sparse");
    }),
    RUNS,
  );
});

Deno.test("hac(): same seed gives the same sampled-median result", () => {
  fc.assert(
    fc.property(input, (p) => {
      const x = unitRows(p.seed, p.n, p.dim, p.clustered);
      const opts = { linkage: "median-sampled" as const, samplePairs: p.samplePairs, seed: p.seed };
      const a = hac(x, p.dim, opts), b = hac(x, p.dim, opts);
      assertEquals(a.merges, b.merges);
      assertEquals(a.inversions, b.inversions);
    }),
    RUNS,
  );
});

Deno.test("hac() agrees with a naive O(n³) HAC on small inputs", () => {
  fc.assert(
    fc.property(input, (p) => {
      const x = unitRows(p.seed, p.n, p.dim, false);
      const opts = { samplePairs: p.samplePairs, seed: p.seed };
      const full = hac(x, p.dim, { linkage: p.linkage, ...opts });
      const naive = naiveHac(x, p.dim, p.linkage, opts);
      const ours = heights(full.merges);
      const theirs = naive.heights;
      if (p.linkage !== "median-sampled") {
        ours.sort((a, b) => a - b);
        theirs.sort((a, b) => a - b);
      }
      assertEquals(ours.length, theirs.length);
      ours.forEach((h, i) => assertAlmostEquals(h, theirs[i]!, 1e-5, `height ${i}`));
      // Cut halfway between two clearly separated heights, where rounding cannot change the answer.
      const sorted = [...theirs].sort((a, b) => a - b);
      for (let i = 0; i + 1 < sorted.length; i++) {
        if (sorted[i + 1]! - sorted[i]! < 1e-4) continue;
        const t = (sorted[i]! + sorted[i + 1]!) / 2;
        const got = hac(x, p.dim, { linkage: p.linkage, ...opts, threshold: t }).labels;
        assert(samePartition(got, naive.cut(t)), `partition at ${t}`);
      }
    }),
    { numRuns: 20 },
  );
});

Deno.test("hac() edge cases: n = 0, n = 1, duplicates, bad input", () => {
  for (const linkage of ALL) {
    const empty = hac(new Float32Array(0), 3, { linkage, threshold: 0.5 });
    assertEquals(empty.labels.length, 0);
    const one = hac(Float32Array.of(1, 0, 0), 3, { linkage });
    assertEquals([...one.labels], [0]);
    assertEquals(one.merges.length, 0);
    const dup = hac(Float32Array.of(1, 0, 1, 0, 0, 1), 2, { linkage, threshold: 0 });
    assertEquals([...dup.labels], [0, 0, 1]);
  }
  assertThrows(() => hac(Float32Array.of(NaN, 0), 2, { linkage: "average" }), RangeError, "row 0 contains NaN");
  assertThrows(() => hac(Float32Array.of(1, 0, 0), 2, { linkage: "average" }), TypeError, "multiple of dim");
  assertThrows(() => hac(Float32Array.of(1, 0), 2, { linkage: "average", threshold: -1 }), RangeError, "threshold");
  assertThrows(() => hac(Float32Array.of(1, 0), 2, { linkage: "ward" as Linkage }), RangeError, "unknown linkage");
  assertThrows(() => hac(Float32Array.of(2, 0), 2, { linkage: "single" }), RangeError, "not L2-normalised");
});

Deno.test("hac() instruments every merge: pair distances read and clock-based seconds", () => {
  let t = 0;
  const clock = () => (t += 2);
  const x = unitRows(3, 40, 4, true);
  for (const linkage of ALL) {
    const r = hac(x, 4, { linkage, clock });
    assertEquals(r.iterations.seconds.length, 39);
    assert(r.iterations.seconds.every((s) => s > 0), `${linkage}: seconds from the injected clock`);
    // The medians' sweep reads pairs between merges: two merges in a row may read none in between.
    const counted = linkage === "median" || linkage === "median-sampled"
      ? r.iterations.pairDistances.every((c) => c >= 0) && r.iterations.pairDistances.some((c) => c > 0)
      : r.iterations.pairDistances.every((c) => c > 0);
    assert(counted, `${linkage}: pair distances counted`);
  }
  const none = hac(x, 4, { linkage: "average" });
  assert(none.iterations.seconds.every((s) => s === 0), "no clock → zero times");
});

Deno.test("hac() median: the streaming radix select gives the same tree as gathering", () => {
  const x = unitRows(11, 60, 5, true);
  const gathered = hac(x, 5, { linkage: "median" });
  const streamed = hac(x, 5, { linkage: "median", scratchPairs: 3 });
  assertEquals(streamed.merges, gathered.merges);
});

Deno.test("exact and sampled median: bounded cores make exactly the merges of the eager generic algorithm", async () => {
  const { genericCore, lazyReducibleCore } = await import("../../../algorithms/hac/_cores.ts");
  const { getLinkage } = await import("../../../algorithms/hac/linkage.ts");
  const { condensedCosineDistances } = await import("../../../algorithms/distance/cosine.ts");
  fc.assert(
    fc.property(input, (p) => {
      const x = unitRows(p.seed, p.n, p.dim, p.clustered);
      const d = condensedCosineDistances(x, p.dim);
      const ctx = () => pairContext(d, p.n);
      const f = getLinkage("median").pairs;
      const eager = eagerGenericCore(ctx(), d.slice(), f, p.t, undefined);
      const lazy = lazyReducibleCore(ctx(), f, p.t, undefined);
      assertEquals(lazy.m, eager.m);
      assertEquals(lazy.raw, eager.raw);
      // The sampled median over 16-bit bounds (one float32 matrix) = over a float32 cluster matrix.
      const sampled = { ...ctx(), samplePairs: p.samplePairs, seed: p.seed };
      const g = getLinkage("median-sampled").pairs;
      const eagerSampled = eagerGenericCore({ ...sampled }, d.slice(), g, p.t, undefined);
      const coded = genericCore({ ...sampled }, g, p.t, undefined);
      assertEquals(coded.m, eagerSampled.m);
      assertEquals(coded.raw, eagerSampled.raw);
      assertEquals(coded.inversions, eagerSampled.inversions);
    }),
    RUNS,
  );
});

Deno.test("hac() sampled median: several components with sampled linkages give exactly the dense merges", () => {
  let checked = 0;
  for (let seed = 0; seed < 12; seed++) {
    const x = unitRows(seed, 80, 4, true);
    const opts = { linkage: "median-sampled" as const, samplePairs: 2, seed, threshold: 0.35 };
    const dense = hac(x, 4, { ...opts, mode: "dense" });
    const sparse = hac(x, 4, { ...opts, mode: "sparse" });
    assertEquals(sparse.labels, dense.labels);
    assertEquals(heights(sparse.merges).sort(), heights(dense.merges).sort());
    if (sparse.components > 1 && sparse.merges.length / 4 > 10) checked++;
  }
  assert(checked >= 3, `only ${checked} inputs had several components and merges`);
});

/** Unit rows drawn from a few directions with small integer coordinates: many exactly equal distances. */
function tiedRows(seed: number, n: number, dim: number, directions: number): Float32Array {
  const rng = new Rng(seed);
  const protos = Array.from({ length: directions }, () => Array.from({ length: dim }, () => rng.int(3) - 1 || 1));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const p = protos[rng.int(directions)]!;
    const norm = Math.hypot(...p);
    for (let k = 0; k < dim; k++) x[i * dim + k] = p[k]! / norm;
  }
  return x;
}

const sweepInput = fc.record({
  seed: fc.integer({ min: 0, max: 1e9 }),
  n: fc.integer({ min: 2, max: 30 }),
  dim: fc.integer({ min: 2, max: 5 }),
  tied: fc.boolean(),
  directions: fc.integer({ min: 2, max: 6 }),
  windowPairs: fc.integer({ min: 1, max: 60 }),
  t: fc.double({ min: 0, max: 1.6, noNaN: true }),
});

Deno.test("median sweep = the textbook greedy HAC (ties to the smallest first members), many tied distances included", async () => {
  const { medianSweepCore } = await import("../../../algorithms/hac/_median_sweep.ts");
  const { condensedCosineDistances } = await import("../../../algorithms/distance/cosine.ts");
  const { toScipyLinkage } = await import("../../../algorithms/hac/mod.ts");
  fc.assert(
    fc.property(sweepInput, (p) => {
      const x = p.tied ? tiedRows(p.seed, p.n, p.dim, p.directions) : unitRows(p.seed, p.n, p.dim, true);
      const d = condensedCosineDistances(x, p.dim);
      const ctx = () => pairContext(d, p.n);
      // Small windows: many extraction passes, merges queued across window borders.
      const r = medianSweepCore(ctx(), Infinity, undefined, { windowPairs: p.windowPairs })!;
      const z = toScipyLinkage(r.raw, r.m, p.n, true);
      const naive = naiveHac(x, p.dim, "median");
      assertEquals(heights(z), naive.heights, "heights, in merge order");
      for (const h of [-1, ...naive.heights]) {
        assert(samePartition(cutDendrogram(z, p.n, h), naive.cut(h)), `partition at ${h}`);
      }
      // A thresholded sweep makes exactly the merges ≤ t.
      const cut = medianSweepCore(ctx(), p.t, undefined, { windowPairs: p.windowPairs })!;
      assertEquals(cut.m, naive.heights.filter((h) => h <= p.t).length);
    }),
    { numRuns: 60 },
  );
});

Deno.test("hac() median: the sweep and the generic loop give the same SciPy merges (no ties)", () => {
  fc.assert(
    fc.property(input, (p) => {
      const x = unitRows(p.seed, p.n, p.dim, p.clustered);
      const sweep = hac(x, p.dim, { linkage: "median", algorithm: "sweep" });
      const generic = hac(x, p.dim, { linkage: "median", algorithm: "generic" });
      assertEquals(sweep.merges, generic.merges);
      const ts = hac(x, p.dim, { linkage: "median", algorithm: "sweep", threshold: p.t });
      const tg = hac(x, p.dim, { linkage: "median", algorithm: "generic", threshold: p.t });
      assertEquals(ts.labels, tg.labels);
    }),
    RUNS,
  );
});

Deno.test("hac() median: massive exact ties (hundreds of duplicates) hand the sweep over to the generic loop", async () => {
  const { medianSweepCore } = await import("../../../algorithms/hac/_median_sweep.ts");
  const { condensedCosineDistances } = await import("../../../algorithms/distance/cosine.ts");
  // 420 points on 3 directions: ≈ 29,000 pairs of copies tie at distance 0.
  const n = 420, x = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) x[i * 3 + (i % 3)] = 1;
  const d = condensedCosineDistances(x, 3);
  assertEquals(medianSweepCore(pairContext(d, n), Infinity, undefined, { maxReached: 4 * n }), null);
  assert(medianSweepCore(pairContext(d, n), Infinity, undefined) !== null, "under the default limit");
  const sweep = hac(x, 3, { linkage: "median" }), generic = hac(x, 3, { linkage: "median", algorithm: "generic" });
  assertEquals(heights(sweep.merges), heights(generic.merges));
  assertEquals(countClusters(hac(x, 3, { linkage: "median", threshold: 0.5 }).labels), 3);
});

Deno.test("hac() sampled median: the sweep and the generic loop give the same merges and inversions (no ties)", () => {
  fc.assert(
    fc.property(input, (p) => {
      const x = unitRows(p.seed, p.n, p.dim, p.clustered);
      const opts = { linkage: "median-sampled" as const, samplePairs: p.samplePairs, seed: p.seed };
      const sweep = hac(x, p.dim, { ...opts, algorithm: "sweep" });
      const generic = hac(x, p.dim, { ...opts, algorithm: "generic" });
      assertEquals(sweep.merges, generic.merges);
      assertEquals(sweep.inversions, generic.inversions);
      const ts = hac(x, p.dim, { ...opts, algorithm: "sweep", threshold: p.t });
      const tg = hac(x, p.dim, { ...opts, algorithm: "generic", threshold: p.t });
      assertEquals(ts.labels, tg.labels);
    }),
    RUNS,
  );
  // Larger clusters than k = 8 (S = 64): representatives drop out during the sweep, inversions appear.
  let inversions = 0;
  for (const seed of [1, 2]) {
    const x = unitRows(seed, 400, 8, seed === 1);
    const sweep = hac(x, 8, { linkage: "median-sampled", seed, algorithm: "sweep" });
    const generic = hac(x, 8, { linkage: "median-sampled", seed, algorithm: "generic" });
    assertEquals(sweep.merges, generic.merges);
    inversions += sweep.inversions;
  }
  assert(inversions > 0, "the sampled median is not reducible: some inversions expected");
});
