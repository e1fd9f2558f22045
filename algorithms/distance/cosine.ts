/**
 * Cosine distances on L2-normalised rows: single pairs, blocked similarity kernels, and the condensed
 * (scipy `pdist` order) distance matrix built block by block through a pluggable GEMM.
 *
 * Distances are `1 − cos`, clamped to [0, 2] so that rounding never yields a negative distance (the
 * median selection relies on non-negative float32 bit patterns being ordered).
 *
 * @module
 */
import { condensedLayout, type PairLayout } from "./layout.ts";
import { type AsyncGemmProvider, dot, type GemmProvider } from "./gemm.ts";
import {
  allocLayout,
  defaultGemm,
  distanceBlockRows,
  EdgeAccumulator,
  edgeBlockRows,
  forEachBlockAsync,
  rowCount,
  scatterBlock,
  type ThresholdEdges,
} from "./blocks.ts";
import { parallelDistances } from "./_parallel.ts";

export { type AsyncGemmProvider, dot, type GemmProvider, JS_GEMM } from "./gemm.ts";
export { defaultGemm, distanceBlockRows, edgeBlockRows, type ThresholdEdges } from "./blocks.ts";

/**
 * Cosine distance `1 − a·b` between row `i` of `a` and row `j` of `b`, both assumed L2-normalised,
 * computed in float64 and clamped to [0, 2].
 *
 * @param a row-major matrix holding row `i`
 * @param i row index in `a`
 * @param b row-major matrix holding row `j`
 * @param j row index in `b`
 * @param dim row length
 * @returns the distance
 * @example
 * ```ts
 * import { cosineDistance } from "./cosine.ts";
 * const v = new Float32Array([1, 0, 0, 1]);
 * if (cosineDistance(v, 0, v, 1, 2) !== 1) throw new Error();
 * ```
 */
export function cosineDistance(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  return clampDistance(1 - dot(a, i * dim, b, j * dim, dim));
}

/** Clamps a cosine distance to [0, 2]. */
export function clampDistance(d: number): number {
  return d < 0 ? 0 : d > 2 ? 2 : d;
}

/** Number of entries of a condensed matrix over `n` points: n(n−1)/2. */
export function condensedSize(n: number): number {
  return (n * (n - 1)) / 2;
}

