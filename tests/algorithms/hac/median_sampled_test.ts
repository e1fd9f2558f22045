/**
 * The sampled median on its own (no HAC loop): exact while both clusters are small, a uniformly random
 * set of representatives above, nested under merges, and centred on the exact median.
 */
import fc from "fast-check";
import { condensedCosineDistances } from "../../../algorithms/distance/cosine.ts";
import { hashLevel, pairMedianSampled, representatives } from "../../../algorithms/hac/median_sampled.ts";
import { newPairContext, pairDist, pairSource } from "../../../algorithms/hac/pair_context.ts";
import { Rng } from "../../../algorithms/random/rng.ts";
import { assert, assertEquals } from "../../_assert.ts";
import { unitRows } from "./_fixtures.ts";

/** Median by sorting (even count: mean of the two middle values), as float32 values. */
function sortedMedian(values: number[]): number {
  const v = values.map(Math.fround).sort((a, b) => a - b);
  const k = (v.length - 1) >> 1;
  return v.length & 1 ? v[k]! : (v[k]! + v[k + 1]!) / 2;
}

/** Written from the definition: the members whose level reaches the k-th largest level (all when ≤ k). */
function referenceReps(members: number[], seed: number, k: number): number[] {
  if (members.length <= k) return members;
  const levels = members.map((x) => hashLevel(seed, x)).sort((a, b) => b - a);
  const cut = levels[k - 1]!;
  return members.filter((x) => hashLevel(seed, x) >= cut);
}

/** Splits 0..n−1 into two random disjoint sorted member lists of the given sizes. */
function twoClusters(rng: Rng, n: number, sa: number, sb: number): [Int32Array, Int32Array] {
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const sort = (a: number[]) => Int32Array.from(a).sort();
  return [sort(ids.slice(0, sa)), sort(ids.slice(sa, sa + sb))];
}

const N = 160;
const X = unitRows(7, N, 6, true);
const D = condensedCosineDistances(X, 6);

Deno.test("pairMedianSampled is the exact median while both clusters have at most ⌈√S⌉ members", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 15 }),
      fc.integer({ min: 1, max: 15 }),
      (seed, samplePairs, sa0, sb0) => {
        const k = Math.ceil(Math.sqrt(samplePairs));
        const sa = Math.min(sa0, k), sb = Math.min(sb0, k);
        const [a, b] = twoClusters(new Rng(seed), N, sa, sb);
        const ctx = newPairContext(pairSource(D, N), { samplePairs, seed, scratchPairs: 4096 });
        const all = [...a].flatMap((x) => [...b].map((y) => pairDist(ctx.src, x, y)));
        assertEquals(pairMedianSampled(ctx, a, b), sortedMedian(all));
        assertEquals(ctx.reads, sa * sb);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("pairMedianSampled above ⌈√S⌉ members: the median over the representatives of the definition", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e9 }),
      fc.integer({ min: 1, max: 100 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 70 }),
      (seed, samplePairs, sa, sb) => {
        const k = Math.ceil(Math.sqrt(samplePairs));
        const [a, b] = twoClusters(new Rng(seed ^ 0x5bd1), N, sa, sb);
        const ctx = newPairContext(pairSource(D, N), { samplePairs, seed, scratchPairs: 4096 });
        const ra = referenceReps([...a], seed, k), rb = referenceReps([...b], seed, k);
        assertEquals([...representatives(ctx, a)], ra);
        assert(ra.length >= Math.min(k, sa) && rb.length >= Math.min(k, sb));
        const grid = ra.flatMap((x) => rb.map((y) => pairDist(ctx.src, x, y)));
        assertEquals(pairMedianSampled(ctx, a, b), sortedMedian(grid));
        // A function of the two clusters: argument order does not matter.
        assertEquals(pairMedianSampled(ctx, b, a), pairMedianSampled(ctx, a, b));
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("representatives of a union are the representatives of its parts that reach the new level", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 100 }), (seed, samplePairs) => {
      const rng = new Rng(seed);
      const [a, b] = twoClusters(rng, N, 1 + rng.int(60), 1 + rng.int(60));
      const ctx = newPairContext(pairSource(D, N), { samplePairs, seed, scratchPairs: 4096 });
      const union = Int32Array.from([...a, ...b]).sort();
      const parts = new Set([...representatives(ctx, a), ...representatives(ctx, b)]);
      for (const x of representatives(ctx, union)) assert(parts.has(x), `${x} came back`);
    }),
    { numRuns: 100 },
  );
});

Deno.test("sampled representatives are uniform over members, and the sampled median centres on the exact one", () => {
  const members = Int32Array.from({ length: 64 }, (_, i) => i);
  const k = 8, seeds = 3000;
  const hits = new Float64Array(64);
  let total = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const ctx = newPairContext(pairSource(D, N), { samplePairs: 64, seed, scratchPairs: 4096 });
    const reps = representatives(ctx, members);
    assert(reps.length >= k, "at least k representatives");
    for (const x of reps) hits[x]!++;
    total += reps.length;
  }
  const mean = total / 64;
  // Binomial counts around `mean`: every member within 6 standard deviations (p ≈ mean / seeds).
  const sd = Math.sqrt(mean * (1 - mean / seeds));
  for (let x = 0; x < 64; x++) assert(Math.abs(hits[x]! - mean) < 6 * sd, `member ${x}: ${hits[x]} vs ${mean}`);
  assert(total / seeds >= k && total / seeds < 2.5 * k, `mean representatives ${total / seeds}`);

  // Two clusters of 60: the sampled median over seeds scatters around the exact median.
  const [a, b] = twoClusters(new Rng(3), N, 60, 60);
  const exactCtx = newPairContext(pairSource(D, N), { samplePairs: 1e6, scratchPairs: 4096 });
  const exact = pairMedianSampled(exactCtx, a, b);
  const values: number[] = [];
  for (let seed = 0; seed < 400; seed++) {
    values.push(
      pairMedianSampled(newPairContext(pairSource(D, N), { samplePairs: 64, seed, scratchPairs: 4096 }), a, b),
    );
  }
  const avg = values.reduce((s, v) => s + v, 0) / values.length;
  const spread = Math.max(...values) - Math.min(...values);
  assert(spread > 0, "the seed changes the sample");
  assert(Math.abs(avg - exact) < 0.1 * spread + 0.01, `mean sampled ${avg} vs exact ${exact} (spread ${spread})`);
});
