/**
 * Fairness summaries over subgroups: worst and best group, gap, spread, skewed error ratio.
 * @module
 */

/** Summary of one metric across the groups of one attribute. */
export interface FairnessSummary {
  worst: number;
  best: number;
  worstGroup: string;
  bestGroup: string;
  /** best − worst (in the metric's units; ≥ 0). */
  gap: number;
  /** Population standard deviation of the group values. */
  std: number;
  /**
   * Skewed error ratio: max error / min error with error = 1 − value (for higher-is-better metrics in
   * [0, 1]); null when the best group has zero error (the ratio is unbounded).
   */
  skewedErrorRatio: number | null;
}

/**
 * Summarises a higher-is-better metric over groups.
 * @param groups group name → value (at least one)
 * @returns the summary, or null when there are no groups
 * @example
 * ```ts
 * import { fairnessSummary } from "./fairness.ts";
 * const s = fairnessSummary(new Map([["a", 0.9], ["b", 0.8]]))!;
 * if (s.worstGroup !== "b" || Math.abs(s.skewedErrorRatio! - 2) > 1e-12) throw new Error();
 * ```
 */
export function fairnessSummary(groups: ReadonlyMap<string, number>): FairnessSummary | null {
  const entries = [...groups.entries()].filter(([, v]) => Number.isFinite(v));
  if (entries.length === 0) return null;
  // Ties go to the group name that sorts first, so the summary is deterministic.
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let worst = entries[0]!, best = entries[0]!;
  for (const e of entries) {
    if (e[1] < worst[1]) worst = e;
    if (e[1] > best[1]) best = e;
  }
  const mean = entries.reduce((s, e) => s + e[1], 0) / entries.length;
  const std = Math.sqrt(entries.reduce((s, e) => s + (e[1] - mean) ** 2, 0) / entries.length);
  const maxErr = 1 - worst[1], minErr = 1 - best[1];
  return {
    worst: worst[1],
    best: best[1],
    worstGroup: worst[0],
    bestGroup: best[0],
    gap: best[1] - worst[1],
    std,
    skewedErrorRatio: minErr > 0 ? maxErr / minErr : null,
  };
}
