/**
 * Lasso sparse coding against a fixed dictionary: `min_x ½‖y − Dᵀx‖² + λ‖x‖₁`, D given as atoms × d
 * (one atom per row), all arithmetic in float64.
 *
 * Two solvers share one prepared dictionary (its Gram matrix G = D·Dᵀ is computed once):
 * - `cd` (default): cyclic coordinate descent on the Gram matrix (Friedman et al., 2010, "covariance
 *   updates") with an active set — full sweeps only to find new violators, inner sweeps over the non-zero
 *   coefficients — and a duality-gap stopping rule. Per query it costs one product D·y (atoms × d) plus
 *   O(atoms) per coefficient change.
 * - `fista`: accelerated proximal gradient (Beck & Teboulle, 2009) on the same Gram matrix, step 1/L with
 *   L the largest eigenvalue of G; O(atoms²) per iteration. Kept for the measurement that chose `cd`
 *   (see benchmarks/assign_bench.ts and docs/assignment.md).
 *
 * @module
 */

/** A dictionary prepared for repeated lasso solves. */
export interface LassoDictionary {
  /** Number of atoms (rows of D). */
  readonly atoms: number;
  /** Atom dimension d. */
  readonly dim: number;
  /** D in float64, atoms × d, row-major. */
  readonly d: Float64Array;
  /** G = D·Dᵀ, atoms × atoms, symmetric. */
  readonly gram: Float64Array;
  /** Largest eigenvalue of G (power iteration), the Lipschitz constant FISTA needs. */
  readonly lipschitz: number;
}

/** Solver ids. */
export const LASSO_SOLVERS = ["cd", "fista"] as const;
/** A lasso solver id. */
export type LassoSolver = typeof LASSO_SOLVERS[number];

/** Options of {@link solveLasso} and {@link solveLassoBatch}. */
export interface LassoOptions {
  /** Solver [`"cd"`]. */
  solver?: LassoSolver;
  /** Stop when the duality gap ≤ tol · ½‖y‖² [1e-9]. */
  tol?: number;
  /** Maximum outer iterations (full sweeps for cd, gradient steps for fista) [10000]. */
  maxIter?: number;
  /** Warm start: initial coefficients (length atoms); not modified. [zeros] */
  x0?: Float64Array;
}

/** Result of one solve. */
export interface LassoResult {
  /** Coefficients, length atoms. */
  x: Float64Array;
  /** ½‖y − Dᵀx‖² + λ‖x‖₁ at x. */
  objective: number;
  /** Duality gap at x (an upper bound on objective − optimum). */
  gap: number;
  /** Outer iterations used. */
  iterations: number;
}

/**
 * Prepares a dictionary: copies it to float64 and computes its Gram matrix and Lipschitz constant.
 * O(atoms² · d).
 *
 * @param atoms D, atoms × dim, row-major (float32 or float64).
 * @param dim atom dimension.
 * @returns the prepared dictionary.
 * @throws {TypeError} when the length is not a multiple of dim.
 * @throws {RangeError} when an entry is not finite.
 * @example
 * ```ts
 * import { prepareLasso, solveLasso } from "./lasso.ts";
 * const dict = prepareLasso(new Float32Array([1, 0, 0, 1]), 2);
 * const r = solveLasso(dict, new Float32Array([1, 0]), 0.1);
 * if (Math.abs(r.x[0]! - 0.9) > 1e-9 || r.x[1] !== 0) throw new Error("unexpected");
 * ```
 */
export function prepareLasso(atoms: Float32Array | Float64Array, dim: number): LassoDictionary {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new TypeError(`Dictionary dimension must be a positive integer, got ${dim}`);
  }
  if (atoms.length % dim !== 0) {
    throw new TypeError(`Dictionary length ${atoms.length} is not a multiple of its dimension ${dim}`);
  }
  const k = atoms.length / dim;
  const d = Float64Array.from(atoms);
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) throw new RangeError(`Dictionary atom ${Math.floor(i / dim)} contains ${d[i]}`);
  }
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const oi = i * dim;
    for (let j = i; j < k; j++) {
      const oj = j * dim;
      let s = 0;
      for (let t = 0; t < dim; t++) s += d[oi + t]! * d[oj + t]!;
      gram[i * k + j] = s;
      gram[j * k + i] = s;
    }
  }
  return { atoms: k, dim, d, gram, lipschitz: largestEigenvalue(gram, k) };
}

