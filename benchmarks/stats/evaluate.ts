/**
 * Turns a run's raw outputs (labels, assignments) into the record's metrics: clustering and assignment
 * quality, bootstrap intervals over identities, and per-subgroup (fairness) figures for every attribute.
 * Metrics are deterministic functions of the outputs, the dataset and the bootstrap seed.
 * @module
 */
import { CLUSTERING_METRIC_DIRECTIONS, clusteringMetrics } from "../../algorithms/metrics/mod.ts";
import type { Dataset } from "../../datasets/format.ts";
import { type MetricDirection, metricDirection, type SubgroupMetric } from "../results/schema.ts";
import type { MetricSettings } from "../spec/spec.ts";
import type { Assignment } from "../variants/types.ts";
import { bootstrapOverIdentities, groupByIdentity, type IdentityGroups } from "./bootstrap.ts";
import { fairnessSummary } from "./fairness.ts";
import { rocAuc } from "../../algorithms/metrics/auc.ts";

/** Metrics, their directions and subgroup rows of one run. */
export interface Evaluation {
  metrics: Record<string, number>;
  directions: Record<string, MetricDirection>;
  subgroups: SubgroupMetric[];
}

function f1(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

/**
 * Per-item BCubed precision and recall (Amigó et al. 2009) with the harness's label conventions
 * (truth −1: NaN, not evaluated; pred −1: own singleton). Their means over items equal the BCubed figures of
 * `clusteringMetrics`.
 */
export function bcubedPerItem(pred: Int32Array, truth: Int32Array): { precision: Float64Array; recall: Float64Array } {
  const n = truth.length;
  const precision = new Float64Array(n).fill(NaN), recall = new Float64Array(n).fill(NaN);
  const clusterSize = new Map<number, number>(),
    identitySize = new Map<number, number>(),
    cell = new Map<string, number>();
  const key = (i: number) => (pred[i]! < 0 ? `s${i}` : `${pred[i]}`);
  for (let i = 0; i < n; i++) {
    if (truth[i]! < 0) continue;
    const p = pred[i]! < 0 ? -1 - i : pred[i]!;
    clusterSize.set(p, (clusterSize.get(p) ?? 0) + 1);
    identitySize.set(truth[i]!, (identitySize.get(truth[i]!) ?? 0) + 1);
    const k = `${key(i)}|${truth[i]}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
  }
  for (let i = 0; i < n; i++) {
    if (truth[i]! < 0) continue;
    const p = pred[i]! < 0 ? -1 - i : pred[i]!;
    const v = cell.get(`${key(i)}|${truth[i]}`)!;
    precision[i] = v / clusterSize.get(p)!;
    recall[i] = v / identitySize.get(truth[i]!)!;
  }
  return { precision, recall };
}

function put(e: Evaluation, name: string, value: number, direction?: MetricDirection): void {
  if (!Number.isFinite(value)) return;
  e.metrics[name] = value;
  e.directions[name] = direction ?? metricDirection(name);
}

function attributeGroups(dataset: Dataset): { name: string; codes: Int32Array; values: string[] }[] {
  return [...dataset.observations.attributes.entries()]
    .map(([name, col]) => ({ name, codes: col.codes, values: col.values }))
    .filter((a) => a.values.length >= 2);
}

/** Breakdown by observation kind (`body_only`, `profile`, …): subgroup rows without fairness summaries. */
const KIND = "kind";

function boot(
  groups: IdentityGroups,
  scores: Float64Array[],
  stat: (m: number[]) => number,
  settings: MetricSettings,
  salt: number,
) {
  return bootstrapOverIdentities(groups, scores, stat, {
    resamples: settings.bootstrap,
    confidence: settings.confidence,
    seed: (settings.bootstrap_seed + salt) >>> 0,
  });
}

/**
 * Clustering metrics of predicted labels against the dataset's identities, with bootstrap intervals and,
 * when enabled, per-subgroup metrics and fairness summaries for every attribute with ≥ 2 groups.
 * @param labels predicted cluster per observation
 * @param dataset the dataset (identities, attributes)
 * @param settings bootstrap and fairness options
 * @param e evaluation to add to
 */
export function evaluateClustering(
  labels: Int32Array,
  dataset: Dataset,
  settings: MetricSettings,
  e: Evaluation,
): void {
  const truth = dataset.observations.identity.codes;
  if (labels.length !== truth.length) {
    throw new RangeError(`labels have ${labels.length} entries for ${truth.length} observations`);
  }
  const m = clusteringMetrics(labels, truth);
  const flat: Record<string, number> = {
    "pairwise.precision": m.pairwise.precision,
    "pairwise.recall": m.pairwise.recall,
    "pairwise.f1": m.pairwise.f1,
    "bcubed.precision": m.bcubed.precision,
    "bcubed.recall": m.bcubed.recall,
    "bcubed.f1": m.bcubed.f1,
    ari: m.ari,
    nmi: m.nmi,
    clusters: m.clusters,
    identities: m.identities,
    singletonRate: m.singletonRate,
    n: m.n,
  };
  for (const [k, v] of Object.entries(flat)) put(e, k, v, CLUSTERING_METRIC_DIRECTIONS[k] ?? metricDirection(k));
  const items = bcubedPerItem(labels, truth);
  const scores = [items.precision, items.recall];
  const stat = (x: number[]) => f1(x[0]!, x[1]!);
  const ci = boot(groupByIdentity(truth), scores, stat, settings, 0);
  if (ci) {
    put(e, "bcubed.f1.ci_low", ci.low, "none");
    put(e, "bcubed.f1.ci_high", ci.high, "none");
  }
  if (!settings.fairness) return;
  const kind = dataset.observations.kind;
  const breakdowns = [...attributeGroups(dataset), { name: KIND, codes: kind.codes, values: kind.values }];
  for (const attr of breakdowns) {
    const perMetric: Record<string, Map<string, number>> = {
      "bcubed.f1": new Map(),
      "bcubed.precision": new Map(),
      "bcubed.recall": new Map(),
    };
    attr.values.forEach((group, g) => {
      const groups = groupByIdentity(truth, (i) => attr.codes[i] === g);
      const n = groups.items.length;
      if (n === 0) return;
      let sp = 0, sr = 0;
      for (const i of groups.items) {
        sp += items.precision[i]!;
        sr += items.recall[i]!;
      }
      const values: Record<string, [number, (x: number[]) => number]> = {
        "bcubed.precision": [sp / n, (x) => x[0]!],
        "bcubed.recall": [sr / n, (x) => x[1]!],
        "bcubed.f1": [f1(sp / n, sr / n), stat],
      };
      for (const [metric, [value, s]] of Object.entries(values)) {
        const c = boot(groups, scores, s, settings, g + 1);
        e.subgroups.push({
          attribute: attr.name,
          group,
          metric,
          value,
          n,
          ci_low: c?.low ?? null,
          ci_high: c?.high ?? null,
        });
        perMetric[metric]!.set(group, value);
      }
    });
    if (attr.name === KIND) continue;
    for (const [metric, groups] of Object.entries(perMetric)) summarise(e, attr.name, metric, groups);
  }
}

function summarise(e: Evaluation, attribute: string, metric: string, groups: Map<string, number>): void {
  if (groups.size < 2) return;
  const s = fairnessSummary(groups);
  if (!s) return;
  const p = `fairness.${attribute}.${metric}`;
  put(e, `${p}.worst`, s.worst, "higher");
  put(e, `${p}.best`, s.best, "higher");
  put(e, `${p}.gap`, s.gap, "lower");
  put(e, `${p}.std`, s.std, "lower");
  if (s.skewedErrorRatio !== null) put(e, `${p}.skewed_error_ratio`, s.skewedErrorRatio, "lower");
}

/**
 * Assignment metrics: closed-set top-1 over queries whose identity is enrolled; open-set AUC (enrolled vs
 * not-enrolled queries, by score) and detection-and-identification rate at fixed false-accept rates.
 * @param a the assignment
 * @param enrolled identity codes in the gallery
 * @param dataset the dataset
 * @param settings bootstrap and fairness options
 * @param e evaluation to add to
 */
export function evaluateAssignment(
  a: Assignment,
  enrolled: ReadonlySet<number>,
  dataset: Dataset,
  settings: MetricSettings,
  e: Evaluation,
): void {
  const truth = dataset.observations.identity.codes;
  const correct = new Float64Array(truth.length).fill(NaN);
  const knownScores: number[] = [], knownCorrect: boolean[] = [], unknownScores: number[] = [];
  for (let q = 0; q < a.queries.length; q++) {
    const i = a.queries[q]!, t = truth[i]!;
    if (t >= 0 && enrolled.has(t)) {
      const ok = a.predicted[q] === t;
      correct[i] = ok ? 1 : 0;
      knownScores.push(a.scores[q]!);
      knownCorrect.push(ok);
    } else {
      unknownScores.push(a.scores[q]!);
    }
  }
  const known = knownScores.length;
  put(e, "top1", known ? knownCorrect.filter(Boolean).length / known : NaN, "higher");
  put(e, "queries.known", known, "none");
  put(e, "queries.unknown", unknownScores.length, "none");
  put(e, "open_set.auc", rocAuc(knownScores, unknownScores), "higher");
  const sortedUnknown = [...unknownScores].sort((x, y) => y - x);
  for (const fpr of [0.01, 0.1]) {
    if (sortedUnknown.length === 0 || known === 0) break;
    // Threshold: accept scores strictly above the (fpr)-quantile of unknown scores.
    const k = Math.floor(fpr * sortedUnknown.length);
    const tau = sortedUnknown[Math.min(k, sortedUnknown.length - 1)]!;
    let hit = 0;
    for (let q = 0; q < known; q++) if (knownCorrect[q] && knownScores[q]! > tau) hit++;
    put(e, `open_set.tpr_at_fpr_${fpr}`, hit / known, "higher");
  }
  const isKnownQuery = (i: number) => !Number.isNaN(correct[i]!);
  const ci = boot(groupByIdentity(truth, isKnownQuery), [correct], (x) => x[0]!, settings, 0);
  if (ci) {
    put(e, "top1.ci_low", ci.low, "none");
    put(e, "top1.ci_high", ci.high, "none");
  }
  if (!settings.fairness) return;
  for (const attr of attributeGroups(dataset)) {
    const values = new Map<string, number>();
    attr.values.forEach((group, g) => {
      const groups = groupByIdentity(truth, (i) => isKnownQuery(i) && attr.codes[i] === g);
      const n = groups.items.length;
      if (n === 0) return;
      let s = 0;
      for (const i of groups.items) s += correct[i]!;
      const c = boot(groups, [correct], (x) => x[0]!, settings, g + 1);
      e.subgroups.push({
        attribute: attr.name,
        group,
        metric: "top1",
        value: s / n,
        n,
        ci_low: c?.low ?? null,
        ci_high: c?.high ?? null,
      });
      values.set(group, s / n);
    });
    summarise(e, attr.name, "top1", values);
  }
}
