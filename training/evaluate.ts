/**
 * Verification on held-out identities, overall and per subgroup, with bootstrap intervals over identities.
 * @module
 */
import { Rng } from "../algorithms/random/rng.ts";
import { descendingOrder, verificationMetrics } from "../algorithms/metrics/verification.ts";
import { clusteringMetrics } from "../algorithms/metrics/clustering.ts";
import { cutDendrogram } from "../algorithms/hac/dendrogram.ts";
import { hac } from "../algorithms/hac/hac.ts";
import type { Linkage } from "../algorithms/hac/linkage.ts";

/** A metric with its bootstrap interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

/** Verification of one subgroup (or all). */
export interface SubgroupVerification {
  group: string;
  identities: number;
  auc: Interval;
  /** TAR at FAR 1e-3 and 1e-2. */
  tarAtFar3: Interval;
  tarAtFar2: Interval;
  /**
   * 1:N identification: share of the group's crops whose nearest other crop of the group (cosine) has the same
   * identity (leave-one-out; identities with one crop count as misses).
   */
  rank1: Interval;
  genuinePairs: number;
  impostorPairs: number;
}

/** FARs reported. */
const FARS = [1e-3, 1e-2];

/**
 * Every pair of crops scored by cosine; AUC and TAR@FAR for all identities and for each group, with
 * percentile intervals from `bootstrap` resamples of the identities (a resampled identity's pairs count as
 * many times as it was drawn; impostor pairs between two draws of one identity are left out).
 *
 * @param embeddings unit rows, n × dim
 * @param options identity of each crop, group of each identity ("M"/"F"), resamples, seed
 */
export function verifyByIdentity(
  embeddings: Float32Array,
  options: { identity: Int32Array; groupOf: readonly string[]; bootstrap?: number; seed?: number; level?: number },
): SubgroupVerification[] {
  const { identity, groupOf } = options;
  const n = identity.length, dim = embeddings.length / n;
  const pairs = (n * (n - 1)) / 2;
  const scores = new Float64Array(pairs), a = new Int32Array(pairs), b = new Int32Array(pairs);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, k++) {
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += embeddings[i * dim + c]! * embeddings[j * dim + c]!;
      scores[k] = dot;
      a[k] = identity[i]!;
      b[k] = identity[j]!;
    }
  }
  const order = descendingOrder(scores);
  const genuine = Uint8Array.from({ length: pairs }, (_, p) => (a[p] === b[p] ? 1 : 0));
  const present = [...new Set(identity)].sort((x, y) => x - y);
  const groups = ["all", ...[...new Set(present.map((i) => groupOf[i] ?? ""))].filter((g) => g !== "").sort()];
  const rng = new Rng(options.seed ?? 0).fork("bootstrap");
  const resamples = options.bootstrap ?? 200, level = options.level ?? 0.95;
  return groups.map((group) => {
    const members = present.filter((i) => group === "all" || groupOf[i] === group);
    const inGroup = new Set(members);
    const metricsFor = (count: Map<number, number>) => {
      const weights = new Float64Array(pairs);
      for (let p = 0; p < pairs; p++) {
        if (!inGroup.has(a[p]!) || !inGroup.has(b[p]!)) continue;
        const ca = count.get(a[p]!) ?? 0, cb = count.get(b[p]!) ?? 0;
        weights[p] = genuine[p] ? ca : ca * cb;
      }
      return verificationMetrics(scores, { genuine, weights, fars: FARS, order });
    };
    // Leave-one-out nearest neighbour inside the group, per crop.
    const crops = [...identity.keys()].filter((i) => inGroup.has(identity[i]!));
    const hit = new Map<number, number>(); // identity → crops whose nearest neighbour is the same person
    for (const i of crops) {
      let best = -Infinity, who = -1;
      for (const j of crops) {
        if (j === i) continue;
        let dot = 0;
        for (let c = 0; c < dim; c++) dot += embeddings[i * dim + c]! * embeddings[j * dim + c]!;
        if (dot > best) best = dot, who = identity[j]!;
      }
      if (who === identity[i]) hit.set(who, (hit.get(who) ?? 0) + 1);
    }
    const size = new Map<number, number>();
    for (const i of crops) size.set(identity[i]!, (size.get(identity[i]!) ?? 0) + 1);
    const rank1For = (count: Map<number, number>) => {
      let right = 0, total = 0;
      for (const [m, k] of count) right += k * (hit.get(m) ?? 0), total += k * (size.get(m) ?? 0);
      return total > 0 ? right / total : NaN;
    };
    const point = metricsFor(new Map(members.map((m) => [m, 1])));
    const pointRank1 = rank1For(new Map(members.map((m) => [m, 1])));
    const draws: number[][] = [[], [], [], []];
    for (let r = 0; r < resamples; r++) {
      const count = new Map<number, number>();
      for (let d = 0; d < members.length; d++) {
        const m = members[rng.int(members.length)]!;
        count.set(m, (count.get(m) ?? 0) + 1);
      }
      const m = metricsFor(count);
      [m.auc, m.tarAtFar[0]!, m.tarAtFar[1]!, rank1For(count)].forEach((v, i) =>
        Number.isFinite(v) && draws[i]!.push(v)
      );
    }
    const interval = (value: number, sample: number[]): Interval => {
      sample.sort((x, y) => x - y);
      const q = (p: number) =>
        sample.length ? sample[Math.min(sample.length - 1, Math.floor(p * sample.length))]! : NaN;
      return { value, low: q((1 - level) / 2), high: q((1 + level) / 2) };
    };
    return {
      group,
      identities: members.length,
      auc: interval(point.auc, draws[0]!),
      tarAtFar3: interval(point.tarAtFar[0]!, draws[1]!),
      tarAtFar2: interval(point.tarAtFar[1]!, draws[2]!),
      rank1: interval(pointRank1, draws[3]!),
      genuinePairs: point.genuine,
      impostorPairs: point.impostor,
    };
  });
}

