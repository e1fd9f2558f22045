/**
 * Clustering accuracy study under the threshold protocol: on a synthetic library or real embeddings, every
 * linkage with and without the greedy first pass, its threshold tuned on a seeded dev half of the identities and
 * its BCubed F reported on the other half (each half clustered on its own), with the oracle (best threshold on
 * the test half) and the generalisation gap beside it, the test half's F at a threshold fixed in advance, and
 * precision / recall per observation kind (at the dev-tuned threshold, on the test half).
 *
 * Run: `deno run -A benchmarks/cluster_accuracy.ts [--preset tiny|small | --data DIR] [--seed 1] [--fixed 0.5]
 *       [--first-threshold 0.3] [--order shuffled|rows] [--json FILE]` (without bodies, the face + body first pass
 *       is skipped). `--order rows` keeps untimed rows in file order — on `pb embed --layout identity-folders`
 *       output that is sorted by identity, which flatters the order-dependent first pass (shown for comparison).
 *
 * Each configuration builds one full dendrogram per half and cuts it at every threshold of a grid (0.05 … 1.2).
 * @module
 */
import { parseArgs } from "node:util";
import type { ClusterInput } from "../algorithms/clustering/mod.ts";
import { type ProtocolReport, runThresholdProtocol } from "../algorithms/clustering/threshold_protocol.ts";
import { type Linkage, LINKAGE_IDS } from "../algorithms/hac/mod.ts";
import { clusteringMetrics } from "../algorithms/metrics/mod.ts";
import { clusterInputFromDataset } from "../datasets/cluster_input.ts";
import type { Dataset } from "../datasets/format.ts";
import { readDataset } from "../datasets/io.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { generateLibraryInMemory, PRESETS, resolveConfig } from "../datasets/synthetic/mod.ts";

const LINKAGES: readonly Linkage[] = LINKAGE_IDS;

/** One row of the study. */
export interface AccuracyRow {
  linkage: Linkage;
  firstPass: "none" | "face" | "face+body";
  /** Tuned on dev, reported on test, oracle and gap (BCubed F). */
  protocol: ProtocolReport;
  /** Pairwise F on test at the dev-tuned threshold. */
  testPairwiseF: number;
  /** BCubed F on test at the threshold fixed in advance. */
  fixed: { threshold: number; bcubedF: number };
  /** BCubed precision / recall on test at the dev-tuned threshold, restricted to observations of these kinds. */
  byKind: Record<string, { precision: number; recall: number; n: number }>;
}

/** Processing order of rows without a capture time: seeded shuffle (the default) or file order. */
export type RowOrder = "shuffled" | "rows";

/** A clustering input whose untimed rows keep file order (for the order-leak comparison only). */
function inRowOrder(input: ClusterInput, time: Float64Array): ClusterInput {
  const idx = Array.from({ length: input.n }, (_, i) => i);
  idx.sort((a, b) => {
    const na = Number.isNaN(time[a]!), nb = Number.isNaN(time[b]!);
    return na !== nb ? (na ? 1 : -1) : (na ? 0 : time[a]! - time[b]!) || a - b;
  });
  return { ...input, order: Int32Array.from(idx) };
}

/**
 * Runs the study on a dataset in memory.
 * @param options dataset, seed (identity split, row shuffle, sampled median), fixed threshold, first-pass
 *   threshold, kinds to break down, first-pass modes to compare, row order
 * @returns one row per (first pass, linkage)
 */