/** Largest eigenvalue of a symmetric PSD matrix by power iteration (deterministic start). */
function largestEigenvalue(g: Float64Array, k: number): number {
  if (k === 0) return 0;
  let v = new Float64Array(k).fill(1 / Math.sqrt(k));
  let w = new Float64Array(k);
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    let norm = 0;
    for (let i = 0; i < k; i++) {
      let s = 0;
      const o = i * k;
      for (let j = 0; j < k; j++) s += g[o + j]! * v[j]!;
      w[i] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm);
    if (norm === 0) return 0;
    for (let i = 0; i < k; i++) w[i]! /= norm;
    const prev = lambda;
    lambda = norm;
    [v, w] = [w, v];
    if (Math.abs(lambda - prev) <= 1e-10 * lambda) break;
  }
  // Power iteration approaches from below; a small margin keeps 1/L a safe step.
  return lambda * 1.0001;
}

/** c = D·y in float64. */
function correlate(dict: LassoDictionary, y: ArrayLike<number>, yOffset: number, c: Float64Array): number {
  const { atoms, dim, d } = dict;
  let yy = 0;
  for (let t = 0; t < dim; t++) yy += y[yOffset + t]! * y[yOffset + t]!;
  for (let i = 0; i < atoms; i++) {
    const o = i * dim;
    let s = 0;
    for (let t = 0; t < dim; t++) s += d[o + t]! * y[yOffset + t]!;
    c[i] = s;
  }
  return yy;
}

/**
 * Objective, duality gap and q = G·x helpers. With c = D·y and q = G·x:
 * ‖r‖² = ‖y‖² − 2xᵀc + xᵀq and D·r = c − q; the dual point θ = s·r with s = min(1, λ/‖c − q‖∞) gives
 * gap = P(x) − (s·(‖y‖² − xᵀc) − ½s²‖r‖²).
 */
function objectiveAndGap(
  x: Float64Array,
  c: Float64Array,
  q: Float64Array,
  yy: number,
  lambda: number,
  k: number,
): [number, number] {
  let xc = 0, xq = 0, l1 = 0, dmax = 0;
  for (let i = 0; i < k; i++) {
    const xi = x[i]!;
    xc += xi * c[i]!;
    xq += xi * q[i]!;
    l1 += Math.abs(xi);
    const g = Math.abs(c[i]! - q[i]!);
    if (g > dmax) dmax = g;
  }
  const rr = Math.max(0, yy - 2 * xc + xq);
  const primal = 0.5 * rr + lambda * l1;
  const s = dmax > lambda ? lambda / dmax : 1;
  const dual = s * (yy - xc) - 0.5 * s * s * rr;
  return [primal, Math.max(0, primal - dual)];
}

/** Scratch space reused across solves (no allocation per query); `c` holds D·y of the last solve. */
export class LassoWorkspace {
  readonly c: Float64Array;
  readonly q: Float64Array;
  readonly active: Int32Array;
  readonly z: Float64Array;
  readonly xPrev: Float64Array;
  /** ‖y‖² of the last solve. */
  yy = 0;
  /** @param k number of atoms. */
  constructor(k: number) {
    this.c = new Float64Array(k);
    this.q = new Float64Array(k);
    this.active = new Int32Array(k);
    this.z = new Float64Array(k);
    this.xPrev = new Float64Array(k);
  }
}

/** One coordinate-descent pass over `idx[0..m)`; returns the largest |Δx|. */
function cdPass(
  g: Float64Array,
  k: number,
  x: Float64Array,
  c: Float64Array,
  q: Float64Array,
  lambda: number,
  idx: Int32Array | null,
  m: number,
): number {
  let maxDelta = 0;
  for (let a = 0; a < m; a++) {
    const j = idx === null ? a : idx[a]!;
    const gjj = g[j * k + j]!;
    if (gjj <= 0) continue; // a zero atom never enters the solution
    const xj = x[j]!;
    const rho = c[j]! - q[j]! + gjj * xj;
    const xn = rho > lambda ? (rho - lambda) / gjj : rho < -lambda ? (rho + lambda) / gjj : 0;
    const delta = xn - xj;
    if (delta !== 0) {
      x[j] = xn;
      const o = j * k;
      for (let i = 0; i < k; i++) q[i]! += delta * g[o + i]!;
      const ad = Math.abs(delta);
      if (ad > maxDelta) maxDelta = ad;
    }
  }
  return maxDelta;
}

