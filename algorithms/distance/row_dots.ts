/**
 * A growable float32 matrix whose chosen rows are scored against one query at a time: the candidate scan of an
 * inverted file, where each query looks at a different, scattered set of rows. With WebAssembly SIMD the rows live
 * in the kernel's memory and one call scores a whole batch of ids (`dots` of `wasm/gemm_simd.wat`); without it a
 * typed-array loop does the same. Float32 sums: callers use the scores to rule candidates out with a margin and
 * take the exact distance for the decision.
 * @module
 */
import { GEMM_SIMD_WASM_BASE64 } from "./wasm/_gemm_simd_wasm.ts";

interface DotsKernel {
  memory: WebAssembly.Memory;
  dots(q: number, ids: number, n: number, base: number, rowBytes: number, out: number): void;
  screen(q: number, ids: number, n: number, base: number, rowBytes: number, out: number, min: number): number;
}

/** Ids scored per kernel call (the id and score buffers hold this many). */
export const ROW_DOTS_BATCH = 1 << 14;

let compiled: WebAssembly.Module | null | undefined;

function kernel(): DotsKernel | null {
  if (compiled === undefined) {
    try {
      const s = atob(GEMM_SIMD_WASM_BASE64);
      const bytes = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
      compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled ? new WebAssembly.Instance(compiled).exports as unknown as DotsKernel : null;
}

/**
 * Rows of length `dim` (padded to 16 floats) and a query; `ids` is filled by the caller, {@link RowDots.score}
 * writes `scores[i] = row(ids[i]) · query` for the first `n` ids. Views are valid until the next `ensureRows`.
 */
export class RowDots {
  readonly padDim: number;
  #kernel: DotsKernel | null;
  #buffer: ArrayBuffer;
  #rows = 0;
  /** Byte offsets inside the kernel memory. */
  readonly #qAt: number;
  readonly #idsAt: number;
  readonly #outAt: number;
  readonly #baseAt: number;
  /** The query (padDim floats; write the first `dim`). */
  query!: Float32Array;
  /** Ids to score (ROW_DOTS_BATCH of them). */
  ids!: Int32Array;
  /** Scores of the last {@link RowDots.score}. */
  scores!: Float32Array;
  /** All rows, padDim floats each. */
  matrix!: Float32Array;

  /**
   * @param dim row length
   * @param simd use the WebAssembly kernel when the runtime has SIMD [true]
   */
  constructor(readonly dim: number, simd = true) {
    this.padDim = Math.max(16, Math.ceil(dim / 16) * 16);
    this.#kernel = simd ? kernel() : null;
    this.#qAt = 0;
    this.#idsAt = this.padDim * 4;
    this.#outAt = this.#idsAt + ROW_DOTS_BATCH * 4;
    this.#baseAt = this.#outAt + ROW_DOTS_BATCH * 4;
    this.#buffer = this.#kernel ? this.#kernel.memory.buffer as ArrayBuffer : new ArrayBuffer(this.#baseAt);
    this.ensureRows(64);
  }

  /** Whether the WebAssembly kernel scores (else the typed-array loop). */
  get simd(): boolean {
    return this.#kernel !== null;
  }

  /** Makes room for at least `rows` rows (new rows are zero). */
  ensureRows(rows: number): void {
    if (rows <= this.#rows && this.#buffer.byteLength >= this.#baseAt + rows * this.padDim * 4) return;
    const cap = Math.max(rows, this.#rows * 2);
    const bytes = this.#baseAt + cap * this.padDim * 4;
    if (this.#kernel) {
      const have = this.#kernel.memory.buffer.byteLength;
      if (bytes > have) this.#kernel.memory.grow(Math.ceil((bytes - have) / 65536));
      this.#buffer = this.#kernel.memory.buffer as ArrayBuffer;
    } else {
      const grown = new ArrayBuffer(bytes);
      new Uint8Array(grown).set(new Uint8Array(this.#buffer));
      this.#buffer = grown;
    }
    this.#rows = cap;
    this.query = new Float32Array(this.#buffer, this.#qAt, this.padDim);
    this.ids = new Int32Array(this.#buffer, this.#idsAt, ROW_DOTS_BATCH);
    this.scores = new Float32Array(this.#buffer, this.#outAt, ROW_DOTS_BATCH);
    this.matrix = new Float32Array(this.#buffer, this.#baseAt, cap * this.padDim);
  }

  /** Sets row `r` to `src[offset .. offset + dim) · scale` (grows the matrix as needed). */
  setRow(r: number, src: ArrayLike<number>, offset: number, scale: number): void {
    if (r >= this.#rows) this.ensureRows(r + 1);
    const m = this.matrix, o = r * this.padDim;
    for (let j = 0; j < this.dim; j++) m[o + j] = src[offset + j]! * scale;
  }

  /** Sets the query to `src[offset .. offset + dim) · scale`. */
  setQuery(src: ArrayLike<number>, offset: number, scale: number): void {
    for (let j = 0; j < this.dim; j++) this.query[j] = src[offset + j]! * scale;
  }

  /**
   * Scores the first `n` ids and keeps those scoring ≥ `min`: they move to the front of `ids` (in order) with their
   * scores in `scores`.
   * @returns how many were kept
   */
  screen(n: number, min: number): number {
    if (n <= 0) return 0;
    if (this.#kernel) {
      return this.#kernel.screen(this.#qAt, this.#idsAt, n, this.#baseAt, this.padDim * 4, this.#outAt, min);
    }
    this.score(n);
    const ids = this.ids, out = this.scores;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      // Compare in float32, like the kernel.
      if (out[i]! >= Math.fround(min)) {
        ids[kept] = ids[i]!;
        out[kept++] = out[i]!;
      }
    }
    return kept;
  }

  /** Scores the first `n` ids (≤ ROW_DOTS_BATCH, each < the rows made room for) into `scores`. */
  score(n: number): void {
    if (n <= 0) return;
    if (this.#kernel) {
      this.#kernel.dots(this.#qAt, this.#idsAt, n, this.#baseAt, this.padDim * 4, this.#outAt);
      return;
    }
    const m = this.matrix, q = this.query, ids = this.ids, out = this.scores, pd = this.padDim, dim = this.dim;
    for (let i = 0; i < n; i++) {
      const o = ids[i]! * pd;
      let s = 0;
      for (let j = 0; j < dim; j++) s += m[o + j]! * q[j]!;
      out[i] = s;
    }
  }
}
