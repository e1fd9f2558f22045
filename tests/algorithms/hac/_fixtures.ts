/** Small inputs and a naive reference HAC for the HAC tests. @module */
import { Rng } from "../../../algorithms/random/rng.ts";
import { condensedCosineDistances } from "../../../algorithms/distance/cosine.ts";
import { getLinkage, type Linkage, type PairContext, pairSource } from "../../../algorithms/hac/linkage.ts";

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
  const d = condensedCosineDistances(vectors, dim);
  const ctx: PairContext = {
    src: pairSource(d, n),
    scratch: new Float32Array(1 << 16),
    samplePairs: opts.samplePairs ?? 64,
    seed: opts.seed ?? 0,
    ids: null,
    reads: 0,
    hist: new Int32Array(65536),
  };
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
