/**
 * Lance–Williams updates: after merging two clusters, the distance of every other cluster to the merged one
 * follows from its two old distances, in place in the matrix.
 * @module
 */
import type { PairLayout } from "../distance/layout.ts";

/** Lance–Williams rules the merge loops know: 0 = min (single), 1 = max (complete), 2 = size-weighted mean. */
export type LanceWilliamsRule = 0 | 1 | 2;

/**
 * Lance–Williams row update after merging slots x < y into `keep` (x or y; the other retires): for every
 * active slot i ≠ x, y set D(i, keep) = f(D(i, x), D(i, y)). `active` lists the active slots in
 * increasing order (`count` of them). Returns the number of entries read.
 */
export type LanceWilliamsUpdate = (
  d: Float32Array,
  layout: PairLayout,
  active: Int32Array,
  count: number,
  x: number,
  y: number,
  nx: number,
  ny: number,
  keep: number,
) => number;

/**
 * The NN-chain's in-place update for a rule.
 * @param kind the rule
 * @returns the update
 */
export function lanceWilliamsUpdate(kind: LanceWilliamsRule): LanceWilliamsUpdate {
  // One specialised loop per rule keeps the inner loop monomorphic; the active slots are split into the
  // ranges i < x, x < i < y and i > y so that each range has a fixed memory layout (column or row).
  return (d, layout, active, count, x, y, nx, ny, keep) => {
    const { rowBase, col } = layout;
    const wx = nx / (nx + ny), wy = ny / (nx + ny);
    const bx = rowBase[x]!, by = rowBase[y]!, cx = col[x]!, cy = col[y]!;
    // Each range writes where `keep`'s entry lives: the x-side index when x keeps, else the y-side one.
    const keepX = keep === x;
    let p = 0;
    for (; p < count; p++) {
      const i = active[p]!;
      if (i >= x) break;
      const bi = rowBase[i]!;
      const dx = d[bi + cx]!, dy = d[bi + cy]!;
      d[keepX ? bi + cx : bi + cy] = kind === 0
        ? (dx < dy ? dx : dy)
        : kind === 1
        ? (dx > dy ? dx : dy)
        : wx * dx + wy * dy;
    }
    for (; p < count; p++) {
      const i = active[p]!;
      if (i === x) continue;
      if (i >= y) break;
      const ix = bx + col[i]!, iy = rowBase[i]! + cy;
      const dx = d[ix]!, dy = d[iy]!;
      d[keepX ? ix : iy] = kind === 0 ? (dx < dy ? dx : dy) : kind === 1 ? (dx > dy ? dx : dy) : wx * dx + wy * dy;
    }
    for (; p < count; p++) {
      const i = active[p]!;
      if (i === y) continue;
      const ci = col[i]!;
      const dx = d[bx + ci]!, dy = d[by + ci]!;
      d[keepX ? bx + ci : by + ci] = kind === 0
        ? (dx < dy ? dx : dy)
        : kind === 1
        ? (dx > dy ? dx : dy)
        : wx * dx + wy * dy;
    }
    return 2 * count;
  };
}
