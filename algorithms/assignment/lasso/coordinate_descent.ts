/**
 * The default lasso solver `cd`: coordinate descent on the Gram matrix (Friedman et al., 2010, "covariance
 * updates") over a working set that grows by the strongest KKT violators each round. Inside a round the working
 * set's Gram block is held contiguously and the set is solved on its own: sweeps, then an exact feature-sign step on
 * the settled signs (Lee et al., 2007) with a Cholesky factor kept across rounds (rows appended for new atoms,
 * Givens deletions for dropped ones). Between rounds, G·x is refreshed only on the atoms that gap-safe screening
 * (Fercoq, Gramfort & Salmon, 2015) has not yet proven zero; duality-gap stopping rule.
 *
 * @module
 */
import type { LassoDictionary } from "./dictionary.ts";
import type { LassoResult, LassoWorkspace } from "./workspace.ts";

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
 * One coordinate-descent pass over the first m atoms of the compact working set of `ws`: ga = G_AA (m × m,
 * row stride cap), xa, ca = (D·y)_A, qa = (G·x)_A. Returns max |Δx| / max |x| over the pass.
 */
function cdPassCompact(ws: LassoWorkspace, m: number, lambda: number): number {
  const { ga, xa, ca, qa, cap: S } = ws;
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

/**
 * Coordinate descent with working sets, gap-safe screening and feature-sign steps; x holds the start (a warm start
 * or zeros, with ws.q = G·x) and receives the solution.
 */
export function solveCd(
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
        if (cdPassCompact(ws, m, lambda) <= tolHere) break;
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
