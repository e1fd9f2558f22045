/**
 * The one ROC AUC of PeopleBench: the probability that a positive outscores a negative, ties counting ½ (the
 * Mann–Whitney U statistic divided by its maximum), computed by ranks in O((m + n) log(m + n)).
 * @module
 */

/**
 * ROC AUC of positive against negative scores (higher score = more positive).
 * @param pos scores of positives
 * @param neg scores of negatives
 * @returns the AUC in [0, 1]; NaN when a class is empty. Non-finite scores are left out.
 * @example
 * ```ts
 * import { rocAuc } from "./auc.ts";
 * if (rocAuc([3, 4], [1, 3]) !== 0.875) throw new Error();
 * ```
 */
export function rocAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const all: { s: number; p: boolean }[] = [];
  let np = 0, nn = 0;
  for (let i = 0; i < pos.length; i++) if (Number.isFinite(pos[i]!)) (all.push({ s: pos[i]!, p: true }), np++);
  for (let i = 0; i < neg.length; i++) if (Number.isFinite(neg[i]!)) (all.push({ s: neg[i]!, p: false }), nn++);
  if (np === 0 || nn === 0) return NaN;
  all.sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const avgRank = (i + j + 1) / 2; // ranks are 1-based: i+1 … j
    for (let t = i; t < j; t++) if (all[t]!.p) rankSum += avgRank;
    i = j;
  }
  return (rankSum - (np * (np + 1)) / 2) / (np * nn);
}
