/**
 * Memory layouts of a symmetric pair-distance matrix stored once per pair. Every layout is separable:
 * pair (i, j) with i < j lives at `rowBase[i] + col[j]`, so the HAC loops take any layout without a
 * branch or a call per read.
 *
 * - `condensed`: scipy's `pdist` order (`col[j] = j`). Row i's pairs with larger points are contiguous,
 *   but its pairs with smaller points sit one whole row apart — at N = 20,000 every such read is a cache
 *   and TLB miss, and nearest-neighbour chains read both halves of a row at every step.
 * - `tiled`: the upper triangle in 64 × 64 super-tiles (16 KB, four pages) made of 4 × 4 tiles (one
 *   64-byte cache line). Both halves of a row now cost one cache line per four values and one page per
 *   sixteen: the column half of a scan touches 16× fewer lines-per-value worth of pages than condensed.
 *   Memory: ⌈n/64⌉(⌈n/64⌉+1)/2 · 4,096 floats (0.6 % above condensed at n = 20,000; the lower half of
 *   diagonal super-tiles and the padding are never read).
 * @module
 */

/** A separable pair layout: pair (i, j), i < j, is stored at `rowBase[i] + col[j]`. */
export interface PairLayout {
  /** Layout name (recorded with benchmark results). */
  readonly kind: "condensed" | "tiled";
  /** Number of points. */
  readonly n: number;
  /** Floats the matrix needs. */
  readonly length: number;
  /** Offset of point i's row part (Int32 whenever every index fits). */
  readonly rowBase: Int32Array | Float64Array;
  /** Offset of point j's column part. */
  readonly col: Int32Array | Float64Array;
}

/** Side of a super-tile of the tiled layout (points). */
export const SUPER_TILE = 64;
/** Side of an inner tile of the tiled layout (points): 4 × 4 floats = one cache line. */
export const INNER_TILE = 4;

function indexArray(length: number, n: number): Int32Array | Float64Array {
  return length <= 2 ** 31 - 1 ? new Int32Array(n) : new Float64Array(n);
}

/**
 * Scipy's condensed order: index of (i, j), i < j, is n·i − i(i+1)/2 + (j − i − 1).
 * @param n number of points
 * @returns the layout
 */
export function condensedLayout(n: number): PairLayout {
  const length = n < 2 ? 0 : (n * (n - 1)) / 2;
  const rowBase = indexArray(length, n), col = indexArray(length, n);
  for (let i = 0; i < n; i++) {
    rowBase[i] = n * i - (i * (i + 1)) / 2 - i - 1;
    col[i] = i;
  }
  return { kind: "condensed", n, length, rowBase, col };
}

/**
 * The tiled layout (see the module doc): super-tiles (I, J), I ≤ J, in row-major order of the upper
 * triangle; inside, 16 × 16 tiles row-major; inside a tile, 4 × 4 floats row-major.
 * @param n number of points
 * @returns the layout
 */
export function tiledLayout(n: number): PairLayout {
  const s = SUPER_TILE, t = INNER_TILE, area = s * s;
  const supers = Math.ceil(n / s);
  const length = n < 2 ? 0 : ((supers * (supers + 1)) / 2) * area;
  const rowBase = indexArray(length, n), col = indexArray(length, n);
  for (let i = 0; i < n; i++) {
    const big = Math.floor(i / s), inSuper = i % s;
    // Super-tile (I, J) starts at (I·supers − I(I−1)/2 + J − I) · area; the J · area term goes to col.
    const superRow = (big * supers - (big * (big - 1)) / 2 - big) * area;
    rowBase[i] = superRow + Math.floor(inSuper / t) * (s / t) * t * t + (inSuper % t) * t;
    col[i] = big * area + Math.floor(inSuper / t) * t * t + (inSuper % t);
  }
  return { kind: "tiled", n, length, rowBase, col };
}

/**
 * Index of pair (i, j) in a layout (either order; i ≠ j).
 * @param layout the layout
 * @param i one point
 * @param j another point
 * @returns the index
 */
export function pairIndex(layout: PairLayout, i: number, j: number): number {
  return i < j ? layout.rowBase[i]! + layout.col[j]! : layout.rowBase[j]! + layout.col[i]!;
}

/**
 * Copies a layout's matrix into scipy's condensed order (for comparisons and exports).
 * @param d the matrix in `layout`
 * @param layout its layout
 * @returns a condensed Float32Array of length n(n−1)/2
 */
export function toCondensed(d: Float32Array, layout: PairLayout): Float32Array {
  const n = layout.n;
  const out = new Float32Array(n < 2 ? 0 : (n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const b = layout.rowBase[i]!;
    for (let j = i + 1; j < n; j++) out[k++] = d[b + layout.col[j]!]!;
  }
  return out;
}
