/**
 * Many lasso solves against one dictionary: correlations of four queries per pass over D, or of a block of queries
 * by an injected GEMM, then one solve per query on a shared workspace.
 *
 * @module
 */
import type { LassoDictionary } from "./dictionary.ts";
import { checkLambda, solveCorrelated } from "./solve.ts";
import { type LassoOptions, LassoWorkspace } from "./workspace.ts";

/** Result of {@link solveLassoBatch}. */
export interface LassoBatchResult {
  /** Codes, n × atoms, row-major. */
  codes: Float64Array;
  /** Objective per query. */
  objective: Float64Array;
  /** Duality gap per query. */
  gap: Float64Array;
  /** Total outer iterations. */
  iterations: number;
}

/**
 * C[r] = D·y_r for `count` queries starting at query `first` (count ≤ 4 per call), reading each atom once
 * for all of them; yy[r] = ‖y_r‖².
 */
function correlate4(
  dict: LassoDictionary,
  y: ArrayLike<number>,
  first: number,
  count: number,
  out: Float64Array,
  yy: Float64Array,
): void {
  const { atoms: k, dim, d } = dict;
  const o0 = first * dim;
  // Rows beyond `count` repeat the last query; their results are ignored.
  const o1 = (first + Math.min(1, count - 1)) * dim, o2 = (first + Math.min(2, count - 1)) * dim;
  const o3 = (first + Math.min(3, count - 1)) * dim;
  for (let r = 0; r < count; r++) {
    let s = 0;
    const o = (first + r) * dim;
    for (let t = 0; t < dim; t++) s += y[o + t]! * y[o + t]!;
    yy[r] = s;
  }
  for (let a = 0; a < k; a++) {
    const oa = a * dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let t = 0; t < dim; t++) {
      const v = d[oa + t]!;
      s0 += v * y[o0 + t]!;
      s1 += v * y[o1 + t]!;
      s2 += v * y[o2 + t]!;
      s3 += v * y[o3 + t]!;
    }
    out[a] = s0;
    out[k + a] = s1;
    out[2 * k + a] = s2;
    out[3 * k + a] = s3;
  }
}

/** Throws a TypeError unless the queries are whole rows of length dim, a RangeError on a bad λ or entry. */
function checkQueries(queries: Float32Array | Float64Array, dim: number, lambda: number): void {
  if (queries.length % dim !== 0) {
    throw new TypeError(`Queries length ${queries.length} is not a multiple of d = ${dim}`);
  }
  checkLambda(lambda);
  for (let t = 0; t < queries.length; t++) {
    if (!Number.isFinite(queries[t]!)) throw new RangeError(`Query ${Math.floor(t / dim)} contains ${queries[t]}`);
  }
}

/**
 * Solves the lasso for n queries against one prepared dictionary, reusing the Gram matrix and one
 * workspace. With `warmStart`, each query starts from the previous query's solution (useful when
 * queries arrive in similar runs, e.g. several faces of one moment).
 *
 * @param dict a dictionary from {@link prepareLasso}.
 * @param queries n × d, row-major.
 * @param lambda λ ≥ 0.
 * @param options solver options; `x0` is ignored, `warmStart` chains solutions [false].
 * @returns codes and per-query objective and gap.
 * @throws {TypeError} when the query length is not a multiple of d.
 * @throws {RangeError} when λ or a query entry is not valid.
 */
