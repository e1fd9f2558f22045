/**
 * The one quantile definition of PeopleBench: linear interpolation between order statistics (numpy's default,
 * Hyndman–Fan type 7). Timing summaries, the latency gate, the benchmarks and the report figures all use it.
 * @module
 */

/**
 * The q-quantile of an ascending sample.
 * @param sorted ascending values
 * @param q in [0, 1]
 * @returns NaN for an empty sample
 * @example
 * ```ts
 * import { quantileSorted } from "./quantile.ts";
 * if (quantileSorted([1, 2, 3, 4], 0.5) !== 2.5) throw new Error();
 * ```
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos), hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The q-quantile of a sample in any order (see {@link quantileSorted}).
 * @param values the sample (not modified)
 * @param q in [0, 1]
 * @returns the interpolated quantile
 * @throws {RangeError} on an empty sample or q outside [0, 1]
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new RangeError("Cannot take a quantile of an empty sample");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Quantile must be in [0, 1], got ${q}`);
  return quantileSorted(Float64Array.from(values).sort(), q);
}

/** Median of a sample in any order (see {@link quantile}; throws on an empty sample). */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}
