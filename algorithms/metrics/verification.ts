/**
 * Face verification metrics over scored pairs: ROC AUC and TAR at a fixed FAR, with optional pair weights
 * (bootstrap resamples reuse the same pairs with multiplicities instead of copying them), and LFW-style
 * k-fold accuracy with each fold's threshold chosen on the other folds.
 * @module
 */

/** Verification summary of scored pairs (higher score = more likely the same person). */
export interface VerificationMetrics {
  /** Area under the ROC curve (ties count half). */
  auc: number;
  /** True-accept rate at each requested false-accept rate, in the order asked. */
  tarAtFar: number[];
  genuine: number;
  impostor: number;
}

/**
 * ROC AUC and TAR@FAR of scored pairs. The threshold for a FAR f is the lowest score such that the weighted
 * share of impostor pairs scoring strictly above it is ≤ f; TAR is the weighted share of genuine pairs above it.
 *
 * @example
 * ```ts
 * import { verificationMetrics } from "./verification.ts";
 * const m = verificationMetrics(new Float64Array([0.9, 0.8, 0.3, 0.1]), { genuine: Uint8Array.from([1, 1, 0, 0]) });
 * if (m.auc !== 1) throw new Error("perfect separation");
 * ```
 */
export function verificationMetrics(
  scores: Float64Array,
  options: {
    genuine: Uint8Array;
    weights?: Float64Array;
    fars?: readonly number[];
    /** Indices by decreasing score, when the caller reuses one sort over many weightings (bootstrap). */
    order?: Int32Array;
  },
): VerificationMetrics {
  const { genuine, weights } = options;
  const fars = options.fars ?? [1e-3, 1e-2];
  const n = scores.length;
  const order = options.order ?? descendingOrder(scores);
  let totalGen = 0, totalImp = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (genuine[i]) totalGen += w;
    else totalImp += w;
  }
  // Walk thresholds from the top; ties are one step.
  let gen = 0, imp = 0, area = 0;
  const tar = fars.map(() => 0);
  for (let k = 0; k < n;) {
    const s = scores[order[k]!]!;
    let dg = 0, di = 0;
    for (; k < n && scores[order[k]!]! === s; k++) {
      const i = order[k]!, w = weights ? weights[i]! : 1;
      if (genuine[i]) dg += w;
      else di += w;
    }
    // Before accepting this tie group, the FAR is imp / totalImp: record TAR where that is still allowed.
    area += di * (gen + dg / 2);
    gen += dg;
    imp += di;
    fars.forEach((f, j) => {
      if (totalImp > 0 && imp / totalImp <= f + 1e-12) tar[j] = totalGen > 0 ? gen / totalGen : NaN;
    });
  }
  return {
    auc: totalGen > 0 && totalImp > 0 ? area / (totalGen * totalImp) : NaN,
    tarAtFar: tar,
    genuine: totalGen,
    impostor: totalImp,
  };
}

/** Indices of `scores` by decreasing score. */
export function descendingOrder(scores: Float64Array): Int32Array {
  return Int32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
}

/**
 * k-fold decisions: for each fold, the threshold that maximises accuracy on the other folds (a midpoint
 * between their sorted scores) decides the fold's pairs. Returns each pair's decision (1 = same person) and each
 * fold's threshold, in sorted fold order.
 */
export function kFoldDecisions(
  scores: Float64Array,
  options: { genuine: Uint8Array; fold: Int32Array },
): { decisions: Uint8Array; folds: number[]; thresholds: number[] } {
  const { genuine, fold } = options;
  const folds = [...new Set(fold)].sort((a, b) => a - b);
  const decisions = new Uint8Array(scores.length);
  const thresholds = folds.map((f) => {
    const train: number[] = [];
    for (let i = 0; i < scores.length; i++) if (fold[i] !== f) train.push(i);
    const threshold = bestThreshold(train.map((i) => scores[i]!), train.map((i) => genuine[i]!));
    for (let i = 0; i < scores.length; i++) if (fold[i] === f) decisions[i] = scores[i]! > threshold ? 1 : 0;
    return threshold;
  });
  return { decisions, folds, thresholds };
}

/** k-fold verification accuracy (see {@link kFoldDecisions}): each fold's accuracy, in sorted fold order. */
export function kFoldAccuracy(scores: Float64Array, options: { genuine: Uint8Array; fold: Int32Array }): number[] {
  const { decisions, folds } = kFoldDecisions(scores, options);
  return folds.map((f) => {
    let right = 0, count = 0;
    for (let i = 0; i < scores.length; i++) {
      if (options.fold[i] !== f) continue;
      count++;
      if (decisions[i] === options.genuine[i]) right++;
    }
    return count > 0 ? right / count : NaN;
  });
}

/** The threshold (a midpoint between sorted scores) maximising accuracy of "score > threshold ⇔ genuine". */
export function bestThreshold(scores: readonly number[], genuine: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let impostors = 0;
  for (const g of genuine) if (!g) impostors++;
  // Threshold below everything: all accepted, right = number of genuine pairs.
  let right = scores.length - impostors, best = right, bestAt = scores.length ? scores[order[0]!]! - 1e-9 : 0;
  for (let k = 0; k < order.length;) {
    const s = scores[order[k]!]!;
    for (; k < order.length && scores[order[k]!]! === s; k++) right += genuine[order[k]!] ? -1 : 1;
    if (right > best) {
      best = right;
      bestAt = k < order.length ? (s + scores[order[k]!]!) / 2 : s + 1e-9;
    }
  }
  return bestAt;
}
