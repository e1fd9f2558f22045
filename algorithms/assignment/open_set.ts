/**
 * Open-set recognition figures and identity-level bootstrap confidence intervals.
 *
 * Open set: a query of a gallery person ("known") counts as a true positive at threshold t when its top
 * person is right and its score ≥ t; a query of anyone else ("unknown") is a false accept when its score
 * ≥ t. The ROC curve sweeps t; its AUC is the probability that a known-and-correct query outscores an
 * unknown one (a known query whose top person is wrong counts as a miss at every threshold, as in the
 * open-set identification ROC of Phillips et al.).
 *
 * @module
 */
import { Rng } from "../random/rng.ts";
import { rocAuc } from "../metrics/auc.ts";

/** Open-set summary. */
export interface OpenSetFigures {
  /** Known queries. */
  known: number;
  /** Unknown queries. */
  unknown: number;
  /** Known queries whose top person is right (closed-set top-1 accuracy over the known). */
  top1: number;
  /** Area under the open-set ROC (detection-and-identification rate vs false-accept rate). */
  auc: number;
  /** Detection-and-identification rate at a false-accept rate of at most `far`. */
  tprAtFar: number;
  /** The FAR used for tprAtFar. */
  far: number;
  /** The score threshold achieving it. */
  threshold: number;
}

/**
 * Computes open-set figures from scores.
 *
 * @param score score per query (higher = more confident).
 * @param known 1 when the query's identity is in the gallery.
 * @param correct 1 when the query is known and its top person is right.
 * @param far target false-accept rate for tprAtFar [0.01].
 * @returns the figures (NaN where a class is empty).
 * @throws {TypeError} when the lengths differ.
 */
export function openSetFigures(
  score: Float64Array,
  known: Uint8Array,
  correct: Uint8Array,
  far = 0.01,
): OpenSetFigures {
  const n = score.length;
  if (known.length !== n || correct.length !== n) throw new TypeError("score, known and correct must have one length");
  const pos: number[] = [], neg: number[] = [];
  let nKnown = 0, nCorrect = 0;
  for (let i = 0; i < n; i++) {
    if (known[i]) {
      nKnown++;
      if (correct[i]) (nCorrect++, pos.push(score[i]!));
    } else neg.push(score[i]!);
  }
  pos.sort((a, b) => a - b);
  neg.sort((a, b) => a - b);
  // AUC over known queries: P(correct known outscores unknown) · (correct / known), ties count half.
  let auc = NaN;
  if (nKnown > 0 && neg.length > 0) auc = pos.length ? (rocAuc(pos, neg) * pos.length) / nKnown : 0;
  // Threshold: the smallest t with (#unknown ≥ t) ≤ far · #unknown.
  let threshold = NaN, tpr = NaN;
  if (neg.length > 0 && nKnown > 0) {
    const allowed = Math.floor(far * neg.length);
    // Accepting scores strictly above neg[len − 1 − allowed] admits at most `allowed` unknowns.
    const cut = neg[neg.length - 1 - allowed]!;
    threshold = nextUp(cut);
    let tp = 0;
    for (const s of pos) if (s >= threshold) tp++;
    tpr = tp / nKnown;
  }
  return {
    known: nKnown,
    unknown: neg.length,
    top1: nKnown > 0 ? nCorrect / nKnown : NaN,
    auc,
    tprAtFar: tpr,
    far,
    threshold,
  };
}

function nextUp(x: number): number {
  if (x === Infinity || Number.isNaN(x)) return x;
  const buf = new Float64Array([x]), bits = new BigInt64Array(buf.buffer);
  if (x === 0) return Number.MIN_VALUE;
  bits[0] = x > 0 ? bits[0]! + 1n : bits[0]! - 1n;
  return buf[0]!;
}

/** A point estimate with a percentile bootstrap interval. */
export interface Interval {
  /** Estimate on the full data. */
  value: number;
  /** Lower bound. */
  lo: number;
  /** Upper bound. */
  hi: number;
}

/**
 * Percentile bootstrap over identities: resamples identities with replacement (all queries of a drawn
 * identity come along), recomputes the statistic, and returns the (1−level)/2 and (1+level)/2 quantiles.
 *
 * @param group identity per query (≥ 0; −1 rows are kept in every resample as-is, e.g. unknown people
 *   when only the known are resampled).
 * @param statistic computes the statistic from a multiset of query indices.
 * @param options `resamples` [1000], `level` [0.95], `seed` [0].
 * @returns value, lo, hi.
 */
export function bootstrapOverGroups(
  group: Int32Array,
  statistic: (rows: Int32Array) => number,
  options: { resamples?: number; level?: number; seed?: number } = {},
): Interval {
  const resamples = options.resamples ?? 1000, level = options.level ?? 0.95;
  const rng = new Rng(options.seed ?? 0);
  const byGroup = new Map<number, number[]>();
  const fixed: number[] = [];
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    if (g < 0) fixed.push(i);
    else {
      let list = byGroup.get(g);
      if (!list) byGroup.set(g, list = []);
      list.push(i);
    }
  }
  const groups = [...byGroup.keys()].sort((a, b) => a - b).map((g) => byGroup.get(g)!);
  const all = Int32Array.from({ length: group.length }, (_, i) => i);
  const value = statistic(all);
  const stats: number[] = [];
  for (let r = 0; r < resamples && groups.length > 0; r++) {
    const rows: number[] = fixed.slice();
    for (let g = 0; g < groups.length; g++) for (const i of groups[rng.int(groups.length)]!) rows.push(i);
    const s = statistic(Int32Array.from(rows));
    if (!Number.isNaN(s)) stats.push(s);
  }
  if (stats.length === 0) return { value, lo: NaN, hi: NaN };
  stats.sort((a, b) => a - b);
  const q = (p: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(p * stats.length)))]!;
  return { value, lo: q((1 - level) / 2), hi: q((1 + level) / 2) };
}
