/**
 * Bootstrap confidence intervals over identities: identities are resampled with replacement (seeded), and a
 * per-item score is re-averaged over the items of the drawn identities. Resampling identities rather than
 * items respects that the items of one person are not independent.
 * @module
 */
import { Rng } from "../../algorithms/random/rng.ts";
import { quantileSorted } from "../../algorithms/metrics/quantile.ts";

/** Items grouped by identity: `start[k]..start[k+1]` index into `items`. */
export interface IdentityGroups {
  start: Int32Array;
  items: Int32Array;
}

/**
 * Groups item indices by identity code, keeping only items where `include` is true.
 * @param identity identity code per item (−1: unknown, left out)
 * @param include optional mask
 */
export function groupByIdentity(identity: Int32Array, include?: (i: number) => boolean): IdentityGroups {
  const byId = new Map<number, number[]>();
  for (let i = 0; i < identity.length; i++) {
    const id = identity[i]!;
    if (id < 0 || (include && !include(i))) continue;
    let list = byId.get(id);
    if (!list) byId.set(id, list = []);
    list.push(i);
  }
  const keys = [...byId.keys()].sort((a, b) => a - b);
  const start = new Int32Array(keys.length + 1);
  const items: number[] = [];
  keys.forEach((k, j) => {
    items.push(...byId.get(k)!);
    start[j + 1] = items.length;
  });
  return { start, items: Int32Array.from(items) };
}

/** A confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * Percentile bootstrap interval of a statistic of per-item score averages, resampling identities.
 * @param groups items by identity
 * @param scores per-item score arrays (e.g. [bcubedPrecision, bcubedRecall]); the statistic gets their means
 * @param statistic maps the mean of each score array to the value of interest (e.g. F1 of P and R)
 * @param options resamples, confidence level and seed
 * @returns the interval, or null with fewer than 2 identities or 0 resamples
 */
export function bootstrapOverIdentities(
  groups: IdentityGroups,
  scores: readonly Float64Array[],
  statistic: (means: number[]) => number,
  options: { resamples: number; confidence: number; seed: number },
): Interval | null {
  const k = groups.start.length - 1;
  if (k < 2 || options.resamples <= 0) return null;
  // Per-identity sums, so that each resample costs O(k), not O(items).
  const sums = scores.map((s) => {
    const out = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let t = groups.start[j]!; t < groups.start[j + 1]!; t++) acc += s[groups.items[t]!]!;
      out[j] = acc;
    }
    return out;
  });
  const counts = new Float64Array(k);
  for (let j = 0; j < k; j++) counts[j] = groups.start[j + 1]! - groups.start[j]!;
  const rng = new Rng(options.seed);
  const stats = new Float64Array(options.resamples);
  const acc = new Float64Array(scores.length);
  for (let b = 0; b < options.resamples; b++) {
    acc.fill(0);
    let n = 0;
    for (let d = 0; d < k; d++) {
      const j = rng.int(k);
      n += counts[j]!;
      for (let s = 0; s < sums.length; s++) acc[s]! += sums[s]![j]!;
    }
    stats[b] = statistic(Array.from(acc, (v) => v / n));
  }
  stats.sort();
  const alpha = (1 - options.confidence) / 2;
  return { low: quantileSorted(stats, alpha), high: quantileSorted(stats, 1 - alpha) };
}
