/**
 * The block loops behind the distance matrix and the threshold graph: products of `bs × bs` row blocks
 * through a GEMM, scattered into a pair layout or filtered into edges. Shared by the calling thread
 * (`cosine.ts`) and the distance workers (`_parallel.ts`).
 * @module
 */
import { type AsyncGemmProvider, type GemmProvider, JS_GEMM } from "./gemm.ts";
import type { PairLayout } from "./layout.ts";
import { createWasmSimdGemm } from "./wasm_gemm.ts";

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

/** `forEachBlock` for an {@link AsyncGemmProvider}, on one thread. */
export async function forEachBlockAsync(
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

export function rowCount(vectors: Float32Array, dim: number): number {
  return dim === 0 ? 0 : vectors.length / dim;
}

export function allocLayout(n: number, layout: PairLayout, out?: Float32Array, shared = false): Float32Array {
  if (layout.n !== n) throw new RangeError(`layout is for ${layout.n} points, the vectors have ${n}`);
  const size = layout.length;
  if (out && out.length !== size) {
    throw new RangeError(`${layout.kind} output has length ${out.length}, expected ${size} for n = ${n}`);
  }
  if (out) return out;
  return shared ? new Float32Array(new SharedArrayBuffer(size * 4)) : new Float32Array(size);
}

/** Writes `1 − sim` of block (i0.., j0..) into the matrix (upper triangle only). */
export function scatterBlock(
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

/** The threshold graph: edge k joins `i[k] < j[k]` at distance `d[k]`. */
export interface ThresholdEdges {
  /** Smaller endpoint of each edge. */
  i: Int32Array;
  /** Larger endpoint of each edge. */
  j: Int32Array;
  /** Distance of each edge (float32, as in the condensed matrix). */
  d: Float32Array;
}

/** Collects the edges of product blocks below a threshold. */
export class EdgeAccumulator {
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
