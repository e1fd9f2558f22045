/**
 * Lasso sparse coding against a fixed dictionary: `min_x ½‖y − Dᵀx‖² + λ‖x‖₁`, D given as atoms × d
 * (one atom per row), all arithmetic in float64.
 *
 * Two solvers share one prepared dictionary (its Gram matrix G = D·Dᵀ is computed once):
 * - `cd` (default): coordinate descent on the Gram matrix (Friedman et al., 2010, "covariance updates") over
 *   a working set that grows by the strongest KKT violators each round. Inside a round the working set's Gram
 *   block is held contiguously and the set is solved on its own: sweeps, then an exact feature-sign step on
 *   the settled signs (Lee et al., 2007) with a Cholesky factor kept across rounds (rows appended for new
 *   atoms, Givens deletions for dropped ones). Between rounds, G·x is refreshed only on the atoms that
 *   gap-safe screening (Fercoq, Gramfort & Salmon, 2015) has not yet proven zero; duality-gap stopping rule.
 *   Per query: one product D·y (atoms × d), O(pool · |A|) per round, O(|A|²) per inner sweep.
 * - `fista`: accelerated proximal gradient (Beck & Teboulle, 2009) on the same Gram matrix, step 1/L with
 *   L the largest eigenvalue of G; O(atoms²) per iteration.
 * - `lars`: LARS-lasso homotopy (Efron et al., 2004) on the Gram matrix, O(atoms·|A| + |A|³) per step.
 * `fista` and `lars` are kept for the measurement that chose `cd` (benchmarks/assign_bench.ts,
 * docs/assignment.md).
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
}

const LIPSCHITZ = new WeakMap<LassoDictionary, number>();

/**
 * Largest eigenvalue of G (power iteration), the Lipschitz constant FISTA needs; computed on first use and
 * cached per dictionary (only FISTA pays for it).
 *
 * @param dict a prepared dictionary.
 * @returns λ_max(D·Dᵀ) with a 1e-4 relative safety margin.
 */
export function lassoLipschitz(dict: LassoDictionary): number {
  let l = LIPSCHITZ.get(dict);
  if (l === undefined) LIPSCHITZ.set(dict, l = largestEigenvalue(dict.gram, dict.atoms));
  return l;
}

/** Solver ids. */
export const LASSO_SOLVERS = ["cd", "fista", "lars"] as const;
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
    const row = gram.subarray(i * k, i * k + i + 1);
    // Row i of the lower triangle: dots of atom i with atoms 0..i, four at a time.
    dotsWithRows(d, i * dim, d, 0, i + 1, dim, row);
    for (let j = 0; j < i; j++) gram[j * k + i] = row[j]!;
  }
  return { atoms: k, dim, d, gram };
}

