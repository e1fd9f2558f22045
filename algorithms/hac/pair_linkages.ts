/** Single, complete and average linkage from member pairs (the generic loops and the tests use them). @module */
import { pairDist, type PairLinkage } from "./pair_context.ts";

/** Minimum member-pair distance. */
export const pairMin: PairLinkage = (ctx, a, b) => {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const v = pairDist(ctx.src, a[i]!, b[j]!);
      if (v < m) m = v;
    }
  }
  ctx.reads += a.length * b.length;
  return m;
};

/** Maximum member-pair distance. */
export const pairMax: PairLinkage = (ctx, a, b) => {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const v = pairDist(ctx.src, a[i]!, b[j]!);
      if (v > m) m = v;
    }
  }
  ctx.reads += a.length * b.length;
  return m;
};

/** Mean member-pair distance (UPGMA). */
export const pairMean: PairLinkage = (ctx, a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) s += pairDist(ctx.src, a[i]!, b[j]!);
  ctx.reads += a.length * b.length;
  return s / (a.length * b.length);
};
