/**
 * Agreement between our outputs and a reference library's: merge heights, partitions at cuts, lasso objectives.
 * @module
 */
import { canonicalLabels } from "../../algorithms/hac/dendrogram.ts";

/** Merge heights (column 2 of SciPy-format merges), sorted ascending. */
export function sortedHeights(merges: Float64Array): Float64Array {
  const m = merges.length / 4, h = new Float64Array(m);
  for (let k = 0; k < m; k++) h[k] = merges[k * 4 + 2]!;
  return h.sort();
}

/**
 * Largest |difference| between the sorted merge heights of two dendrograms of the same points (∞ when their
 * merge counts differ). Sorted, because merges of equal height may be listed in another order.
 */
export function maxHeightDifference(a: Float64Array, b: Float64Array): number {
  const ha = sortedHeights(a), hb = sortedHeights(b);
  if (ha.length !== hb.length) return Infinity;
  let worst = 0;
  for (let k = 0; k < ha.length; k++) worst = Math.max(worst, Math.abs(ha[k]! - hb[k]!));
  return worst;
}

/** A cut level and the distance from it to the nearest merge height. */
export interface CutLevel {
  threshold: number;
  /** Half the gap between the merge heights around the cut: rounding smaller than this cannot move a merge. */
  margin: number;
}

/**
 * Cut levels for partition comparisons: near each fraction of the merges (0.5 = after half of them), the middle
 * of the widest gap between consecutive merge heights in a small window, so that float32-vs-float64 rounding of
 * the distances cannot carry a merge across the cut.
 * @param merges reference SciPy-format merges
 * @param fractions where to cut, as fractions of the merge count, in (0, 1)
 */
export function cutLevels(merges: Float64Array, fractions: readonly number[]): CutLevel[] {
  const h = sortedHeights(merges), m = h.length;
  if (m < 2) return [];
  const w = Math.max(2, Math.floor(m / 200));
  return fractions.map((f) => {
    const k = Math.min(m - 2, Math.max(0, Math.floor(f * m)));
    let best = Math.max(0, k - w);
    for (let i = Math.max(0, k - w); i <= Math.min(m - 2, k + w); i++) {
      if (h[i + 1]! - h[i]! > h[best + 1]! - h[best]!) best = i;
    }
    return { threshold: (h[best]! + h[best + 1]!) / 2, margin: (h[best + 1]! - h[best]!) / 2 };
  });
}

/** Whether two labelings are the same partition (labels may be renumbered; −1 must match −1). */
export function samePartition(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  const ca = canonicalLabels(a), cb = canonicalLabels(b);
  for (let i = 0; i < ca.length; i++) if (ca[i] !== cb[i]) return false;
  return true;
}

/** Summary of two objective vectors: relative difference (ours − theirs) / theirs. */
export interface ObjectiveAgreement {
  /** Largest relative excess of ours over theirs (≤ 0: ours is never worse). */
  maxRelExcess: number;
  /** Mean relative difference (negative: ours lower on average). */
  meanRelDiff: number;
}

/** Compares per-query objectives of the same problems (lower is better). */
export function objectiveAgreement(ours: ArrayLike<number>, theirs: ArrayLike<number>): ObjectiveAgreement {
  let worst = -Infinity, sum = 0;
  for (let i = 0; i < ours.length; i++) {
    const rel = (ours[i]! - theirs[i]!) / Math.max(Math.abs(theirs[i]!), 1e-300);
    worst = Math.max(worst, rel);
    sum += rel;
  }
  return { maxRelExcess: worst, meanRelDiff: ours.length > 0 ? sum / ours.length : 0 };
}
