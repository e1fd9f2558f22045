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
import { createWasmSimdGemm } from "./wasm_gemm.ts";
import { parallelDistances } from "./_parallel.ts";

/**
 * A matrix product `out = A · Bᵀ` (row-major, `aRows × dim` times `bRows × dim`, `out` is `aRows × bRows`).
 * Algorithms only see this interface; faster providers (onnxruntime MatMul) are injected from
 * `pipeline/` or `benchmarks/`, which keeps `algorithms/` free of native code.
 */
export interface GemmProvider {
  /** Name recorded with results (e.g. "js-blocked", "onnxruntime-matmul"). */
  readonly name: string;
  /**
   * Computes `out[i·bRows + j] = Σ_k a[i·dim + k] · b[j·dim + k]`. `sameA`: A is the block of the previous
   * call, unchanged — a provider that copies its inputs may reuse its copy (the blocked loops set it).
   */
  abt(
    a: Float32Array,
    aRows: number,
    b: Float32Array,
    bRows: number,
    dim: number,
    out: Float32Array,
    sameA?: boolean,
  ): void;
}

/** An asynchronous GEMM (onnxruntime's `run` is asynchronous); same contract as {@link GemmProvider}. */
export interface AsyncGemmProvider {
  /** Name recorded with results. */
  readonly name: string;
  /** Computes `out = A·Bᵀ` like {@link GemmProvider.abt}, asynchronously. */
  abt(a: Float32Array, aRows: number, b: Float32Array, bRows: number, dim: number, out: Float32Array): Promise<void>;
  /**
   * Frees working memory between uses (thread pools, kernel buffers, garbage); the provider stays usable
   * and re-creates what it needs. Called by `hacAsync` once the distances are built, before the merges.
   */
  trim?(): Promise<void>;
}

/**
 * Tight typed-array GEMM `A·Bᵀ`: 4 × 2 register tile of dot products over contiguous rows.
 * O(aRows · bRows · dim). About 1–3 GFLOP/s in V8; see docs/clustering.md for the measured comparison.
 */
export const JS_GEMM: GemmProvider = {
  name: "js-blocked",
  abt(a, aRows, b, bRows, dim, out) {
    let i = 0;
    for (; i + 4 <= aRows; i += 4) {
      const a0 = i * dim, a1 = a0 + dim, a2 = a1 + dim, a3 = a2 + dim;
      let j = 0;
      for (; j + 2 <= bRows; j += 2) {
        const b0 = j * dim, b1 = b0 + dim;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
        for (let k = 0; k < dim; k++) {
          const x0 = b[b0 + k]!, x1 = b[b1 + k]!;
          const y0 = a[a0 + k]!, y1 = a[a1 + k]!, y2 = a[a2 + k]!, y3 = a[a3 + k]!;
          s00 += y0 * x0;
          s01 += y0 * x1;
          s10 += y1 * x0;
          s11 += y1 * x1;
          s20 += y2 * x0;
          s21 += y2 * x1;
          s30 += y3 * x0;
          s31 += y3 * x1;
        }
        out[i * bRows + j] = s00;
        out[i * bRows + j + 1] = s01;
        out[(i + 1) * bRows + j] = s10;
        out[(i + 1) * bRows + j + 1] = s11;
        out[(i + 2) * bRows + j] = s20;
        out[(i + 2) * bRows + j + 1] = s21;
        out[(i + 3) * bRows + j] = s30;
        out[(i + 3) * bRows + j + 1] = s31;
      }
      for (; j < bRows; j++) {
        for (let r = 0; r < 4; r++) out[(i + r) * bRows + j] = dot(a, (i + r) * dim, b, j * dim, dim);
      }
    }
    for (; i < aRows; i++) {
      for (let j = 0; j < bRows; j++) out[i * bRows + j] = dot(a, i * dim, b, j * dim, dim);
    }
  },
};

let fallbackGemm: GemmProvider | undefined;

