/**
 * The `lars` lasso solver (LARS-lasso homotopy), kept for the measurement that chose `cd`
 * (benchmarks/assign_bench.ts, docs/assignment.md) and as an independent check in the tests.
 *
 * @module
 */
import type { LassoDictionary } from "./dictionary.ts";
import { type LassoResult, type LassoWorkspace, objectiveAndGap } from "./workspace.ts";

/**
 * LARS-lasso / homotopy (Efron et al., 2004; Osborne et al., 2000) on the Gram matrix: follows the solution
 * path from λ_max down to λ, adding the atom whose correlation catches up and dropping one whose coefficient
 * crosses zero. Each step solves G_AA·w = sign (Cholesky, O(|A|³/6)) and updates all correlations
 * (O(atoms·|A|)). Starts from zero (a warm start is ignored). Exact up to rounding.
 */
export function solveLars(
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
