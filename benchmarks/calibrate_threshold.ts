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
 *   deno run -A benchmarks/calibrate_threshold.ts --dev out/celeb24-mfn [--dev DIR …] --eval out/lfw5-mfn
 *     [--split-eval] [--subsets 5] [--linkages single,average,…] [--seed 1] [--json FILE] [--write]
 * The threshold maximises the mean BCubed F over the dev sets. `--split-eval` splits each eval dataset by identity
 * (seeded): `--subsets` subsets of one half join the dev sets, the other half's subsets are the unseen sets.
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
  splitByIdentity,
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

/**
 * `count` disjoint identity subsets of a dataset, within `within` when given (identities shuffled with `seed`,
 * dealt round-robin).
 */
function identitySubsets(
  name: string,
  dataset: Dataset,
  count: number,
  seed: number,
  within: Uint8Array | null = null,
): EvalSet[] {
  const truth = dataset.observations.identity.codes;
  const ids = [...new Set(Array.from(truth).filter((c, i) => c >= 0 && (!within || within[i])))]
    .sort((a, b) => a - b);
  const rng = new Rng(`calibration-subsets/${seed}`);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const part = new Map(ids.map((c, k) => [c, k % count]));
  return Array.from({ length: count }, (_, s) => ({
    name: `${name} subset ${s + 1}/${count}`,
    dataset,
    keep: Uint8Array.from(truth, (c, i) => (c >= 0 && part.get(c) === s && (!within || within[i]) ? 1 : 0)),
  }));
}

function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : "–";
}

