/**
 * Per-face-model clustering thresholds for `--threshold auto`: a committed table (`thresholds.json`, written by
 * `deno run -A benchmarks/calibrate_threshold.ts … --write`) keyed by the model file's SHA-256 and name, one
 * threshold per linkage, each tuned on labelled dev faces (celeb24) and checked on unseen identities (LFW).
 * Embedding spaces differ between models, so a threshold never transfers from one model to another; a model
 * that is not in the table has no calibrated threshold (callers then tune on the dataset's own dev split or
 * ask for a number).
 * @module
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ClusterInput, GreedyOptions } from "../../algorithms/clustering/greedy.ts";
import { type ProtocolRun, runThresholdProtocol } from "../../algorithms/clustering/threshold_protocol.ts";
import type { HacOptions, Linkage } from "../../algorithms/hac/mod.ts";
import type { Dataset } from "../../datasets/format.ts";

/** The committed table's path. */
export const CALIBRATION_FILE: string = fileURLToPath(new URL("./thresholds.json", import.meta.url));

/** One calibrated model. */
export interface ModelCalibration {
  /** Face model id, as in `dataset.json` `face.model` ("mobilefacenet"). */
  name: string;
  /** SHA-256 of the ONNX file the thresholds were tuned with. */
  sha256: string;
  /** Embedding length. */
  dim: number;
  /** Threshold per linkage (cosine distance), HAC on every face (no first pass). */
  thresholds: Record<string, number>;
  /** Where the thresholds were tuned (data, identities, faces). */
  dev: string;
  /** The command that recomputes this entry. */
  command: string;
  /** Transfer to unseen identities: per data set and linkage, F at the threshold, the set's oracle, and at 0.5. */
  evidence?: Record<
    string,
    Record<string, { f1: number; oracle_f1: number; oracle_threshold: number; f1_at_0_5: number }>
  >;
}

/** The table file. */
export interface CalibrationTable {
  description: string;
  grid: { min: number; max: number; step: number };
  models: ModelCalibration[];
}

/**
 * Reads a calibration table.
 * @param path the JSON file [the committed table]
 * @returns the table (an empty one when the file does not exist)
 */
export function readCalibrationTable(path: string = CALIBRATION_FILE): CalibrationTable {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { description: "", grid: { min: 0.05, max: 1.2, step: 0.025 }, models: [] };
  }
  const t = JSON.parse(text) as CalibrationTable;
  if (!Array.isArray(t.models)) throw new Error(`${path}: "models" must be an array`);
  return t;
}

/**
 * SHA-256 of a file, hex.
 * @param path a file
 * @returns the digest
 */
export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** A model to look up: its id and, when known, its file's digest. */
export interface ModelKey {
  name: string;
  sha256?: string;
}

/** A resolved automatic threshold. */
export interface AutoThreshold {
  threshold: number;
  /** Human-readable source ("calibrated for mobilefacenet (sha256 85cdeb73…) on celeb24 …"). */
  source: string;
}

/**
 * The calibrated threshold of a model and linkage. A digest, when given, must match the table's (the same
 * name with other weights is another embedding space); without a digest the name decides.
 * @param model name and optional digest
 * @param linkage HAC linkage id
 * @param table the table [the committed one]
 * @returns the threshold and where it comes from, or null when the model or linkage is not calibrated
 */
export function lookupThreshold(
  model: ModelKey,
  linkage: string,
  table: CalibrationTable = readCalibrationTable(),
): AutoThreshold | null {
  const entry = table.models.find((m) => model.sha256 ? m.sha256 === model.sha256 : m.name === model.name);
  const t = entry?.thresholds[linkage];
  if (!entry || t === undefined) return null;
  return {
    threshold: t,
    source: `calibrated for ${entry.name} (sha256 ${entry.sha256.slice(0, 8)}…, ${linkage}) on ${entry.dev}`,
  };
}

/**
 * The face model of an embedded dataset, from `dataset.json`: its id, and the digest of the model file named in
 * `source.models.face.file` when that file is still readable. Synthetic datasets (no model) give null.
 * @param dataset a dataset
 * @returns the model key or null
 */
export function datasetFaceModel(dataset: Dataset): ModelKey | null {
  const src = dataset.manifest.source as { generator?: unknown; models?: { face?: { file?: unknown } } };
  if (src.generator !== undefined || !dataset.manifest.face.model || dataset.manifest.face.model === "synthetic") {
    return null;
  }
  const file = src.models?.face?.file;
  let sha256: string | undefined;
  if (typeof file === "string") {
    try {
      sha256 = fileSha256(file);
    } catch { /* the model file moved: the name decides */ }
  }
  return { name: dataset.manifest.face.model, ...(sha256 ? { sha256 } : {}) };
}

/**
 * Resolves `--threshold auto`: the calibrated threshold of the face model when the table has it, else — for
 * data with at least two known identities (synthetic libraries, uncalibrated models) — the threshold tuned on a
 * seeded dev split of the identities by the threshold protocol.
 * @param options the model (null: none known), linkage, clustering input, identity codes (null: none), first
 *   pass and seed
 * @returns the threshold, its source, and the protocol run when one was needed
 * @throws {RangeError} when there is neither a calibration nor identities to tune on
 */
export function resolveAutoThreshold(options: {
  model: ModelKey | null;
  linkage: string;
  input: ClusterInput;
  truth: Int32Array | null;
  firstPass: GreedyOptions | null;
  seed: number;
  devFraction?: number;
  hac?: Omit<HacOptions, "linkage" | "threshold">;
  table?: CalibrationTable;
}): AutoThreshold & { protocol: ProtocolRun | null } {
  const calibrated = options.model ? lookupThreshold(options.model, options.linkage, options.table) : null;
  if (calibrated) return { ...calibrated, protocol: null };
  const identities = new Set(Array.from(options.truth ?? []).filter((c) => c >= 0)).size;
  if (!options.truth || identities < 2) {
    throw new RangeError(
      `threshold "auto": ${
        options.model
          ? `face model ${options.model.name} has no calibrated ${options.linkage} threshold` +
            ` in ${CALIBRATION_FILE}`
          : "no face model is known for these embeddings"
      } and there are fewer than 2 labelled identities to tune one on; give a number (or calibrate the model: ` +
        "docs/thresholds.md)",
    );
  }
  const protocol = runThresholdProtocol(options.input, options.truth, {
    seed: options.seed,
    devFraction: options.devFraction,
    firstPass: options.firstPass,
    hac: { ...options.hac, linkage: options.linkage as Linkage },
  });
  return {
    threshold: protocol.report.devThreshold,
    source: `tuned on the dev split (${protocol.split.devIdentities.length} of ${identities} identities, seed ` +
      `${options.seed}; no calibration for ${options.model?.name ?? "these embeddings"})`,
    protocol,
  };
}
