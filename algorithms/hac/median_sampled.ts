/**
 * The sampled median of member pairs, defined so that the distance sweep can run it (see
 * docs/clustering.md, "Sampled median").
 *
 * Definition. With S = `samplePairs` and k = ⌈√S⌉: every point x has a hash level z(x) — the number of
 * trailing zero bits of a 32-bit hash of (seed, x's global id), so P(z ≥ l) = 2⁻ˡ, independently per point.
 * A cluster of at most k members is represented by all of them; a larger cluster A by its members whose
 * level is at least the k-th largest level in A (k members or a few more: a uniformly random subset, fixed
 * by the seed). The linkage of A and B is the exact median (even count: the mean of the two middle values)
 * of the distances between the representatives of A and those of B — exact while both clusters have at
 * most k members, else the median of a random grid of at least k² ≥ S member pairs (typically ≤ 4S).
 *
 * Why this sample: a cluster's representatives depend on the cluster alone, and when A and B merge, the
 * representatives of A ∪ B are those of A and B whose level reaches the new k-th largest one — members
 * only ever drop out. That is what lets the sweep (`_median_sweep.ts`) count sampled pairs per cluster
 * pair like the exact median's counters, subtracting the pairs of a member when it drops out.
 * @module
 */
import type { PairContext, PairLinkage } from "./pair_context.ts";
import { pairMedian } from "./median.ts";

/**
 * Members that represent a cluster by themselves (k = ⌈√S⌉).
 * @param samplePairs S
 * @returns k
 */
export function sampleMembers(samplePairs: number): number {
  return Math.ceil(Math.sqrt(samplePairs));
}

/** Levels cap here (a hash of 0 has 32 trailing zeros). */
const MAX_LEVEL = 31;

/**
 * Hash level of a point: trailing zero bits of a 32-bit hash of (seed, global id) (murmur3's finaliser).
 * @param seed run seed
 * @param id the point's global id
 * @returns z in 0..31, P(z ≥ l) = 2⁻ˡ
 */
export function hashLevel(seed: number, id: number): number {
  let h = (fmix32(seed) + Math.imul(id, 0x9e3779b1)) | 0;
  h = fmix32(h);
  const low = h & -h;
  return low === 0 ? MAX_LEVEL : Math.min(MAX_LEVEL, 31 - Math.clz32(low));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Hash level of every point of the context (built once per run).
 * @param ctx the run's pair context
 * @returns z per local point
 */
export function pointLevels(ctx: PairContext): Uint8Array {
  let levels = ctx.sampling.levels;
  if (!levels) {
    const n = ctx.src.n, ids = ctx.ids;
    levels = new Uint8Array(n);
    for (let i = 0; i < n; i++) levels[i] = hashLevel(ctx.seed, ids ? ids[i]! : i);
    ctx.sampling.levels = levels;
  }
  return levels;
}

/**
 * The level a cluster's members must reach to represent it: the k-th largest level among `members`
 * (0 when there are at most k).
 * @param levels z per point
 * @param members the cluster's members (or any superset of its representatives)
 * @param k representatives wanted
 * @returns the cut-off level
 */
export function representativeLevel(levels: Uint8Array, members: Int32Array, k: number): number {
  if (members.length <= k) return 0;
  const perLevel = new Int32Array(MAX_LEVEL + 1);
  for (let i = 0; i < members.length; i++) perLevel[levels[members[i]!]!]!++;
  let l = MAX_LEVEL, seen = perLevel[l]!;
  while (seen < k) seen += perLevel[--l]!;
  return l;
}

/**
 * The representatives of a cluster (sorted, cached per member list).
 * @param ctx the run's pair context
 * @param members the cluster's members, sorted
 * @returns the members with level ≥ {@link representativeLevel} (all of them when at most k)
 */
export function representatives(ctx: PairContext, members: Int32Array): Int32Array {
  const k = sampleMembers(ctx.samplePairs);
  if (members.length <= k) return members;
  const cached = ctx.sampling.reps.get(members);
  if (cached) return cached;
  const levels = pointLevels(ctx);
  const l = representativeLevel(levels, members, k);
  const out = members.filter((x) => levels[x]! >= l);
  ctx.sampling.reps.set(members, out);
  return out;
}

/**
 * The sampled median (see the module comment): the exact median of the distances between the two
 * clusters' representatives. A deterministic function of the two clusters and the seed, whatever the merge
 * order or the split into components.
 */
export const pairMedianSampled: PairLinkage = (ctx, a, b) =>
  pairMedian(ctx, representatives(ctx, a), representatives(ctx, b));