/** Mean curve over sets (same grid), for tuning on several dev sets at once. */
function meanCurve(curves: readonly ThresholdCurve[]): ThresholdCurve {
  const avg = (k: keyof Omit<ThresholdCurve, "thresholds">) =>
    curves[0]!.thresholds.map((_, i) => curves.reduce((s, c) => s + c[k][i]!, 0) / curves.length);
  return {
    thresholds: curves[0]!.thresholds,
    f1: avg("f1"),
    precision: avg("precision"),
    recall: avg("recall"),
    pairwiseF1: avg("pairwiseF1"),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dev: { type: "string", multiple: true, default: [] },
      eval: { type: "string", multiple: true, default: [] },
      "split-eval": { type: "boolean", default: false },
      subsets: { type: "string", default: "5" },
      linkages: { type: "string", default: "single,complete,average,median,median-sampled" },
      seed: { type: "string", default: "1" },
      json: { type: "string" },
      write: { type: "boolean", default: false },
    },
  });
  if (values.dev.length === 0) {
    throw new UsageError("give --dev DIR (a labelled dataset embedded with the model to calibrate)");
  }
  const seed = Number(values.seed), subsets = Math.max(1, Number(values.subsets));
  const linkages = values.linkages.split(",") as Linkage[];
  const grid = thresholdGrid();
  const devSets: EvalSet[] = [], evals: EvalSet[] = [];
  let model: ReturnType<typeof datasetFaceModel> = null;
  const sameModel = async (dir: string) => {
    const ds = await readDataset(dir);
    const m = datasetFaceModel(ds);
    if (!m) throw new UsageError(`${dir}: not embedded with a face model (synthetic?): nothing to calibrate`);
    model ??= m;
    if (m.name !== model.name || (m.sha256 && model.sha256 && m.sha256 !== model.sha256)) {
      throw new UsageError(`${dir}: embedded with ${m.name}, not ${model.name}`);
    }
    return ds;
  };
  for (const dir of values.dev) {
    const ds = await sameModel(dir);
    devSets.push({ name: ds.manifest.name, dataset: ds, keep: null });
  }
  for (const dir of values.eval) {
    const ds = await sameModel(dir);
    if (values["split-eval"]) {
      // Half of the identities (seeded) join the dev sets, the other half are the unseen sets.
      const split = splitByIdentity(ds.observations.identity.codes, { seed });
      devSets.push(...identitySubsets(`${ds.manifest.name} dev`, ds, subsets, seed, split.dev));
      evals.push(...identitySubsets(`${ds.manifest.name} test`, ds, subsets, seed, split.test));
    } else {
      evals.push({ name: ds.manifest.name, dataset: ds, keep: null });
      if (subsets > 1) evals.push(...identitySubsets(ds.manifest.name, ds, subsets, seed));
    }
  }
  const key = model!;
  const identities = (set: EvalSet) =>
    new Set(Array.from(set.dataset.observations.identity.codes).filter((c, i) => c >= 0 && (!set.keep || set.keep[i])))
      .size;
  const labelled = (set: EvalSet) =>
    set.dataset.observations.identity.codes.filter((c, i) => c >= 0 && (!set.keep || set.keep[i])).length;
  const devText = devSets.map((d) => `${d.name} (${identities(d)} identities, ${labelled(d)} faces)`).join(", ");
  console.log(
    `# ${key.name} (sha256 ${key.sha256 ?? "unknown"}); dev: ${devText}; tuned for the best mean BCubed F over the ` +
      `dev sets; grid ${grid[0]}…${grid.at(-1)} step 0.025; seed ${seed}`,
  );
  console.log(
    "| linkage | t tuned on dev | dev F (mean) | unseen set | identities | F at tuned t | set's oracle F (t) | " +
      "loss vs oracle | F at 0.5 |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  const thresholds: Record<string, number> = {};
  const evidence: NonNullable<ModelCalibration["evidence"]> = {};
  for (const linkage of linkages) {
    const devCurves = devSets.map((d) => sweepSet(d, linkage, seed, grid));
    const tuned = bestThreshold(meanCurve(devCurves));
    thresholds[linkage] = tuned.threshold;
    const at = (c: ThresholdCurve, t: number) => c.f1[c.thresholds.indexOf(t)]!;
    // The dev sets themselves (not held out): how far the shared threshold sits from each one's own optimum.
    devCurves.forEach((c, k) => {
      const o = bestThreshold(c);
      console.log(
        `| ${linkage} | ${tuned.threshold} | ${f3(tuned.f1)} | (dev) ${devSets[k]!.name} | ${
          identities(devSets[k]!)
        } | ` +
          `${f3(at(c, tuned.threshold))} | ${f3(o.f1)} (${o.threshold}) | ${f3(o.f1 - at(c, tuned.threshold))} | ` +
          `${f3(at(c, OLD_FIXED))} |`,
      );
    });
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
        `| ${linkage} | ${tuned.threshold} | ${f3(tuned.f1)} | ${set.name} | ${identities(set)} | ` +
          `${f3(f)} | ${f3(o.f1)} (${o.threshold}) | ${f3(o.f1 - f)} | ${f3(fixed)} |`,
      );
    }
  }
  const entry: ModelCalibration = {
    name: key.name,
    sha256: key.sha256 ?? "",
    dim: devSets[0]!.dataset.manifest.face.dim,
    thresholds,
    dev: devText + "; HAC on every face, best mean BCubed F",
    command: "deno run -A benchmarks/calibrate_threshold.ts " + values.dev.map((d) => `--dev ${d}`).join(" ") +
      values.eval.map((d) => ` --eval ${d}`).join("") + (values["split-eval"] ? " --split-eval" : "") +
      ` --subsets ${subsets} --seed ${seed} --write (datasets from pb embed: docs/thresholds.md)`,
    evidence,
  };
  if (values.json) await writeFileAtomic(values.json, JSON.stringify(entry, null, 2) + "\n");
  if (values.write) {
    if (!key.sha256) throw new UsageError("--write needs the model file named in dataset.json to compute its SHA-256");
    const table = readCalibrationTable();
    table.description ||= "Thresholds of `--threshold auto`, per face model (keyed by the ONNX file's SHA-256) and " +
      "linkage: the best mean BCubed F threshold over the dev sets, HAC on every face. Recompute with " +
      "benchmarks/calibrate_threshold.ts (docs/thresholds.md).";
    table.grid = { min: grid[0]!, max: grid.at(-1)!, step: 0.025 };
    table.models = [...table.models.filter((m) => m.sha256 !== key.sha256), entry]
      .sort((a, b) => a.name.localeCompare(b.name));
    await writeFileAtomic(CALIBRATION_FILE, JSON.stringify(table, null, 2) + "\n");
    console.log(`wrote ${CALIBRATION_FILE}`);
  }
}
