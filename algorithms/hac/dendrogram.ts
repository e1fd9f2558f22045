/**
 * Dendrograms in SciPy's linkage format and flat cuts of them.
 *
 * A merge list is a row-major `Float64Array` of `m × 4` rows `[a, b, height, size]`: merge i joins
 * clusters a < b (ids < n are points, id n + k is the cluster formed by merge k) into a cluster of
 * `size` points. A full dendrogram has m = n − 1; a thresholded run stores only the merges it made.
 *
 * @module
 */
import { DisjointSets } from "./disjoint_sets.ts";

/**
 * Converts raw merges given by *representative points* (any member of each side) into SciPy's
 * format, relabelling with a union-find exactly as `scipy.cluster.hierarchy` does after its
 * NN-chain (`label()`): each row gets the current ids of both sides, smaller id first.
 *
 * @param raw m × 4 rows `[pointOfA, pointOfB, height, unused]`
 * @param m number of merges
 * @param n number of points
 * @param sortByHeight stable-sort rows by height first (reducible linkages; keeps SciPy's order)
 * @returns m × 4 SciPy linkage rows
 */
export function toScipyLinkage(raw: Float64Array, m: number, n: number, sortByHeight: boolean): Float64Array {
  const order = new Int32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  if (sortByHeight) {
    // Array.prototype.sort is stable, like numpy's mergesort used by SciPy.
    const idx = Array.from(order);
    idx.sort((p, q) => raw[p * 4 + 2]! - raw[q * 4 + 2]!);
    order.set(idx);
  }
  // id and size live at each set's root.
  const sets = new DisjointSets(n);
  const id = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) id[i] = i;
  const out = new Float64Array(m * 4);
  for (let k = 0; k < m; k++) {
    const row = order[k]!;
    const ra = sets.find(raw[row * 4]!), rb = sets.find(raw[row * 4 + 1]!);
    const ia = id[ra]!, ib = id[rb]!;
    out[k * 4] = Math.min(ia, ib);
    out[k * 4 + 1] = Math.max(ia, ib);
    out[k * 4 + 2] = raw[row * 4 + 2]!;
    const s = size[ra]! + size[rb]!;
    out[k * 4 + 3] = s;
    const root = sets.union(ra, rb);
    size[root] = s;
    id[root] = n + k;
  }
  return out;
}

/**
 * Flat clusters at a distance threshold, equivalent to SciPy's `fcluster(Z, t, criterion="distance")`:
 * a merge is applied when the largest height in its subtree is ≤ t (so dendrograms with inversions
 * are cut the way SciPy cuts them).
 *
 * @param merges m × 4 SciPy rows (m ≤ n − 1; a partial forest is allowed)
 * @param n number of points
 * @param threshold cut height
 * @returns labels 0..k−1, numbered by first appearance in point order
 * @throws {RangeError} when a row refers to an unknown id
 * @example
 * ```ts
 * import { cutDendrogram } from "./dendrogram.ts";
 * const z = new Float64Array([0, 1, 0.1, 2, 2, 3, 0.5, 3]);
 * const labels = cutDendrogram(z, 3, 0.2); // [0, 0, 1]
 * if (labels.join() !== "0,0,1") throw new Error();
 * ```
 */
export function cutDendrogram(merges: Float64Array, n: number, threshold: number): Int32Array {
  const m = merges.length / 4;
  const maxH = new Float64Array(n + m);
  const parent = new Int32Array(n + m);
  for (let i = 0; i < n + m; i++) parent[i] = i;
  for (let k = 0; k < m; k++) {
    const a = merges[k * 4]!, b = merges[k * 4 + 1]!, h = merges[k * 4 + 2]!;
    if (!(a >= 0 && a < n + k && b >= 0 && b < n + k)) {
      throw new RangeError(`merge ${k} refers to cluster ${a} or ${b}, allowed 0..${n + k - 1}`);
    }
    const mh = Math.max(h, maxH[a]!, maxH[b]!);
    maxH[n + k] = mh;
    if (mh <= threshold) {
      parent[a] = n + k;
      parent[b] = n + k;
    }
  }
  const root = (x: number): number => {
    while (parent[x] !== x) x = parent[x]!;
    return x;
  };
  return canonicalLabels(Int32Array.from({ length: n }, (_, i) => root(i)));
}

/** Renumbers arbitrary labels to 0..k−1 by first appearance; negative labels stay −1. */
export function canonicalLabels(labels: Int32Array): Int32Array {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l < 0) {
      out[i] = -1;
      continue;
    }
    let c = map.get(l);
    if (c === undefined) {
      c = map.size;
      map.set(l, c);
    }
    out[i] = c;
  }
  return out;
}

/** Number of distinct non-negative labels. */
export function countClusters(labels: Int32Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0) seen.add(labels[i]!);
  return seen.size;
}