/** Rows scaled to unit length, as float32 (the form `pb embed` stores). */
export function unitRows(x: Float64Array, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let ss = 0;
    for (let c = 0; c < dim; c++) ss += x[r * dim + c]! ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let c = 0; c < dim; c++) out[r * dim + c] = x[r * dim + c]! * inv;
  }
  return out;
}

/** Clustering of one subgroup's crops (or all) at a threshold chosen elsewhere, and the best cut in hindsight. */
export interface SubgroupClustering {
  group: string;
  identities: number;
  /** BCubed F at the given threshold. */
  bcubedF: number;
  /** The best BCubed F over every cut of the same dendrogram (an upper bound; not a fair operating point). */
  oracleF: number;
  oracleThreshold: number;
}

/** Distances tried when looking for the best cut: 0.02 apart over cosine distance [0, 2]. */
const CUT_GRID = Array.from({ length: 100 }, (_, k) => 0.02 * (k + 1));

function dendrogramOf(embeddings: Float32Array, rows: number[], dim: number, linkage: Linkage): Float64Array {
  const v = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => v.set(embeddings.subarray(r * dim, (r + 1) * dim), k * dim));
  return hac(v, dim, { linkage }).merges;
}

function bestCut(merges: Float64Array, truth: Int32Array): { threshold: number; f: number } {
  let best = { threshold: NaN, f: -Infinity };
  for (const t of CUT_GRID) {
    const f = clusteringMetrics(cutDendrogram(merges, truth.length, t), truth).bcubed.f1;
    if (f > best.f) best = { threshold: t, f };
  }
  return best;
}

/**
 * The threshold with the best BCubed F of HAC (the pipeline's nightly second pass, average linkage by default) on
 * one set of crops — the validation identities, so the test identities never choose their own operating point.
 * @param embeddings unit rows
 * @param identity identity of each row
 * @param linkage HAC linkage [average]
 * @returns the cosine-distance threshold
 */
export function tuneClusterThreshold(
  embeddings: Float32Array,
  identity: Int32Array,
  linkage: Linkage = "average",
): number {
  const n = identity.length, dim = embeddings.length / n;
  return bestCut(dendrogramOf(embeddings, [...identity.keys()], dim, linkage), identity).threshold;
}

/**
 * HAC on the test crops of each subgroup (and all), cut at `threshold`: BCubed F against the identities, beside
 * the best cut of the same dendrogram.
 * @param embeddings unit rows, n × dim
 * @param options identity of each crop, group of each identity, the threshold and linkage
 * @returns one row for all crops, then one per group
 */
export function clusterByIdentity(
  embeddings: Float32Array,
  options: { identity: Int32Array; groupOf: readonly string[]; threshold: number; linkage?: Linkage },
): SubgroupClustering[] {
  const { identity, groupOf, threshold } = options;
  const n = identity.length, dim = embeddings.length / n;
  const present = [...new Set(identity)].sort((x, y) => x - y);
  const groups = ["all", ...[...new Set(present.map((i) => groupOf[i] ?? ""))].filter((g) => g !== "").sort()];
  return groups.map((group) => {
    const rows = [...identity.keys()].filter((i) => group === "all" || groupOf[identity[i]!] === group);
    const truth = Int32Array.from(rows, (r) => identity[r]!);
    const merges = dendrogramOf(embeddings, rows, dim, options.linkage ?? "average");
    const oracle = bestCut(merges, truth);
    return {
      group,
      identities: new Set(truth).size,
      bcubedF: clusteringMetrics(cutDendrogram(merges, rows.length, threshold), truth).bcubed.f1,
      oracleF: oracle.f,
      oracleThreshold: oracle.threshold,
    };
  });
}