/** Largest eigenvalue of a symmetric PSD matrix by power iteration (deterministic start). */
function largestEigenvalue(g: Float64Array, k: number): number {
  if (k === 0) return 0;
  // A fixed irregular start: a symmetric one can be orthogonal to the top eigenvector (e.g. G = [[1, −a], [−a, 1]]).
  let v = Float64Array.from({ length: k }, (_, i) => 1 + 0.5 * Math.sin(1.7 * i + 0.3));
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

/**
 * out[r] = ⟨v, rows[r]⟩ for `count` consecutive rows of `rows` starting at row `first` (float64 accumulation).
 * Four rows per pass so each element of v is loaded once per four products.
 */
function dotsWithRows(
  v: ArrayLike<number>,
  vo: number,
  rows: Float64Array,
  first: number,
  count: number,
  dim: number,
  out: Float64Array,
): void {
  let r = 0;
  for (; r + 3 < count; r += 4) {
    const o0 = (first + r) * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let t = 0; t < dim; t++) {
      const y = v[vo + t]!;
      s0 += rows[o0 + t]! * y;
      s1 += rows[o1 + t]! * y;
      s2 += rows[o2 + t]! * y;
      s3 += rows[o3 + t]! * y;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < count; r++) {
    const o = (first + r) * dim;
    let s = 0;
    for (let t = 0; t < dim; t++) s += rows[o + t]! * v[vo + t]!;
    out[r] = s;
  }
}

/** c = D·y in float64; returns ‖y‖². */
function correlate(dict: LassoDictionary, y: ArrayLike<number>, yOffset: number, c: Float64Array): number {
  const { atoms, dim, d } = dict;
  let yy = 0;
  for (let t = 0; t < dim; t++) yy += y[yOffset + t]! * y[yOffset + t]!;
  dotsWithRows(y, yOffset, d, 0, atoms, dim, c);
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
  /** Working-set membership flags. */
  readonly inSet: Uint8Array;
  /** KKT violations and their atoms (scratch). */
  readonly viol: Float64Array;
  readonly violIdx: Int32Array;
  /** Atoms not yet screened out (gap-safe), and the working set's compact copies (x, D·y, G·x, G_AA). */
  readonly pool: Int32Array;
  readonly xa: Float64Array;
  readonly ca: Float64Array;
  readonly qa: Float64Array;
  /** G_AA and its Cholesky factor, row stride `cap`, valid for the first gaM / cholM working-set atoms. */
  ga: Float64Array = new Float64Array(0);
  fac: Float64Array = new Float64Array(0);
  cap = 0;
  gaM = 0;
  cholM = 0;
  /** Primal objective and dual scaling of the last gap computation. */
  primal = 0;
  scale = 1;
  /**
   * Multiply-adds spent by the solves on this workspace (correlation, working-set refreshes, coordinate
   * updates, sign steps): a machine-independent cost counter for tuning and benchmarks.
   */
  work = 0;
  /** Support size of the last solve (the first working-set size of the next). */
  lastSupport = 0;
  /** Cholesky factor of the active Gram block for LARS (grown on demand). */
  chol: Float64Array = new Float64Array(0);
  /** @param k number of atoms. */
  constructor(k: number) {
    this.c = new Float64Array(k);
    this.q = new Float64Array(k);
    this.active = new Int32Array(k);
    this.z = new Float64Array(k);
    this.xPrev = new Float64Array(k);
    this.inSet = new Uint8Array(k);
    this.viol = new Float64Array(k);
    this.violIdx = new Int32Array(k);
    this.pool = new Int32Array(k);
    this.xa = new Float64Array(k);
    this.ca = new Float64Array(k);
    this.qa = new Float64Array(k);
  }
}

/** Recomputes q = G·x from the non-zeros, which all lie in the active set. O(atoms·|A|). */
function refreshQ(g: Float64Array, k: number, x: Float64Array, q: Float64Array, active: Int32Array, m: number): void {
  q.fill(0);
  for (let a = 0; a < m; a++) {
    const j = active[a]!, xj = x[j]!;
    if (xj === 0) continue;
    const o = j * k;
    for (let i = 0; i < k; i++) q[i]! += xj * g[o + i]!;
  }
}

const ATOM_NORMS = new WeakMap<LassoDictionary, Float64Array>();

/** ‖d_j‖ = √G_jj per atom (for the gap-safe screening test), cached per dictionary. */
function atomNorms(dict: LassoDictionary): Float64Array {
  let n = ATOM_NORMS.get(dict);
  if (!n) {
    const k = dict.atoms, g = dict.gram;
    n = new Float64Array(k);
    for (let j = 0; j < k; j++) n[j] = Math.sqrt(g[j * k + j]!);
    ATOM_NORMS.set(dict, n);
  }
  return n;
}

/**
 * q_i = Σ_a x_{A[a]}·G_{A[a], i} for the atoms i of pool[0..np) (every atom when np = k, read contiguously).
 * Eight (then four) Gram rows per pass, so q is loaded and stored once per eight rows. O(np·|A|).
 */
function refreshQPool(
  g: Float64Array,
  k: number,
  x: Float64Array,
  q: Float64Array,
  active: Int32Array,
  m: number,
  pool: Int32Array,
  np: number,
): void {
  if (np === k) q.fill(0);
  else for (let p = 0; p < np; p++) q[pool[p]!] = 0;
  let a = 0;
  for (; a + 7 < m; a += 8) {
    const j0 = active[a]!, j1 = active[a + 1]!, j2 = active[a + 2]!, j3 = active[a + 3]!;
    const j4 = active[a + 4]!, j5 = active[a + 5]!, j6 = active[a + 6]!, j7 = active[a + 7]!;
    const x0 = x[j0]!, x1 = x[j1]!, x2 = x[j2]!, x3 = x[j3]!, x4 = x[j4]!, x5 = x[j5]!, x6 = x[j6]!, x7 = x[j7]!;
    const o0 = j0 * k, o1 = j1 * k, o2 = j2 * k, o3 = j3 * k, o4 = j4 * k, o5 = j5 * k, o6 = j6 * k, o7 = j7 * k;
    if (np === k) {
      for (let i = 0; i < k; i++) {
        q[i]! += x0 * g[o0 + i]! + x1 * g[o1 + i]! + x2 * g[o2 + i]! + x3 * g[o3 + i]! +
          (x4 * g[o4 + i]! + x5 * g[o5 + i]! + x6 * g[o6 + i]! + x7 * g[o7 + i]!);
      }
    } else {
      for (let p = 0; p < np; p++) {
        const i = pool[p]!;
        q[i]! += x0 * g[o0 + i]! + x1 * g[o1 + i]! + x2 * g[o2 + i]! + x3 * g[o3 + i]! +
          (x4 * g[o4 + i]! + x5 * g[o5 + i]! + x6 * g[o6 + i]! + x7 * g[o7 + i]!);
      }
    }
  }
  for (; a + 3 < m; a += 4) {
    const j0 = active[a]!, j1 = active[a + 1]!, j2 = active[a + 2]!, j3 = active[a + 3]!;
    const x0 = x[j0]!, x1 = x[j1]!, x2 = x[j2]!, x3 = x[j3]!;
    const o0 = j0 * k, o1 = j1 * k, o2 = j2 * k, o3 = j3 * k;
    if (np === k) {
      for (let i = 0; i < k; i++) {
        q[i]! += x0 * g[o0 + i]! + x1 * g[o1 + i]! + x2 * g[o2 + i]! + x3 * g[o3 + i]!;
      }
    } else {
      for (let p = 0; p < np; p++) {
        const i = pool[p]!;
        q[i]! += x0 * g[o0 + i]! + x1 * g[o1 + i]! + x2 * g[o2 + i]! + x3 * g[o3 + i]!;
      }
    }
  }
  for (; a < m; a++) {
    const j = active[a]!, xj = x[j]!, o = j * k;
    if (np === k) { for (let i = 0; i < k; i++) q[i]! += xj * g[o + i]!; }
    else {
      for (let p = 0; p < np; p++) {
        const i = pool[p]!;
        q[i]! += xj * g[o + i]!;
      }
    }
  }
}

/**
 * One coordinate-descent pass over the working set held contiguously: ga = G_AA (m × m), xa, ca = (D·y)_A,
 * qa = (G·x)_A. Returns max |Δx| / max |x| over the pass.
 */
function cdPassCompact(
  ga: Float64Array,
  S: number,
  m: number,
  xa: Float64Array,
  ca: Float64Array,
  qa: Float64Array,
  lambda: number,
): number {
  let maxDelta = 0, maxX = 0;
  for (let a = 0; a < m; a++) {
    const o = a * S;
    const gjj = ga[o + a]!;
    const xj = xa[a]!;
    const rho = ca[a]! - qa[a]! + gjj * xj;
    const xn = rho > lambda ? (rho - lambda) / gjj : rho < -lambda ? (rho + lambda) / gjj : 0;
    const delta = xn - xj;
    if (delta !== 0) {
      xa[a] = xn;
      for (let b = 0; b < m; b++) qa[b]! += delta * ga[o + b]!;
      const ad = Math.abs(delta);
      if (ad > maxDelta) maxDelta = ad;
    }
    const ax = Math.abs(xn);
    if (ax > maxX) maxX = ax;
  }
  return maxX > 0 ? maxDelta / maxX : 0;
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
  const k = dict.atoms, g = dict.gram, { c, q, active, inSet, viol, violIdx, pool } = ws;
  const norms = atomNorms(dict);
  const target = tol * 0.5 * yy;
  let objective = 0, gap = Infinity, it = 0;
  // Working set: start from the warm start's support, then each round add the strongest KKT violators.
  // Pool: the atoms not yet proven zero at the optimum by the gap-safe test (Fercoq, Gramfort & Salmon, 2015);
  // q, the violator scan and the duality gap are kept on the pool only, so later rounds cost O(pool · |A|).
  let m = 0, np = k;
  inSet.fill(0);
  for (let j = 0; j < k; j++) {
    pool[j] = j;
    if (x[j] !== 0) (active[m++] = j, inSet[j] = 1);
  }
  let innerTol = 1e-2;
  ws.gaM = 0;
  ws.cholM = 0;
  for (; it < maxIter; it++) {
    // q is exact on the pool here (the active atoms are in the pool).
    gap = poolGap(x, c, q, yy, lambda, active, m, pool, np, ws);
    objective = ws.primal;
    // Gap-safe sphere: the dual optimum θ* (= the optimal residual) lies within √(2·gap) of s·r, so
    // |d_jᵀθ*| ≤ s·|c_j − q_j| + √(2·gap)·‖d_j‖ < λ proves x*_j = 0. The margin covers rounding in the gap.
    const s = ws.scale, radius = Math.sqrt(2 * gap + 1e-12 * yy);
    let nv = 0, w = 0;
    for (let p = 0; p < np; p++) {
      const j = pool[p]!;
      if (inSet[j]) {
        pool[w++] = j;
        continue;
      }
      const a = Math.abs(c[j]! - q[j]!);
      if (s * a + radius * norms[j]! < lambda) continue;
      pool[w++] = j;
      if (a > lambda) (violIdx[nv] = j, viol[nv++] = a - lambda);
    }
    np = w;
    ws.work += np;
    if (nv === 0 && it > 0) {
      if (gap <= target) break;
      innerTol = Math.max(innerTol * 0.1, 1e-13);
    }
    const add = Math.min(nv, Math.max(8, m, it === 0 ? ws.lastSupport : 0));
    if (add < nv) selectTop(viol, violIdx, nv, add);
    for (let a = 0; a < add; a++) (active[m++] = violIdx[a]!, inSet[violIdx[a]!] = 1);
    // Coordinate descent on the working set, its Gram block gathered contiguously.
    if (m > ws.cap) growCompact(ws, m);
    const ga = ws.ga, xa = ws.xa, ca = ws.ca, qa = ws.qa, S = ws.cap;
    for (let a = 0; a < m; a++) {
      const j = active[a]!;
      xa[a] = x[j]!;
      ca[a] = c[j]!;
      qa[a] = q[j]!;
    }
    // G_AA is kept across rounds (survivors keep their order, violators are appended): gather only new rows.
    for (let a = ws.gaM; a < m; a++) {
      const o = active[a]! * k, oa = a * S;
      for (let b = 0; b < m; b++) ga[oa + b] = g[o + active[b]!]!;
      for (let b = 0; b < ws.gaM; b++) ga[b * S + a] = ga[oa + b]!;
    }
    ws.work += (m - ws.gaM) * m;
    ws.gaM = m;
    // Solve the working-set problem without touching the other atoms: sweeps until the relative change is
    // below innerTol, drop the zeros, try the exact sign step; on failure sweep tighter. Only then refresh
    // q on the pool (the O(pool·|A|) part).
    let tolHere = innerTol;
    for (let attempt = 0; attempt < 8; attempt++) {
      for (let inner = 0; inner < 1000; inner++) {
        ws.work += m * m;
        if (cdPassCompact(ga, S, m, xa, ca, qa, lambda) <= tolHere) break;
      }
      m = dropZerosCompact(ws, m, active, inSet, x);
      if (signStepCompact(ws, m, lambda)) break;
      tolHere = Math.max(tolHere * 0.1, 1e-13);
    }
    for (let a = 0; a < m; a++) x[active[a]!] = xa[a]!;
    refreshQPool(g, k, x, q, active, m, pool, np);
    ws.work += np * m;
  }
  if (it === maxIter) (gap = poolGap(x, c, q, yy, lambda, active, m, pool, np, ws), objective = ws.primal);
  ws.lastSupport = m;
  return { x, objective, gap, iterations: Math.min(it + 1, maxIter) };
}

/** Grows the compact working-set storage to hold m atoms, keeping the valid parts of G_AA and its factor. */
function growCompact(ws: LassoWorkspace, m: number): void {
  const cap = Math.max(m, 2 * ws.cap, 32), old = ws.cap;
  const ga = new Float64Array(cap * cap), l = new Float64Array(cap * cap);
  for (let a = 0; a < ws.gaM; a++) ga.set(ws.ga.subarray(a * old, a * old + ws.gaM), a * cap);
  for (let a = 0; a < ws.cholM; a++) l.set(ws.fac.subarray(a * old, a * old + a + 1), a * cap);
  ws.ga = ga;
  ws.fac = l;
  ws.cap = cap;
}

/**
 * Removes the zero coefficients from the compact working set: xa, ca, qa, active and G_AA compacted in place
 * (qa stays exact: the removed coefficients are zero), and their rows deleted from the Cholesky factor by
 * Givens rotations (O((n − r)²) each instead of refactoring); x_j = 0 for the dropped atoms. Returns the new size.
 */
function dropZerosCompact(
  ws: LassoWorkspace,
  m: number,
  active: Int32Array,
  inSet: Uint8Array,
  x: Float64Array,
): number {
  const { xa, ca, qa, ga, cap: S } = ws, keep = ws.violIdx;
  let w = 0;
  for (let a = 0; a < m; a++) {
    if (xa[a] !== 0) keep[w++] = a;
    else (inSet[active[a]!] = 0, x[active[a]!] = 0);
  }
  if (w === m) return m;
  // Factor rows first, from the last dropped index down, so the lower indices stay valid.
  for (let a = m - 1; a >= 0; a--) {
    if (xa[a] === 0 && a < ws.cholM) (ws.work += (ws.cholM - a) ** 2, cholDelete(ws.fac, S, ws.cholM--, a));
  }
  // In place: entry (a, b) moves to (i, j) with i ≤ a, j ≤ b.
  for (let i = 0; i < w; i++) {
    const a = keep[i]!, oa = a * S, oi = i * S;
    for (let j = 0; j < w; j++) ga[oi + j] = ga[oa + keep[j]!]!;
    xa[i] = xa[a]!;
    ca[i] = ca[a]!;
    qa[i] = qa[a]!;
    active[i] = active[a]!;
  }
  ws.gaM = w;
  return w;
}

/** Deletes row/column r of the n × n factor L (row stride S) so that L'·L'ᵀ is G without atom r. */
function cholDelete(l: Float64Array, S: number, n: number, r: number): void {
  for (let i = r; i < n - 1; i++) l.copyWithin(i * S, (i + 1) * S, (i + 1) * S + i + 2);
  // Rows r..n−2 now have one entry right of the diagonal; rotate columns (c, c+1) to remove it.
  for (let c = r; c < n - 1; c++) {
    const oc = c * S, a = l[oc + c]!, b = l[oc + c + 1]!;
    const h = Math.hypot(a, b);
    if (h === 0) continue;
    const cs = a / h, sn = b / h;
    l[oc + c] = h;
    l[oc + c + 1] = 0;
    for (let i = c + 1; i < n - 1; i++) {
      const oi = i * S, u = l[oi + c]!, v = l[oi + c + 1]!;
      l[oi + c] = cs * u + sn * v;
      l[oi + c + 1] = cs * v - sn * u;
    }
  }
}

/**
 * The feature-sign step on the compact working set: solves G_AA·z = c_A − λ·sign(x_A) with the Cholesky factor
 * (extended by the rows it lacks) and accepts z (x_A = z, qa = G_AA·z) when it keeps every sign. False when it
 * does not or G_AA is singular.
 */
function signStepCompact(ws: LassoWorkspace, m: number, lambda: number): boolean {
  if (m === 0) return true;
  const { ga, xa, ca, qa, cap: S } = ws, l = ws.fac, b = ws.z;
  ws.work += ((m - ws.cholM) * m * m) / 2 + 2 * m * m;
  // Row-oriented Cholesky for the new rows (each entry is a dot of two contiguous earlier rows).
  for (let i = ws.cholM; i < m; i++) {
    const oi = i * S;
    for (let j = 0; j < i; j++) {
      const oj = j * S;
      let s = ga[oi + j]!;
      for (let t = 0; t < j; t++) s -= l[oi + t]! * l[oj + t]!;
      l[oi + j] = s / l[oj + j]!;
    }
    let s = ga[oi + i]!;
    for (let t = 0; t < i; t++) s -= l[oi + t]! * l[oi + t]!;
    if (!(s > 1e-10 * ga[oi + i]!)) return false;
    l[oi + i] = Math.sqrt(s);
    ws.cholM = i + 1;
  }
  for (let i = 0; i < m; i++) {
    let s = ca[i]! - (xa[i]! > 0 ? lambda : -lambda);
    const oi = i * S;
    for (let t = 0; t < i; t++) s -= l[oi + t]! * b[t]!;
    b[i] = s / l[oi + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let t = i + 1; t < m; t++) s -= l[t * S + i]! * b[t]!;
    b[i] = s / l[i * S + i]!;
  }
  for (let i = 0; i < m; i++) if (b[i]! * xa[i]! <= 0) return false;
  for (let i = 0; i < m; i++) xa[i] = b[i]!;
  for (let i = 0; i < m; i++) {
    const oi = i * S;
    let s = 0;
    for (let j = 0; j < m; j++) s += ga[oi + j]! * b[j]!;
    qa[i] = s;
  }
  return true;
}

/**
 * Duality gap on the pool (see {@link objectiveAndGap}); sets ws.primal and ws.scale (the dual scaling s).
 * The non-zeros of x are the active atoms, and q is exact on the pool.
 */
function poolGap(
  x: Float64Array,
  c: Float64Array,
  q: Float64Array,
  yy: number,
  lambda: number,
  active: Int32Array,
  m: number,
  pool: Int32Array,
  np: number,
  ws: LassoWorkspace,
): number {
  let xc = 0, xq = 0, l1 = 0, dmax = 0;
  for (let a = 0; a < m; a++) {
    const j = active[a]!, xj = x[j]!;
    xc += xj * c[j]!;
    xq += xj * q[j]!;
    l1 += Math.abs(xj);
  }
  for (let p = 0; p < np; p++) {
    const j = pool[p]!;
    const d = Math.abs(c[j]! - q[j]!);
    if (d > dmax) dmax = d;
  }
  const rr = Math.max(0, yy - 2 * xc + xq);
  const primal = 0.5 * rr + lambda * l1;
  const s = dmax > lambda ? lambda / dmax : 1;
  const dual = s * (yy - xc) - 0.5 * s * s * rr;
  ws.primal = primal;
  ws.scale = s;
  return Math.max(0, primal - dual);
}

/** Moves the `top` largest values of v[0..n) (with their indices) to the front, in no particular order. */
function selectTop(v: Float64Array, idx: Int32Array, n: number, top: number): void {
  // Quickselect on (v, idx) pairs; ties broken by the lower atom index for determinism.
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const pv = v[(lo + hi) >> 1]!, pi = idx[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i]! > pv || (v[i] === pv && idx[i]! < pi)) i++;
      while (v[j]! < pv || (v[j] === pv && idx[j]! > pi)) j--;
      if (i <= j) {
        const tv = v[i]!, ti = idx[i]!;
        v[i] = v[j]!;
        idx[i] = idx[j]!;
        v[j] = tv;
        idx[j] = ti;
        i++;
        j--;
      }
    }
    if (top - 1 <= j) hi = j;
    else if (top - 1 >= i) lo = i;
    else break;
  }
}

