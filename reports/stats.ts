/**
 * Small, deterministic summary statistics for figures: quantiles, ECDF, Pareto front, bootstrap of a mean.
 * @module
 */
import { Rng } from "../algorithms/random/rng.ts";
import { quantile } from "../algorithms/metrics/quantile.ts";

// One quantile definition for the whole project (numpy's default, type 7): see algorithms/metrics/quantile.ts.
export { median, quantile } from "../algorithms/metrics/quantile.ts";

/**
 * Arithmetic mean.
 * @param values a non-empty sample
 * @returns the mean
 * @throws {RangeError} on an empty sample
 */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError("Cannot take the mean of an empty sample");
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/**
 * Empirical CDF as step points: sorted values and the fraction of the sample at or below each.
 * At most `maxPoints` points are returned (evenly spaced ranks, always including both ends).
 * @param values the sample
 * @param maxPoints the most points to return [2000]
 * @returns `{x, y}` with y in (0, 1]
 */
export function ecdf(values: ArrayLike<number>, maxPoints = 2000): { x: number[]; y: number[] } {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  const x: number[] = [];
  const y: number[] = [];
  if (n === 0) return { x, y };
  const step = Math.max(1, Math.ceil(n / maxPoints));
  for (let i = 0; i < n; i += step) {
    x.push(s[i]!);
    y.push((i + 1) / n);
  }
  if (x.length === 0 || y[y.length - 1] !== 1) {
    x.push(s[n - 1]!);
    y.push(1);
  }
  return { x, y };
}

/**
 * Indices of the Pareto-optimal points when smaller `cost` and larger `gain` are better: a point is kept
 * unless another has cost ≤ and gain ≥ with one strict. Returned in increasing cost (ties: lower index first).
 * @param cost e.g. latency
 * @param gain e.g. accuracy
 * @returns indices of the front
 * @example
 * ```ts
 * import { paretoFront } from "./stats.ts";
 * const f = paretoFront([1, 2, 3], [0.5, 0.4, 0.9]);
 * if (f.join() !== "0,2") throw new Error(f.join());
 * ```
 */
export function paretoFront(cost: readonly number[], gain: readonly number[]): number[] {
  const order = cost.map((_, i) => i).sort((a, b) => cost[a]! - cost[b]! || gain[b]! - gain[a]! || a - b);
  const front: number[] = [];
  let best = -Infinity;
  for (const i of order) {
    if (gain[i]! > best) {
      front.push(i);
      best = gain[i]!;
    }
  }
  return front;
}

/**
 * Percentile bootstrap confidence interval of a mean, from a seeded generator (same input, same interval).
 * @param values the sample (one value per independent unit, e.g. per seed)
 * @param options `level` [0.95], `resamples` [2000], `seed` [1]
 * @returns `[low, high]`; for a single value, `[v, v]`
 * @throws {RangeError} on an empty sample
 */
export function bootstrapMeanCi(
  values: readonly number[],
  options: { level?: number; resamples?: number; seed?: number } = {},
): [number, number] {
  if (values.length === 0) throw new RangeError("Cannot bootstrap an empty sample");
  if (values.length === 1) return [values[0]!, values[0]!];
  const { level = 0.95, resamples = 2000, seed = 1 } = options;
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  const n = values.length;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    means[b] = s / n;
  }
  const a = (1 - level) / 2;
  return [quantile(means, a), quantile(means, 1 - a)];
}

/** Sorted unique values. */
export function uniqueSorted<T extends string | number>(values: Iterable<T>): T[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
