/** Small inputs and a naive reference HAC for the HAC tests. @module */
import { Rng } from "../../../algorithms/random/rng.ts";
import { condensedCosineDistances } from "../../../algorithms/distance/cosine.ts";
import { getLinkage, type Linkage } from "../../../algorithms/hac/linkage.ts";
import {
  newPairContext,
  type PairContext,
  type PairLinkage,
  pairSource,
} from "../../../algorithms/hac/pair_context.ts";
import { type CoreResult, mergeSorted } from "../../../algorithms/hac/_cores.ts";
import { IndexedHeap } from "../../../algorithms/hac/indexed_heap.ts";

/** n random unit rows of length dim; with `clustered`, rows gather around a few centres. */
export function unitRows(seed: number, n: number, dim: number, clustered = false): Float32Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => rng.normal()));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(centres.length)]!;
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = (clustered ? c[k]! : 0) + rng.normal() * (clustered ? 0.35 : 1);
      out[i * dim + k] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) out[i * dim + k]! *= inv;
  }
  return out;
}

/** A fresh {@link PairContext} over condensed distances (the HAC cores' working state). */
export function pairContext(
  d: Float32Array,
  n: number,
  opts: { samplePairs?: number; seed?: number; scratch?: number } = {},
): PairContext {
  return newPairContext(pairSource(d, n), {
    scratchPairs: opts.scratch ?? 4096,
    samplePairs: opts.samplePairs,
    seed: opts.seed,
  });
}

/** True when two labelings are the same partition (up to relabelling). */
export function samePartition(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  const f = new Map<number, number>(), g = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if ((f.has(x) && f.get(x) !== y) || (g.has(y) && g.get(y) !== x)) return false;
    f.set(x, y);
    g.set(y, x);
  }
  return true;
}

/** Heights column of a merge list. */
export function heights(merges: Float64Array): number[] {
  return Array.from({ length: merges.length / 4 }, (_, i) => merges[i * 4 + 2]!);
}

/**
 * Textbook O(n³) HAC: at each step compute the linkage of every pair of clusters from member pairs
 * and merge the closest (ties: smallest members first). Returns merge heights in order and the
 * partition after every merge count, for comparison with `hac()`.
 */
export function naiveHac(
  vectors: Float32Array,
  dim: number,
  linkage: Linkage,
  opts: { samplePairs?: number; seed?: number } = {},
): { heights: number[]; cut(t: number): Int32Array } {
  const n = vectors.length / dim;
  const ctx = pairContext(condensedCosineDistances(vectors, dim), n, { scratch: 1 << 16, ...opts });
  const f = getLinkage(linkage).pairs;
  let clusters: Int32Array[] = Array.from({ length: n }, (_, i) => Int32Array.of(i));
  const hs: number[] = [];
  const snapshots: Int32Array[] = [];
  const snap = () => {
    const l = new Int32Array(n);
    clusters.forEach((c, k) => c.forEach((p) => (l[p] = k)));
    snapshots.push(l);
  };
  snap();
  while (clusters.length > 1) {
    let best = Infinity, bi = -1, bj = -1;
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        const v = Math.fround(f(ctx, clusters[i]!, clusters[j]!));
        if (v < best) [best, bi, bj] = [v, i, j];
      }
    }
    const merged = Int32Array.from([...clusters[bi]!, ...clusters[bj]!]).sort();
    clusters = clusters.filter((_, k) => k !== bi && k !== bj);
    clusters.push(merged);
    clusters.sort((a, b) => a[0]! - b[0]!);
    hs.push(best);
    snap();
  }
  return {
    heights: hs,
    // Greedy stop: merges are made while the closest pair is ≤ t.
    cut(t: number) {
      let k = 0;
      while (k < hs.length && hs[k]! <= t) k++;
      return snapshots[k]!;
    },
  };
}

/**
 * Reference for the HAC cores' tests: the textbook generic HAC (Müllner 2011, "Modern hierarchical, agglomerative clustering algorithms", generic
 * algorithm): a cluster-distance matrix `dc` over slots (initialised from the point distances, then
 * overwritten), a lower-bound nearest neighbour per slot among larger slots, and a heap. Every merge
 * recomputes the linkage of the new cluster to every active cluster from member pairs. Always merges
 * the globally closest pair (ties: smallest first slot, then smallest second slot), so it is exact for
 * any linkage and stops as soon as the closest pair is farther than `threshold`. A merge lower than
 * the previous one is counted as an inversion.
 */
export function eagerGenericCore(
  ctx: PairContext,
  dc: Float32Array,
  linkage: PairLinkage,
  threshold: number,
  clock: (() => number) | undefined,
): CoreResult {
  const { n, rowBase, col } = ctx.src;
  const active = new Uint8Array(n).fill(1);
  const members: Int32Array[] = Array.from({ length: n }, (_, i) => Int32Array.of(i));
  const nn = new Int32Array(n).fill(-1);
  const heap = new IndexedHeap(n);
  const D = (i: number, j: number) => (i < j ? dc[rowBase[i]! + col[j]!]! : dc[rowBase[j]! + col[i]!]!);
  const recompute = (i: number) => {
    let best = Infinity, arg = -1;
    const b = rowBase[i]!;
    for (let j = i + 1; j < n; j++) {
      if (!active[j]) continue;
      const v = dc[b + col[j]!]!;
      if (v < best) {
        best = v;
        arg = j;
      }
    }
    nn[i] = arg;
    if (arg < 0) heap.remove(i);
    else heap.set(i, best);
  };
  for (let i = 0; i < n - 1; i++) recompute(i);
  const raw = new Float64Array(Math.max(0, n - 1) * 4);
  const seconds = new Float64Array(Math.max(0, n - 1));
  const reads = new Float64Array(Math.max(0, n - 1));
  let m = 0, inversions = 0, prevH = -Infinity;
  let last = clock ? clock() : 0;
  let readsBefore = ctx.reads;
  while (heap.size > 0) {
    let i = heap.top();
    // Lazy validation: the heap key is a lower bound; recompute until the top is exact.
    while (i >= 0 && (nn[i]! < 0 || !active[nn[i]!] || D(i, nn[i]!) !== heap.key[i])) {
      recompute(i);
      ctx.reads += n - i - 1;
      i = heap.top();
    }
    if (i < 0) break;
    const j = nn[i]!;
    const h = heap.key[i]!;
    if (h > threshold) break;
    if (h < prevH) inversions++;
    prevH = h;
    raw[m * 4] = i;
    raw[m * 4 + 1] = j;
    raw[m * 4 + 2] = h;
    // Slot j keeps the merged cluster; slot i retires.
    active[i] = 0;
    heap.remove(i);
    const merged = mergeSorted(members[i]!, members[j]!);
    members[j] = merged;
    members[i] = new Int32Array(0);
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === j) continue;
      const v = linkage(ctx, merged, members[k]!);
      if (k < j) {
        const kj = rowBase[k]! + col[j]!;
        dc[kj] = v;
        const vf = dc[kj]!;
        if (vf < heap.key[k]! || heap.pos[k]! < 0) {
          nn[k] = j;
          heap.set(k, vf);
        } else if (nn[k] === i) nn[k] = j;
      } else dc[rowBase[j]! + col[k]!] = v;
    }
    if (j < n - 1) recompute(j);
    reads[m] = ctx.reads - readsBefore;
    readsBefore = ctx.reads;
    if (clock) {
      const now = clock();
      seconds[m] = (now - last) / 1000;
      last = now;
    }
    m++;
  }
  return { raw, m, inversions, seconds: seconds.subarray(0, m), pairDistances: reads.subarray(0, m) };
}