/**
 * LARS-lasso / homotopy (Efron et al., 2004; Osborne et al., 2000) on the Gram matrix: follows the solution
 * path from λ_max down to λ, adding the atom whose correlation catches up and dropping one whose coefficient
 * crosses zero. Each step solves G_AA·w = sign (Cholesky, O(|A|³/6)) and updates all correlations
 * (O(atoms·|A|)). Starts from zero (a warm start is ignored). Exact up to rounding.
 */
function solveLars(
  dict: LassoDictionary,
  ws: LassoWorkspace,
  x: Float64Array,
  yy: number,
  lambda: number,
  maxIter: number,
): LassoResult {
  const k = dict.atoms, g = dict.gram, { c, q, active, inSet } = ws;
  x.fill(0);
  inSet.fill(0);
  // r = c − G·x, the correlations with the residual.
  const r = ws.xPrev, w = ws.z;
  r.set(c);
  let m = 0, C = 0, first = -1;
  for (let j = 0; j < k; j++) if (Math.abs(r[j]!) > C) (C = Math.abs(r[j]!), first = j);
  let it = 0;
  if (first >= 0 && C > lambda) (active[m++] = first, inSet[first] = 1);
  const a = new Float64Array(k);
  for (; it < maxIter && m > 0 && C > lambda; it++) {
    // w = G_AA⁻¹·sign(r_A).
    for (let i = 0; i < m; i++) w[i] = r[active[i]!]! > 0 ? 1 : -1;
    if (!choleskySolveActive(g, k, active, m, w, ws)) break;
    for (let j = 0; j < k; j++) {
      let s = 0;
      const o = j * k;
      for (let i = 0; i < m; i++) s += g[o + active[i]!]! * w[i]!;
      a[j] = s;
    }
    let gamma = C - lambda, join = -1, drop = -1;
    for (let j = 0; j < k; j++) {
      if (inSet[j]) continue;
      const rj = r[j]!, aj = a[j]!;
      const g1 = 1 - aj > 1e-12 ? (C - rj) / (1 - aj) : Infinity;
      const g2 = 1 + aj > 1e-12 ? (C + rj) / (1 + aj) : Infinity;
      const gj = Math.min(g1 > 1e-14 ? g1 : Infinity, g2 > 1e-14 ? g2 : Infinity);
      if (gj < gamma) (gamma = gj, join = j);
    }
    for (let i = 0; i < m; i++) {
      const j = active[i]!, xj = x[j]!;
      if (xj === 0) continue;
      const gd = -xj / w[i]!;
      if (gd > 1e-14 && gd < gamma) (gamma = gd, drop = i, join = -1);
    }
    for (let i = 0; i < m; i++) x[active[i]!]! += gamma * w[i]!;
    for (let j = 0; j < k; j++) r[j]! -= gamma * a[j]!;
    C -= gamma;
    if (drop >= 0) {
      const j = active[drop]!;
      x[j] = 0;
      inSet[j] = 0;
      active[drop] = active[--m]!;
    } else if (join >= 0) {
      active[m++] = join;
      inSet[join] = 1;
    }
    ws.work += k * m + (m * m * m) / 6;
  }
  // q = G·x for the objective and gap.
  refreshQ(g, k, x, q, active, m);
  const [objective, gap] = objectiveAndGap(x, c, q, yy, lambda, k);
  ws.lastSupport = m;
  return { x, objective, gap, iterations: it };
}

