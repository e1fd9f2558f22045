/**
 * The `fista` lasso solver: accelerated proximal gradient (Beck & Teboulle, 2009) on the Gram matrix, step 1/L with
 * L the largest eigenvalue of G; O(atoms²) per iteration. Kept for the measurement that chose `cd`
 * (benchmarks/assign_bench.ts, docs/assignment.md) and as an independent check in the tests.
 *
 * @module
 */
import type { LassoDictionary } from "./dictionary.ts";
import { type LassoResult, type LassoWorkspace, objectiveAndGap } from "./workspace.ts";

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

/** FISTA from x (ws.q unused on entry); x receives the solution. */
export function solveFista(
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
