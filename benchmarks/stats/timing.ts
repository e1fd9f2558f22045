/**
 * Robust timing statistics: median, percentiles, MAD, coefficient of variation.
 * @module
 */
import { quantileSorted } from "../../algorithms/metrics/quantile.ts";

/** Summary of a timing sample. */
export interface TimingStats {
  n: number;
  median: number;
  mean: number;
  p95: number;
  min: number;
  max: number;
  /** Median absolute deviation from the median (unscaled). */
  mad: number;
  /** Coefficient of variation, standard deviation / mean (0 for fewer than 2 samples). */
  cv: number;
}

/** CV above which a timing is flagged as noisy. */
export const NOISY_CV = 0.1;

/**
 * Summarises a timing sample.
 * @param values seconds (or any unit)
 * @returns the statistics; NaN fields for an empty sample
 * @example
 * ```ts
 * import { timingStats } from "./timing.ts";
 * const s = timingStats([1, 2, 3, 4, 100]);
 * if (s.median !== 3 || s.mad !== 1) throw new Error();
 * ```
 */
export function timingStats(values: ArrayLike<number>): TimingStats {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n === 0) return { n: 0, median: NaN, mean: NaN, p95: NaN, min: NaN, max: NaN, mad: NaN, cv: NaN };
  const med = quantileSorted(s, 0.5);
  let sum = 0;
  for (const v of s) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of s) ss += (v - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const dev = s.map((v) => Math.abs(v - med)).sort();
  return {
    n,
    median: med,
    mean,
    p95: quantileSorted(s, 0.95),
    min: s[0]!,
    max: s[n - 1]!,
    mad: quantileSorted(dev, 0.5),
    cv: mean > 0 ? sd / mean : 0,
  };
}