/**
 * The synchronous GEMM used when none is given: the WebAssembly SIMD kernel (≈ 17 GFLOP/s here, 4–5× the
 * typed-array loop, on par with one onnxruntime thread), or {@link JS_GEMM} where WebAssembly SIMD is
 * unavailable.
 * @returns a shared provider (single-threaded use)
 */
export function defaultGemm(): GemmProvider {
  return fallbackGemm ??= createWasmSimdGemm() ?? JS_GEMM;
}

/** Dot product of row `ai` of `a` (offset in elements) and row `bi` of `b`, accumulated in float64. */
export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[aOffset + k]! * b[bOffset + k]!;
  return s;
}

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

/**
 * One share of {@link layoutCosineDistances}: block rows `part`, `part + parts`, … (interleaved, so the
 * shares of the upper block triangle come out even). Used by the calling thread and the distance workers.
 * @param vectors row-major n × dim, unit rows
 * @param dim row length
 * @param layout where each pair goes (`rowBase`, `col` may be copies)
 * @param out the matrix
 * @param gemm the kernel
 * @param bs rows per block
 * @param part this share
 * @param parts number of shares
 */
export function distanceBlockRows(
  vectors: Float32Array,
  dim: number,
  layout: Pick<PairLayout, "rowBase" | "col">,
  out: Float32Array,
  gemm: GemmProvider,
  bs: number,
  part: number,
  parts: number,
): void {
  forEachBlock(vectors, dim, gemm, bs, part, parts, (i0, ni, j0, nj, sim) => {
    scatterBlock(out, layout, i0, ni, j0, nj, sim);
  });
}

/** A visitor of one product block: rows i0.. (ni of them) against rows j0.. (nj), `sim` = A·Bᵀ. */
type BlockVisitor = (i0: number, ni: number, j0: number, nj: number, sim: Float32Array) => void;

/**
 * The upper block triangle of `vectors · vectorsᵀ`, block rows `part`, `part + parts`, … (interleaved
 * shares for threads), one `bs × bs` product at a time in a reused scratch.
 */
function forEachBlock(
  vectors: Float32Array,
  dim: number,
  gemm: GemmProvider,
  bs: number,
  part: number,
  parts: number,
  visit: BlockVisitor,
): void {
  const n = rowCount(vectors, dim);
  const scratch = new Float32Array(bs * bs);
  for (let i0 = part * bs; i0 < n; i0 += parts * bs) {
    const ni = Math.min(bs, n - i0);
    const a = vectors.subarray(i0 * dim, (i0 + ni) * dim);
    for (let j0 = i0; j0 < n; j0 += bs) {
      const nj = Math.min(bs, n - j0);
      gemm.abt(a, ni, vectors.subarray(j0 * dim, (j0 + nj) * dim), nj, dim, scratch, j0 !== i0);
      visit(i0, ni, j0, nj, scratch);
    }
  }
}

