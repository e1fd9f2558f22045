/**
 * One lasso solve: validation, the correlations D·y, the warm start, and the dispatch to the chosen solver.
 *
 * @module
 */
import { correlate, type LassoDictionary } from "./dictionary.ts";
import { solveCd } from "./coordinate_descent.ts";
import { solveFista } from "./fista.ts";
import { solveLars } from "./lars.ts";
import { type LassoOptions, type LassoResult, LassoWorkspace } from "./workspace.ts";

/** Throws a RangeError unless λ is finite and ≥ 0. */
export function checkLambda(lambda: number): void {
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
export function solveCorrelated(
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