export function accuracyStudy(options: {
  dataset: Dataset;
  seed: number;
  fixed: number;
  firstThreshold: number;
  kinds?: string[];
  firstPasses?: ("none" | "face" | "face+body")[];
  linkages?: Linkage[];
  order?: RowOrder;
}): AccuracyRow[] {
  const ds = options.dataset;
  const shuffled = clusterInputFromDataset(ds, { seed: options.seed });
  const input = options.order === "rows" ? inRowOrder(shuffled, ds.observations.time) : shuffled;
  const truth = ds.observations.identity.codes;
  const kindCol = ds.observations.kind;
  const kinds = options.kinds ?? ["body_only", "profile", "clear"];
  const rows: AccuracyRow[] = [];
  const modes = [
    { name: "none" as const, first: null },
    { name: "face" as const, first: { threshold: options.firstThreshold, fusion: { beta: 0 } } },
    { name: "face+body" as const, first: { threshold: options.firstThreshold } },
  ].filter((m) => !options.firstPasses || options.firstPasses.includes(m.name));
  for (const fp of modes) {
    for (const linkage of options.linkages ?? LINKAGES) {
      const run = runThresholdProtocol(input, truth, {
        seed: options.seed,
        firstPass: fp.first,
        hac: { linkage, seed: options.seed },
      });
      const testTruth = Int32Array.from(run.testRows, (i) => truth[i]!);
      const tuned = run.testCut(run.report.devThreshold);
      const byKind: AccuracyRow["byKind"] = {};
      for (const k of kinds) {
        const code = kindCol.values.indexOf(k);
        const mask = Uint8Array.from(run.testRows, (i) => (kindCol.codes[i] === code ? 1 : 0));
        const km = clusteringMetrics(tuned, testTruth, { mask });
        byKind[k] = { precision: km.bcubed.precision, recall: km.bcubed.recall, n: km.n };
      }
      rows.push({
        linkage,
        firstPass: fp.name,
        protocol: run.report,
        testPairwiseF: clusteringMetrics(tuned, testTruth).pairwise.f1,
        fixed: {
          threshold: options.fixed,
          bcubedF: clusteringMetrics(run.testCut(options.fixed), testTruth).bcubed.f1,
        },
        byKind,
      });
    }
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      preset: { type: "string", default: "tiny" },
      data: { type: "string" },
      seed: { type: "string", default: "1" },
      fixed: { type: "string", default: "0.5" },
      "first-threshold": { type: "string", default: "0.3" },
      "first-pass": { type: "string" },
      linkages: { type: "string" },
      order: { type: "string", default: "shuffled" },
      json: { type: "string" },
    },
  });
  const preset = values.preset === "small" ? "small" : "tiny";
  const dataset = values.data
    ? await readDataset(values.data)
    : generateLibraryInMemory(resolveConfig(PRESETS[preset], { seed: Number(values.seed) }));
  const order: RowOrder = values.order === "rows" ? "rows" : "shuffled";
  const hasBodies = dataset.body !== null && dataset.body.length > 0;
  const firstPasses = (values["first-pass"]?.split(",") ?? (hasBodies ? ["none", "face", "face+body"] : [
    "none",
    "face",
  ])) as ("none" | "face" | "face+body")[];
  const rows = accuracyStudy({
    dataset,
    firstPasses,
    linkages: values.linkages?.split(",") as Linkage[] | undefined,
    seed: Number(values.seed),
    fixed: Number(values.fixed),
    firstThreshold: Number(values["first-threshold"]),
    order,
  });
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
  console.log(
    `# ${values.data ?? `${preset} preset`}, seed ${values.seed} (identity split, row shuffle); untimed rows ` +
      `${order === "rows" ? "in FILE order (flattering when sorted by identity)" : "shuffled"}; first-pass t1 ${
        values["first-threshold"]
      }\n# t dev: tuned on the dev half of the identities; F test: the other half at t dev; oracle: best F on ` +
      `the test half (an upper bound, not a result); gap = oracle − F test\n` +
      `| first pass | linkage | t dev | BCubed F test | pairwise F test | oracle F (t) | gap | F test at ${values.fixed} | ` +
      "body_only P / R | profile P / R | clear P / R |\n|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows) {
    const k = (name: string) =>
      r.byKind[name] && r.byKind[name]!.n > 0 ? `${f(r.byKind[name]!.precision)} / ${f(r.byKind[name]!.recall)}` : "–";
    const p = r.protocol;
    console.log(
      `| ${r.firstPass} | ${r.linkage} | ${p.devThreshold} | ${f(p.testF1)} | ${f(r.testPairwiseF)} | ` +
        `${f(p.oracleF1)} (${p.oracleThreshold}) | ${f(p.gap)} | ${f(r.fixed.bcubedF)} | ${k("body_only")} | ` +
        `${k("profile")} | ${k("clear")} |`,
    );
  }
  if (values.json) await writeFileAtomic(values.json, JSON.stringify(rows, null, 2) + "\n");
}