/** {@link forEachBlock} for an {@link AsyncGemmProvider}, on one thread. */
async function forEachBlockAsync(
  vectors: Float32Array,
  dim: number,
  gemm: AsyncGemmProvider,
  bs: number,
  visit: BlockVisitor,
): Promise<void> {
  const n = rowCount(vectors, dim);
  const scratch = new Float32Array(bs * bs);
  for (let i0 = 0; i0 < n; i0 += bs) {
    const ni = Math.min(bs, n - i0);
    const a = vectors.subarray(i0 * dim, (i0 + ni) * dim);
    for (let j0 = i0; j0 < n; j0 += bs) {
      const nj = Math.min(bs, n - j0);
      await gemm.abt(a, ni, vectors.subarray(j0 * dim, (j0 + nj) * dim), nj, dim, scratch);
      visit(i0, ni, j0, nj, scratch);
    }
  }
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

function rowCount(vectors: Float32Array, dim: number): number {
  return dim === 0 ? 0 : vectors.length / dim;
}

function allocLayout(n: number, layout: PairLayout, out?: Float32Array, shared = false): Float32Array {
  if (layout.n !== n) throw new RangeError(`layout is for ${layout.n} points, the vectors have ${n}`);
  const size = layout.length;
  if (out && out.length !== size) {
    throw new RangeError(`${layout.kind} output has length ${out.length}, expected ${size} for n = ${n}`);
  }
  if (out) return out;
  return shared ? new Float32Array(new SharedArrayBuffer(size * 4)) : new Float32Array(size);
}

/** Writes `1 − sim` of block (i0.., j0..) into the matrix (upper triangle only). */
function scatterBlock(
  out: Float32Array,
  layout: Pick<PairLayout, "rowBase" | "col">,
  i0: number,
  ni: number,
  j0: number,
  nj: number,
  sim: Float32Array,
): void {
  const { rowBase, col } = layout;
  for (let r = 0; r < ni; r++) {
    const i = i0 + r;
    const jStart = Math.max(j0, i + 1);
    if (jStart >= j0 + nj) continue;
    const base = rowBase[i]!; // index of (i, j) is base + col[j]
    const srow = r * nj - j0;
    for (let j = jStart; j < j0 + nj; j++) {
      const d = 1 - sim[srow + j]!;
      out[base + col[j]!] = d < 0 ? 0 : d > 2 ? 2 : d;
    }
  }
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

/**
 * One share of {@link thresholdEdges}: the edges of block rows `part`, `part + parts`, … (interleaved).
 * Used by the calling thread and the distance workers of {@link thresholdEdgesParallel}.
 * @param vectors row-major n × dim, unit rows
 * @param dim row length
 * @param threshold keep pairs with distance ≤ threshold
 * @param gemm the kernel
 * @param bs rows per block
 * @param part this share
 * @param parts number of shares
 * @returns the share's edges
 */
export function edgeBlockRows(
  vectors: Float32Array,
  dim: number,
  threshold: number,
  gemm: GemmProvider,
  bs: number,
  part: number,
  parts: number,
): ThresholdEdges {
  const acc = new EdgeAccumulator();
  forEachBlock(vectors, dim, gemm, bs, part, parts, (i0, ni, j0, nj, sim) => {
    acc.addBlock(i0, ni, j0, nj, sim, threshold);
  });
  return acc.finish();
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

/** The threshold graph: edge k joins `i[k] < j[k]` at distance `d[k]`. */
export interface ThresholdEdges {
  /** Smaller endpoint of each edge. */
  i: Int32Array;
  /** Larger endpoint of each edge. */
  j: Int32Array;
  /** Distance of each edge (float32, as in the condensed matrix). */
  d: Float32Array;
}

class EdgeAccumulator {
  #i = new Int32Array(1024);
  #j = new Int32Array(1024);
  #d = new Float32Array(1024);
  #m = 0;

  addBlock(i0: number, ni: number, j0: number, nj: number, sim: Float32Array, threshold: number): void {
    const minSim = 1 - threshold;
    for (let r = 0; r < ni; r++) {
      const i = i0 + r;
      const srow = r * nj - j0;
      for (let j = Math.max(j0, i + 1); j < j0 + nj; j++) {
        const s = sim[srow + j]!;
        if (s >= minSim - 1e-6) {
          // Same float32 rounding as the condensed matrix, so dense and sparse modes agree exactly.
          const d = Math.fround(s > 1 ? 0 : 1 - s);
          if (d <= threshold) this.#push(i, j, d);
        }
      }
    }
  }

  #push(i: number, j: number, d: number): void {
    if (this.#m === this.#i.length) {
      const cap = this.#m * 2;
      const ni = new Int32Array(cap), nj = new Int32Array(cap), nd = new Float32Array(cap);
      ni.set(this.#i);
      nj.set(this.#j);
      nd.set(this.#d);
      this.#i = ni;
      this.#j = nj;
      this.#d = nd;
    }
    this.#i[this.#m] = i;
    this.#j[this.#m] = j;
    this.#d[this.#m] = d;
    this.#m++;
  }

  finish(): ThresholdEdges {
    return { i: this.#i.slice(0, this.#m), j: this.#j.slice(0, this.#m), d: this.#d.slice(0, this.#m) };
  }
}
