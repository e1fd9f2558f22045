/**
 * Statistics of paired timings: the candidate and the reference workload measured back to back in one process,
 * summarised as log-ratios. The median's confidence interval comes from the sign test (binomial order
 * statistics): it assumes nothing about the distribution's shape, so the heavy right tails of timings under load
 * cannot narrow it spuriously.
 * @module
 */
import { quantileSorted } from "../../algorithms/metrics/quantile.ts";

/** A confidence interval of a median with its actual coverage (order statistics give discrete levels). */
export interface MedianInterval {
  median: number;
  low: number;
  high: number;
  /** Probability that the interval covers the true median (≥ the level asked for when n allows it). */
  coverage: number;
  n: number;
}

/** log P(X = k) for X ~ Binomial(n, 1/2). */
function logBinomHalf(n: number, k: number): number {
  let s = -n * Math.LN2;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/**
 * The sign-test confidence interval of the median: `[x(k), x(n+1−k)]` with the largest k whose two-sided
 * binomial tail stays within `1 − confidence`. With too few values for the level (n < 6 at 95 %) the interval
 * is the range and `coverage` says how much less it covers.
 * @param values the sample (not modified)
 * @param confidence level in (0, 1) [0.95]
 * @returns median, bounds and coverage; NaN fields for an empty sample
 * @example
 * ```ts
 * import { medianInterval } from "./paired.ts";
 * const ci = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95);
 * if (ci.low !== 2 || ci.high !== 9) throw new Error(); // coverage 1 − 22/1024
 * ```
 */
export function medianInterval(values: ArrayLike<number>, confidence = 0.95): MedianInterval {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n === 0) return { median: NaN, low: NaN, high: NaN, coverage: 0, n };
  const alpha = 1 - confidence;
  // Largest k (1-based) with 2·P(X ≤ k−1) ≤ alpha; tail grows with k.
  let k = 0, tail = 0;
  for (let j = 0; j < Math.floor(n / 2); j++) {
    const next = tail + Math.exp(logBinomHalf(n, j));
    if (2 * next > alpha) break;
    tail = next;
    k = j + 1;
  }
  const lo = Math.max(k, 1);
  const coverage = k >= 1 ? 1 - 2 * tail : 1 - 2 * Math.exp(logBinomHalf(n, 0));
  return { median: quantileSorted(s, 0.5), low: s[lo - 1]!, high: s[n - lo]!, coverage: Math.max(0, coverage), n };
}

/** Natural logs of ratios `num[i] / den[i]`, skipping pairs with a non-positive or non-finite side. */
export function logRatios(num: readonly number[], den: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(num.length, den.length); i++) {
    const a = num[i]!, b = den[i]!;
    if (a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) out.push(Math.log(a / b));
  }
  return out;
}
