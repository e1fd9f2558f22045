/**
 * Calibrates `--threshold auto` for one face model and measures how the threshold transfers to unseen people.
 *
 * Tunes, per linkage, the threshold of best BCubed F on a labelled dev dataset (HAC on every face, no first
 * pass; one full dendrogram cut at every threshold of the grid), then scores unseen datasets at that threshold
 * against each set's own oracle (its best threshold) and against the fixed 0.5 of older specs. Unseen sets are
 * every `--eval` dataset and `--subsets` disjoint, seeded identity subsets of each (libraries of a few dozen
 * people, as on a phone).
 *
 * Run (embeddings from `pb embed`; see docs/thresholds.md):
 *   deno run -A benchmarks/calibrate_threshold.ts --dev out/celeb24-mfn --eval out/lfw5-mfn [--subsets 5]
 *     [--linkages single,average,…] [--seed 1] [--json FILE] [--write]
 * `--write` stores the thresholds (and the evidence) for the dev dataset's face model in
 * benchmarks/calibration/thresholds.json, keyed by the model file's SHA-256.
 * @module
 */
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../base/atomic.ts";
import { UsageError } from "../base/errors.ts";
import { Rng } from "../algorithms/random/rng.ts";
import {
  bestThreshold,
  dendrogramCutter,
  subsetClusterInput,
  sweepThresholds,
  type ThresholdCurve,
  thresholdGrid,
} from "../algorithms/clustering/threshold_protocol.ts";
import type { Linkage } from "../algorithms/hac/mod.ts";
import { clusterInputFromDataset } from "../datasets/cluster_input.ts";
import type { Dataset } from "../datasets/format.ts";
import { readDataset } from "../datasets/io.ts";
import {
  CALIBRATION_FILE,
  datasetFaceModel,
  type ModelCalibration,
  readCalibrationTable,
} from "./calibration/thresholds.ts";

/** The fixed threshold of older specs, reported for comparison. */
const OLD_FIXED = 0.5;

/** A dataset (or an identity subset of one) to sweep. */
interface EvalSet {
  name: string;
  dataset: Dataset;
  /** Observations kept (all when null). */
  keep: Uint8Array | null;
}

/** Sweeps one set with one linkage (HAC on every face, full dendrogram, no first pass). */
function sweepSet(set: EvalSet, linkage: Linkage, seed: number, grid: number[]): ThresholdCurve {
  const whole = clusterInputFromDataset(set.dataset, { seed });
  const truth = set.dataset.observations.identity.codes;
  if (!set.keep) return sweepThresholds(dendrogramCutter(whole, null, { linkage, seed }), truth, grid);
  const sub = subsetClusterInput(whole, set.keep);
  return sweepThresholds(
    dendrogramCutter(sub.input, null, { linkage, seed }),
    Int32Array.from(sub.rows, (i) => truth[i]!),
    grid,
  );
}

/** `count` disjoint identity subsets of a dataset (identities shuffled with `seed`, dealt round-robin). */
function identitySubsets(name: string, dataset: Dataset, count: number, seed: number): EvalSet[] {
  const truth = dataset.observations.identity.codes;
  const ids = [...new Set(Array.from(truth).filter((c) => c >= 0))].sort((a, b) => a - b);
  const rng = new Rng(`calibration-subsets/${seed}`);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const part = new Map(ids.map((c, k) => [c, k % count]));
  return Array.from({ length: count }, (_, s) => ({
    name: `${name} subset ${s + 1}/${count}`,
    dataset,
    keep: Uint8Array.from(truth, (c) => (c >= 0 && part.get(c) === s ? 1 : 0)),
  }));
}