/** Solves G_AA·v = b in place (b in `v`, length m) by Cholesky; false when G_AA is singular. */
function choleskySolveActive(
  g: Float64Array,
  k: number,
  active: Int32Array,
  m: number,
  v: Float64Array,
  ws: LassoWorkspace,
): boolean {
  if (ws.chol.length < m * m) ws.chol = new Float64Array(Math.max(m * m, 2 * ws.chol.length));
  const l = ws.chol;
  for (let jj = 0; jj < m; jj++) {
    const gj = active[jj]! * k, oj = jj * m;
    let s = g[gj + active[jj]!]!;
    for (let t = 0; t < jj; t++) s -= l[oj + t]! * l[oj + t]!;
    if (!(s > 1e-12)) return false;
    const ljj = Math.sqrt(s);
    l[oj + jj] = ljj;
    for (let ii = jj + 1; ii < m; ii++) {
      const oi = ii * m;
      let t2 = g[gj + active[ii]!]!;
      for (let t = 0; t < jj; t++) t2 -= l[oi + t]! * l[oj + t]!;
      l[oi + jj] = t2 / ljj;
    }
  }
  for (let i = 0; i < m; i++) {
    let s = v[i]!;
    for (let t = 0; t < i; t++) s -= l[i * m + t]! * v[t]!;
    v[i] = s / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = v[i]!;
    for (let t = i + 1; t < m; t++) s -= l[t * m + i]! * v[t]!;
    v[i] = s / l[i * m + i]!;
  }
  return true;
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
  const lip = lassoLipschitz(dict), step = lip > 0 ? 1 / lip : 0;
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
  ws.yy = correlate(dict, y, yOffset, ws.c);
  ws.work += dict.atoms * dict.dim;
  return solveCorrelated(dict, ws, lambda, x, options);
}

/** Solves with ws.c = D·y and ws.yy = ‖y‖² already set. */
function solveCorrelated(
  dict: LassoDictionary,
  ws: LassoWorkspace,
  lambda: number,
  x: Float64Array,
  options: LassoOptions,
): LassoResult {
  const k = dict.atoms, yy = ws.yy;
  const x0 = options.x0;
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
  const solver = options.solver ?? "cd";
  return solver === "cd"
    ? solveCd(dict, ws, x, yy, lambda, tol, maxIter)
    : solver === "lars"
    ? solveLars(dict, ws, x, yy, lambda, maxIter)
    : solveFista(dict, ws, x, yy, lambda, tol, maxIter);
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
  if (queries.length % dim !== 0) {
    throw new TypeError(`Queries length ${queries.length} is not a multiple of d = ${dim}`);
  }
  checkLambda(lambda);
  for (let t = 0; t < queries.length; t++) {
    if (!Number.isFinite(queries[t]!)) throw new RangeError(`Query ${Math.floor(t / dim)} contains ${queries[t]}`);
  }
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