/** Index of pair (i, j), i < j, in scipy's condensed order. */
export function condensedIndex(n: number, i: number, j: number): number {
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

/** Options for {@link condensedCosineDistances} and {@link layoutCosineDistances}. */
export interface CondensedOptions {
  /** GEMM used for the blocks [{@link defaultGemm}: WebAssembly SIMD, or `JS_GEMM` without it]. */
  gemm?: GemmProvider;
  /** Rows per block [512]: the scratch product is `blockRows²` floats. */
  blockRows?: number;
  /** Write into this array (length `layout.length`) instead of allocating. */
  out?: Float32Array;
  /** Allocate the matrix over a SharedArrayBuffer (for HAC worker threads) [false]. */
  shared?: boolean;
  /**
   * Threads for the default kernel (workers take interleaved block rows; the matrix is then shared).
   * Ignored with a custom `gemm`, which cannot move to a worker [1].
   */
  threads?: number;
}

/**
 * Builds the condensed cosine-distance matrix (scipy `pdist` order, float32) of L2-normalised rows,
 * block by block (only the upper block triangle is multiplied), so peak extra memory is one block.
 * O(n² · dim) flops.
 *
 * @param vectors row-major n × dim, unit rows
 * @param dim row length
 * @param options GEMM provider, block size, output buffer
 * @returns Float32Array of length n(n−1)/2
 * @throws {RangeError} when `out` has the wrong length
 */
export function condensedCosineDistances(
  vectors: Float32Array,
  dim: number,
  options: CondensedOptions = {},
): Float32Array {
  return layoutCosineDistances(vectors, dim, condensedLayout(rowCount(vectors, dim)), options);
}

/**
 * Asynchronous {@link condensedCosineDistances} for an {@link AsyncGemmProvider} (onnxruntime).
 * Same result, same memory bound.
 */
export function condensedCosineDistancesAsync(
  vectors: Float32Array,
  dim: number,
  options: { gemm: AsyncGemmProvider; blockRows?: number; out?: Float32Array },
): Promise<Float32Array> {
  return layoutCosineDistancesAsync(vectors, dim, condensedLayout(rowCount(vectors, dim)), options);
}

/**
 * Below this many rows a matrix takes one thread less time (≈ 30 ms at 2,048 × 128) than starting a distance
 * worker does, so the threads are not used (the result is the same either way).
 */
const PARALLEL_MIN_ROWS = 2048;

/**
 * The cosine-distance matrix of L2-normalised rows in any {@link PairLayout} (e.g. the tiled layout the
 * NN-chain reads fastest), built block by block like {@link condensedCosineDistances}.
 *
 * @param vectors row-major n × dim, unit rows (n = `layout.n`)
 * @param dim row length
 * @param layout where each pair goes
 * @param options GEMM provider, block size, output buffer
 * @returns Float32Array of length `layout.length`
 * @throws {RangeError} when `out` has the wrong length or the layout is for another n
 */
export function layoutCosineDistances(
  vectors: Float32Array,
  dim: number,
  layout: PairLayout,
  options: CondensedOptions = {},
): Float32Array {
  const n = rowCount(vectors, dim);
  const bs = options.blockRows ?? 512;
  const threads = options.gemm ? 1 : Math.max(1, Math.floor(options.threads ?? 1));
  const parallel = threads > 1 && n >= PARALLEL_MIN_ROWS &&
    (!options.out || options.out.buffer instanceof SharedArrayBuffer);
  const out = allocLayout(n, layout, options.out, options.shared || parallel);
  if (parallel && parallelDistances(vectors, dim, layout, out, bs, threads)) return out;
  distanceBlockRows(vectors, dim, layout, out, options.gemm ?? defaultGemm(), bs, 0, 1);
  return out;
}

/** Asynchronous {@link layoutCosineDistances} for an {@link AsyncGemmProvider} (onnxruntime). */
export async function layoutCosineDistancesAsync(
  vectors: Float32Array,
  dim: number,
  layout: PairLayout,
  options: { gemm: AsyncGemmProvider; blockRows?: number; out?: Float32Array; shared?: boolean },
): Promise<Float32Array> {
  const n = rowCount(vectors, dim);
  const out = allocLayout(n, layout, options.out, options.shared);
  await forEachBlockAsync(vectors, dim, options.gemm, options.blockRows ?? 512, (i0, ni, j0, nj, sim) => {
    scatterBlock(out, layout, i0, ni, j0, nj, sim);
  });
  return out;
}

/**
 * All pairs (i < j) with cosine distance ≤ `threshold`, found block by block: the sparse threshold graph.
 * Memory is the edge list plus one block. O(n² · dim) flops.
 *
 * @param vectors row-major n × dim, unit rows
 * @param dim row length
 * @param threshold keep pairs with distance ≤ threshold
 * @param options GEMM and block size
 * @returns edges as parallel arrays `i`, `j` (i < j) and float32 `d`
 */
export function thresholdEdges(
  vectors: Float32Array,
  dim: number,
  threshold: number,
  options: { gemm?: GemmProvider; blockRows?: number } = {},
): ThresholdEdges {
  return edgeBlockRows(vectors, dim, threshold, options.gemm ?? defaultGemm(), options.blockRows ?? 512, 0, 1);
}

/** Asynchronous {@link thresholdEdges} for an {@link AsyncGemmProvider}. */
export async function thresholdEdgesAsync(
  vectors: Float32Array,
  dim: number,
  threshold: number,
  options: { gemm: AsyncGemmProvider; blockRows?: number },
): Promise<ThresholdEdges> {
  const acc = new EdgeAccumulator();
  await forEachBlockAsync(vectors, dim, options.gemm, options.blockRows ?? 1024, (i0, ni, j0, nj, sim) => {
    acc.addBlock(i0, ni, j0, nj, sim, threshold);
  });
  return acc.finish();
}