function solveCd(
  dict: LassoDictionary,
  ws: LassoWorkspace,
  x: Float64Array,
  yy: number,
  lambda: number,
  tol: number,
  maxIter: number,
): LassoResult {
  const k = dict.atoms, g = dict.gram, { c, q, active } = ws;
  const target = tol * 0.5 * yy;
  let objective = 0, gap = Infinity, it = 0;
  for (; it < maxIter; it++) {
    cdPass(g, k, x, c, q, lambda, null, k);
    let m = 0;
    for (let j = 0; j < k; j++) if (x[j] !== 0) active[m++] = j;
    // Inner sweeps over the active set until the coefficients settle.
    for (let inner = 0; inner < 10000; inner++) {
      const delta = cdPass(g, k, x, c, q, lambda, active, m);
      if (delta <= 1e-12) break;
    }
    [objective, gap] = objectiveAndGap(x, c, q, yy, lambda, k);
    if (gap <= target) {
      it++;
      break;
    }
  }
  return { x, objective, gap, iterations: it };
}

function solveFista(
  dict: LassoDictionary,
  ws: LassoWorkspace,
  x: Float64Array,
  yy: number,
  lambda: number,
  tol: number,
  maxIter: number,
): LassoResult {
  const k = dict.atoms, g = dict.gram, { c, q, z, xPrev } = ws;
  const target = tol * 0.5 * yy;
  const step = dict.lipschitz > 0 ? 1 / dict.lipschitz : 0;
  const thr = lambda * step;
  z.set(x);
  let t = 1, objective = 0, gap = Infinity, it = 0;
  for (; it < maxIter; it++) {
    // q = G·z; gradient at z is q − c.
    mulGram(g, k, z, q);
    xPrev.set(x);
    for (let i = 0; i < k; i++) {
      const v = z[i]! - step * (q[i]! - c[i]!);
      x[i] = v > thr ? v - thr : v < -thr ? v + thr : 0;
    }
    const tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const beta = (t - 1) / tn;
    for (let i = 0; i < k; i++) z[i] = x[i]! + beta * (x[i]! - xPrev[i]!);
    t = tn;
    if ((it & 7) === 7 || it === maxIter - 1) {
      mulGram(g, k, x, q);
      [objective, gap] = objectiveAndGap(x, c, q, yy, lambda, k);
      if (gap <= target) {
        it++;
        break;
      }
    }
  }
  mulGram(g, k, x, q);
  [objective, gap] = objectiveAndGap(x, c, q, yy, lambda, k);
  return { x, objective, gap, iterations: it };
}

function mulGram(g: Float64Array, k: number, v: Float64Array, out: Float64Array): void {
  for (let i = 0; i < k; i++) {
    const o = i * k;
    let s = 0;
    for (let j = 0; j < k; j++) s += g[o + j]! * v[j]!;
    out[i] = s;
  }
}

function checkLambda(lambda: number): void {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`Lasso λ must be finite and ≥ 0, got ${lambda}`);
}

/**
 * Low-level solve into caller-owned storage, no validation: query row `yOffset/d` of `y`, result in `x`.
 * After it returns, `ws.c` holds D·y. For batch loops that need D·y too (e.g. class residuals).
 *
 * @param dict prepared dictionary.
 * @param ws workspace sized for the dictionary.
 * @param y queries; the query starts at yOffset.
 * @param yOffset offset of the query in y.
 * @param lambda λ ≥ 0.
 * @param x output coefficients, length atoms.
 * @param options solver options (x0: warm start).
 * @returns the result, whose `x` is the given array.
 */
