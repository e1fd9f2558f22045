/**
 * The Mann–Whitney U test (one-sided, "x tends to be larger than y"), exact for small samples without ties
 * and normal-approximated (with tie and continuity correction) otherwise.
 * @module
 */

/** Result of {@link mannWhitneyGreater}. */
export interface MannWhitneyResult {
  /** U statistic of x: pairs (xi, yj) with xi > yj, ties counted ½. */
  u: number;
  /** One-sided p-value of H1 "x is stochastically greater than y". */
  p: number;
  /** Whether the exact null distribution was used. */
  exact: boolean;
}

/** Number of arrangements with each U value, for sizes m and n (no ties): the exact null distribution. */
function exactCounts(m: number, n: number): Float64Array {
  // f[i][j][u] via the recurrence f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u), done with a rolling table.
  const maxU = m * n;
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(maxU + 1));
  for (let j = 0; j <= n; j++) prev[j]![0] = 1; // m = 0
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(maxU + 1));
    cur[0]![0] = 1;
    for (let j = 1; j <= n; j++) {
      const c = cur[j]!, a = prev[j]!, b = cur[j - 1]!;
      for (let u = 0; u <= i * j; u++) c[u] = (u >= j ? a[u - j]! : 0) + b[u]!;
    }
    prev = cur;
  }
  return prev[n]!;
}

/**
 * One-sided Mann–Whitney U test that `x` tends to exceed `y`.
 * @param x sample 1 (e.g. current latency ratios)
 * @param y sample 2 (e.g. baseline latency ratios)
 * @returns U and the p-value (1 when a sample is empty)
 * @example
 * ```ts
 * import { mannWhitneyGreater } from "./mann_whitney.ts";
 * const r = mannWhitneyGreater([5, 6, 7, 8], [1, 2, 3, 4]);
 * if (Math.abs(r.p - 1 / 70) > 1e-12) throw new Error();
 * ```
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const m = x.length, n = y.length;
  if (m === 0 || n === 0) return { u: 0, p: 1, exact: true };
  let u = 0;
  let ties = false;
  for (const a of x) {
    for (const b of y) {
      if (a > b) u += 1;
      else if (a === b) {
        u += 0.5;
        ties = true;
      }
    }
  }
  if (!ties && m * n <= 400) {
    const counts = exactCounts(m, n);
    let total = 0, tail = 0;
    for (let k = 0; k < counts.length; k++) {
      total += counts[k]!;
      if (k >= u) tail += counts[k]!;
    }
    return { u, p: tail / total, exact: true };
  }
  // Normal approximation with tie correction.
  const all = [...x.map((v) => ({ v })), ...y.map((v) => ({ v }))].sort((a, b) => a.v - b.v);
  const N = m + n;
  let tieTerm = 0;
  for (let i = 0; i < N;) {
    let j = i;
    while (j < N && all[j]!.v === all[i]!.v) j++;
    const t = j - i;
    tieTerm += t ** 3 - t;
    i = j;
  }
  const mu = (m * n) / 2;
  const sigma = Math.sqrt(((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sigma === 0) return { u, p: u > mu ? 0 : 1, exact: false };
  const z = (u - mu - 0.5) / sigma;
  return { u, p: 1 - normalCdf(z), exact: false };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const y = 1 -
    (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}