function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : "–";
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dev: { type: "string" },
      eval: { type: "string", multiple: true, default: [] },
      subsets: { type: "string", default: "5" },
      linkages: { type: "string", default: "single,complete,average,median,median-sampled" },
      seed: { type: "string", default: "1" },
      json: { type: "string" },
      write: { type: "boolean", default: false },
    },
  });
  if (!values.dev) throw new UsageError("give --dev DIR (a labelled dataset embedded with the model to calibrate)");
  const seed = Number(values.seed), subsets = Number(values.subsets);
  const linkages = values.linkages.split(",") as Linkage[];
  const grid = thresholdGrid();
  const dev = await readDataset(values.dev);
  const model = datasetFaceModel(dev);
  if (!model) throw new UsageError(`${values.dev}: not embedded with a face model (synthetic?): nothing to calibrate`);
  const evals: EvalSet[] = [];
  for (const dir of values.eval) {
    const ds = await readDataset(dir);
    const m = datasetFaceModel(ds);
    if (m?.name !== model.name || (m.sha256 && model.sha256 && m.sha256 !== model.sha256)) {
      throw new UsageError(`${dir}: embedded with ${m?.name ?? "no model"}, not ${model.name}`);
    }
    evals.push({ name: ds.manifest.name, dataset: ds, keep: null });
    if (subsets > 1) evals.push(...identitySubsets(ds.manifest.name, ds, subsets, seed));
  }
  const identities = (ds: Dataset, keep: Uint8Array | null) =>
    new Set(Array.from(ds.observations.identity.codes).filter((c, i) => c >= 0 && (!keep || keep[i]))).size;
  const labelled = (ds: Dataset) => ds.observations.identity.codes.filter((c) => c >= 0).length;
  console.log(
    `# ${model.name} (sha256 ${model.sha256 ?? "unknown"}); dev ${dev.manifest.name}: ${identities(dev, null)} ` +
      `identities, ${labelled(dev)} faces; grid ${grid[0]}…${grid.at(-1)} step 0.025; seed ${seed}`,
  );
  console.log(
    "| linkage | t tuned on dev | dev F | unseen set | identities | F at tuned t | set's oracle F (t) | loss vs oracle | F at 0.5 |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  const thresholds: Record<string, number> = {};
  const evidence: NonNullable<ModelCalibration["evidence"]> = {};
  for (const linkage of linkages) {
    const devCurve = sweepSet({ name: "dev", dataset: dev, keep: null }, linkage, seed, grid);
    const tuned = bestThreshold(devCurve);
    thresholds[linkage] = tuned.threshold;
    const at = (c: ThresholdCurve, t: number) => c.f1[c.thresholds.indexOf(t)]!;
    if (evals.length === 0) console.log(`| ${linkage} | ${tuned.threshold} | ${f3(tuned.f1)} | – | | | | | |`);
    for (const set of evals) {
      const c = sweepSet(set, linkage, seed, grid);
      const o = bestThreshold(c);
      const f = at(c, tuned.threshold), fixed = at(c, OLD_FIXED);
      (evidence[set.name] ??= {})[linkage] = {
        f1: f,
        oracle_f1: o.f1,
        oracle_threshold: o.threshold,
        f1_at_0_5: fixed,
      };
      console.log(
        `| ${linkage} | ${tuned.threshold} | ${f3(tuned.f1)} | ${set.name} | ${identities(set.dataset, set.keep)} | ` +
          `${f3(f)} | ${f3(o.f1)} (${o.threshold}) | ${f3(o.f1 - f)} | ${f3(fixed)} |`,
      );
    }
  }
  const entry: ModelCalibration = {
    name: model.name,
    sha256: model.sha256 ?? "",
    dim: dev.manifest.face.dim,
    thresholds,
    dev: `${dev.manifest.name} (${identities(dev, null)} identities, ${labelled(dev)} faces; HAC on every face)`,
    command: `deno run -A benchmarks/calibrate_threshold.ts --dev DIR --eval DIR --subsets ${subsets} ` +
      `--seed ${seed} --write`,
    evidence,
  };
  if (values.json) await writeFileAtomic(values.json, JSON.stringify(entry, null, 2) + "\n");
  if (values.write) {
    if (!model.sha256) throw new UsageError("--write needs the model file named in dataset.json to compute its SHA-256");
    const table = readCalibrationTable();
    table.description ||= "Thresholds of `--threshold auto`, per face model (keyed by the ONNX file's SHA-256) and " +
      "linkage: the best BCubed F threshold on the dev data, HAC on every face. Recompute with " +
      "benchmarks/calibrate_threshold.ts (docs/thresholds.md).";
    table.grid = { min: grid[0]!, max: grid.at(-1)!, step: 0.025 };
    table.models = [...table.models.filter((m) => m.sha256 !== model.sha256), entry]
      .sort((a, b) => a.name.localeCompare(b.name));
    await writeFileAtomic(CALIBRATION_FILE, JSON.stringify(table, null, 2) + "\n");
    console.log(`wrote ${CALIBRATION_FILE}`);
  }
}