export function solveLassoBatch(
  dict: LassoDictionary,
  queries: Float32Array | Float64Array,
  lambda: number,
  options: Omit<LassoOptions, "x0"> & { warmStart?: boolean } = {},
): LassoBatchResult {
  const { atoms: k, dim } = dict;
  checkQueries(queries, dim, lambda);
  const n = queries.length / dim;
  const codes = new Float64Array(n * k), objective = new Float64Array(n), gap = new Float64Array(n);
  const ws = new LassoWorkspace(k);
  let iterations = 0;
  const opts: LassoOptions = { ...options };
  // Correlations four queries at a time (each atom row read once per four queries), then one solve each.
  const block = new Float64Array(4 * k), yy = new Float64Array(4);
  for (let first = 0; first < n; first += 4) {
    const count = Math.min(4, n - first);
    correlate4(dict, queries, first, count, block, yy);
    ws.work += count * k * dim;
    for (let r = 0; r < count; r++) {
      const i = first + r;
      const x = codes.subarray(i * k, (i + 1) * k);
      if (options.warmStart && i > 0) opts.x0 = codes.subarray((i - 1) * k, i * k);
      ws.c.set(block.subarray(r * k, (r + 1) * k));
      ws.yy = yy[r]!;
      const res = solveCorrelated(dict, ws, lambda, x, opts);
      objective[i] = res.objective;
      gap[i] = res.gap;
      iterations += res.iterations;
    }
  }
  return { codes, objective, gap, iterations };
}

/** The GEMM contract of `algorithms/distance` (`out[i·bRows + j] = ⟨a_i, b_j⟩`), asynchronous. */
export interface AsyncAbtGemm {
  /** Name recorded with results. */
  readonly name: string;
  /** out = a·bᵀ in float32. */
  abt(a: Float32Array, aRows: number, b: Float32Array, bRows: number, dim: number, out: Float32Array): Promise<void>;
}

const FLOAT32_ATOMS = new WeakMap<LassoDictionary, Float32Array>();

/**
 * {@link solveLassoBatch} with the correlations D·y of a block of queries computed by an injected float32
 * GEMM (e.g. onnxruntime's, ~40× a typed-array loop). Everything after the correlations is float64 as
 * usual; the float32 products perturb D·y by ~1e-7 relative, so objectives agree with the float64 path to
 * about that (the benchmark reports the gap).
 *
 * @param dict a prepared dictionary.
 * @param queries n × d float32.
 * @param lambda λ ≥ 0.
 * @param options solver options plus `gemm` and `blockRows` (queries per GEMM call) [256].
 * @returns codes, objectives and gaps.
 * @throws {TypeError} on a bad query length; {@link RangeError} on a bad λ or entry.
 */
export async function solveLassoBatchGemm(
  dict: LassoDictionary,
  queries: Float32Array,
  lambda: number,
  options: Omit<LassoOptions, "x0"> & { gemm: AsyncAbtGemm; blockRows?: number },
): Promise<LassoBatchResult> {
  const { atoms: k, dim } = dict;
  checkQueries(queries, dim, lambda);
  let d32 = FLOAT32_ATOMS.get(dict);
  if (!d32) FLOAT32_ATOMS.set(dict, d32 = Float32Array.from(dict.d));
  const n = queries.length / dim, blockRows = Math.max(1, options.blockRows ?? 256);
  const codes = new Float64Array(n * k), objective = new Float64Array(n), gap = new Float64Array(n);
  const ws = new LassoWorkspace(k), block = new Float32Array(Math.min(n, blockRows) * k);
  let iterations = 0;
  for (let first = 0; first < n; first += blockRows) {
    const count = Math.min(blockRows, n - first);
    await options.gemm.abt(queries.subarray(first * dim, (first + count) * dim), count, d32, k, dim, block);
    for (let r = 0; r < count; r++) {
      const i = first + r, o = i * dim;
      let yy = 0;
      for (let t = 0; t < dim; t++) yy += queries[o + t]! * queries[o + t]!;
      for (let a = 0; a < k; a++) ws.c[a] = block[r * k + a]!;
      ws.yy = yy;
      const res = solveCorrelated(dict, ws, lambda, codes.subarray(i * k, (i + 1) * k), options);
      objective[i] = res.objective;
      gap[i] = res.gap;
      iterations += res.iterations;
    }
  }
  return { codes, objective, gap, iterations };
}
