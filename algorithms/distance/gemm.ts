/**
 * The matrix-product interface the distance builders use, and the typed-array kernel.
 * @module
 */

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

/** Dot product of row `ai` of `a` (offset in elements) and row `bi` of `b`, accumulated in float64. */
export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[aOffset + k]! * b[bOffset + k]!;
  return s;
}
