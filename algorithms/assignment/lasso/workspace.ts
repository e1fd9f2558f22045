/**
 * What the lasso solvers share: solver ids and options, the result of one solve, the reusable workspace and the
 * duality gap.
 *
 * @module
 */

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
 * Objective, duality gap and q = G·x helpers. With c = D·y and q = G·x:
 * ‖r‖² = ‖y‖² − 2xᵀc + xᵀq and D·r = c − q; the dual point θ = s·r with s = min(1, λ/‖c − q‖∞) gives
 * gap = P(x) − (s·(‖y‖² − xᵀc) − ½s²‖r‖²).
 */
export function objectiveAndGap(
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