export function solveLassoInto(
  dict: LassoDictionary,
  ws: LassoWorkspace,
  y: ArrayLike<number>,
  yOffset: number,
  lambda: number,
  x: Float64Array,
  options: LassoOptions,
): LassoResult {
  const k = dict.atoms;
  const yy = correlate(dict, y, yOffset, ws.c);
  const x0 = options.x0;
  ws.yy = yy;
  if (x0) {
    // q = G·x0 over the non-zeros only: a warm start is sparse.
    x.set(x0);
    const q = ws.q, g = dict.gram;
    q.fill(0);
    for (let j = 0; j < k; j++) {
      const xj = x[j]!;
      if (xj === 0) continue;
      const o = j * k;
      for (let i = 0; i < k; i++) q[i]! += xj * g[o + i]!;
    }
  } else {
    x.fill(0);
    ws.q.fill(0);
  }
  const tol = options.tol ?? 1e-9, maxIter = options.maxIter ?? 10000;
  return (options.solver ?? "cd") === "cd"
    ? solveCd(dict, ws, x, yy, lambda, tol, maxIter)
    : solveFista(dict, ws, x, yy, lambda, tol, maxIter);
}

/**
 * Solves one lasso problem `min_x ½‖y − Dᵀx‖² + λ‖x‖₁`.
 *
 * @param dict a dictionary from {@link prepareLasso}.
 * @param y the query, length d.
 * @param lambda λ ≥ 0.
 * @param options solver, tolerance, warm start.
 * @returns coefficients, objective, duality gap and iterations.
 * @throws {TypeError} when y has the wrong length or x0 the wrong length.
 * @throws {RangeError} when λ is negative or not finite, or y is not finite.
 */
export function solveLasso(
  dict: LassoDictionary,
  y: Float32Array | Float64Array,
  lambda: number,
  options: LassoOptions = {},
): LassoResult {
  if (y.length !== dict.dim) throw new TypeError(`Query has length ${y.length}, the dictionary has d = ${dict.dim}`);
  checkLambda(lambda);
  for (let t = 0; t < y.length; t++) if (!Number.isFinite(y[t]!)) throw new RangeError(`Query contains ${y[t]}`);
  if (options.x0 && options.x0.length !== dict.atoms) {
    throw new TypeError(`Warm start has length ${options.x0.length}, the dictionary has ${dict.atoms} atoms`);
  }
  return solveLassoInto(dict, new LassoWorkspace(dict.atoms), y, 0, lambda, new Float64Array(dict.atoms), options);
}

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
  if (queries.length % dim !== 0) {
    throw new TypeError(`Queries length ${queries.length} is not a multiple of d = ${dim}`);
  }
  checkLambda(lambda);
  for (let t = 0; t < queries.length; t++) {
    if (!Number.isFinite(queries[t]!)) throw new RangeError(`Query ${Math.floor(t / dim)} contains ${queries[t]}`);
  }
  const n = queries.length / dim;
  const codes = new Float64Array(n * k), objective = new Float64Array(n), gap = new Float64Array(n);
  const ws = new LassoWorkspace(k);
  let iterations = 0;
  const opts: LassoOptions = { ...options };
  for (let i = 0; i < n; i++) {
    const x = codes.subarray(i * k, (i + 1) * k);
    if (options.warmStart && i > 0) opts.x0 = codes.subarray((i - 1) * k, i * k);
    const r = solveLassoInto(dict, ws, queries, i * dim, lambda, x, opts);
    objective[i] = r.objective;
    gap[i] = r.gap;
    iterations += r.iterations;
  }
  return { codes, objective, gap, iterations };
}

/**
 * The lasso objective `½‖y − Dᵀx‖² + λ‖x‖₁`, computed directly (not through the Gram matrix).
 *
 * @param atoms D, atoms × dim.
 * @param dim d.
 * @param y query, length d.
 * @param x coefficients, length atoms.
 * @param lambda λ.
 * @returns the objective value.
 */
export function lassoObjective(
  atoms: ArrayLike<number>,
  dim: number,
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  lambda: number,
): number {
  const k = x.length;
  const r = Float64Array.from({ length: dim }, (_, t) => y[t]!);
  let l1 = 0;
  for (let i = 0; i < k; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    l1 += Math.abs(xi);
    for (let t = 0; t < dim; t++) r[t]! -= xi * atoms[i * dim + t]!;
  }
  let rr = 0;
  for (let t = 0; t < dim; t++) rr += r[t]! * r[t]!;
  return 0.5 * rr + lambda * l1;
}
