/**
 * Clustering accuracy study (issue 3, "Accuracy"): on a synthetic library, BCubed and pairwise F of every
 * linkage at its best threshold and at a threshold fixed in advance, with and without the greedy
 * face + body first pass; and face-only vs face + body first pass on body-only and profile observations.
 *
 * Run: `deno run -A benchmarks/cluster_accuracy.ts [--preset tiny|small | --data DIR] [--seed 1] [--fixed 0.5]
 *       [--first-threshold 0.3] [--json FILE]` (without bodies, the face + body first pass is skipped)
 *
 * Each configuration builds the full dendrogram once and cuts it at every threshold of a grid
 * (0.05 … 1.2), so "best threshold" is an oracle (an upper bound); the fixed threshold is the honest number.
 * @module
 */
import { parseArgs } from "node:util";
import { greedyFirstPass, observationLabels, secondPassInput } from "../algorithms/clustering/mod.ts";
import { cutDendrogram, hac, type Linkage, LINKAGE_IDS } from "../algorithms/hac/mod.ts";
import { type ClusteringMetrics, clusteringMetrics } from "../algorithms/metrics/mod.ts";
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
  best: { threshold: number; bcubedF: number; pairwiseF: number };
  fixed: { threshold: number; bcubedF: number; pairwiseF: number };
  /** BCubed precision / recall at the fixed threshold, restricted to observations of these kinds. */
  byKind: Record<string, { precision: number; recall: number; n: number }>;
}

/**
 * Runs the study on a dataset in memory.
 * @param options dataset, seed (of the sampled median), fixed threshold, first-pass threshold, kinds to break
 *   down, first-pass modes to compare
 * @returns one row per (linkage, first pass)
 */
export function accuracyStudy(options: {
  dataset: Dataset;
  seed: number;
  fixed: number;
  firstThreshold: number;
  kinds?: string[];
  firstPasses?: ("none" | "face" | "face+body")[];
}): AccuracyRow[] {
  const ds = options.dataset;
  const input = clusterInputFromDataset(ds);
  const truth = ds.observations.identity.codes;
  const kindCol = ds.observations.kind;
  const kinds = options.kinds ?? ["body_only", "profile", "clear"];
  const masks = new Map(kinds.map((k) => {
    const code = kindCol.values.indexOf(k);
    return [k, Uint8Array.from(kindCol.codes, (c) => (c === code ? 1 : 0))];
  }));
  const grid: number[] = [];
  for (let t = 0.05; t <= 1.2 + 1e-9; t += 0.025) grid.push(Math.round(t * 1000) / 1000);
  const rows: AccuracyRow[] = [];
  const firstPasses = [
    { name: "none" as const, first: null },
    {
      name: "face" as const,
      first: greedyFirstPass(input, { threshold: options.firstThreshold, fusion: { beta: 0 } }),
    },
    { name: "face+body" as const, first: greedyFirstPass(input, { threshold: options.firstThreshold }) },
  ];
  for (const fp of firstPasses) {
    const sp = secondPassInput(input, fp.first);
    for (const linkage of LINKAGES) {
      const full = hac(sp.vectors, sp.dim, { linkage, seed: options.seed });
      const score = (t: number): ClusteringMetrics =>
        clusteringMetrics(observationLabels(sp, cutDendrogram(full.merges, sp.items.length, t)), truth);
      let best = { threshold: NaN, bcubedF: -1, pairwiseF: NaN };
      for (const t of grid) {
        const m = score(t);
        if (m.bcubed.f1 > best.bcubedF) best = { threshold: t, bcubedF: m.bcubed.f1, pairwiseF: m.pairwise.f1 };
      }
      const fixedLabels = observationLabels(sp, cutDendrogram(full.merges, sp.items.length, options.fixed));
      const fm = clusteringMetrics(fixedLabels, truth);
      const byKind: AccuracyRow["byKind"] = {};
      for (const [k, mask] of masks) {
        const km = clusteringMetrics(fixedLabels, truth, { mask });
        byKind[k] = { precision: km.bcubed.precision, recall: km.bcubed.recall, n: km.n };
      }
      rows.push({
        linkage,
        firstPass: fp.name,
        best,
        fixed: { threshold: options.fixed, bcubedF: fm.bcubed.f1, pairwiseF: fm.pairwise.f1 },
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
      json: { type: "string" },
    },
  });
  const preset = values.preset === "small" ? "small" : "tiny";
  const dataset = values.data
    ? await readDataset(values.data)
    : generateLibraryInMemory(resolveConfig(PRESETS[preset], { seed: Number(values.seed) }));
  const rows = accuracyStudy({
    dataset,
    firstPasses: dataset.body && dataset.body.length > 0 ? undefined : ["none", "face"],
    seed: Number(values.seed),
    fixed: Number(values.fixed),
    firstThreshold: Number(values["first-threshold"]),
  });
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
  console.log(
    `# ${values.data ?? `${preset} preset`}, seed ${values.seed}; fixed threshold ${values.fixed}, first-pass t1 ${
      values["first-threshold"]
    }\n` +
      "| first pass | linkage | best t | BCubed F (best) | pairwise F (best) | BCubed F (fixed) | pairwise F (fixed) | " +
      "body_only P / R | profile P / R | clear P / R |\n|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows) {
    const k = (name: string) => r.byKind[name] ? `${f(r.byKind[name]!.precision)} / ${f(r.byKind[name]!.recall)}` : "–";
    console.log(
      `| ${r.firstPass} | ${r.linkage} | ${r.best.threshold} | ${f(r.best.bcubedF)} | ${f(r.best.pairwiseF)} | ${
        f(r.fixed.bcubedF)
      } | ${f(r.fixed.pairwiseF)} | ${k("body_only")} | ${k("profile")} | ${k("clear")} |`,
    );
  }
  if (values.json) await writeFileAtomic(values.json, JSON.stringify(rows, null, 2) + "\n");
}
