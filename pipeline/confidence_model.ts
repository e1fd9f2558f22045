/**
 * The confidence branch at ingest: a classifier file written by `pb train confidence`, read once and applied to
 * each face's embedding and raw norm, so its score replaces or joins the unclear-face score.
 * @module
 */
import { type ConfidenceClassifier, confidenceFeatures, confidenceScores } from "../algorithms/training/confidence.ts";
import { DataFileError } from "../base/errors.ts";

/** The file's format tag. */
export const CONFIDENCE_FORMAT = "peoplebench-confidence/1";

/** The classifier as written to disk: which face model's embeddings it reads. */
export interface ConfidenceModelFile {
  format: typeof CONFIDENCE_FORMAT;
  /** Face model id whose embeddings it was trained on. */
  faceModel: string;
  /** That model's embedding dimension. */
  dim: number;
  classifier: ConfidenceClassifier;
}

/** How the branch's score meets the cue-based unclear score. */
export const CONFIDENCE_MODES = ["join", "replace"] as const;
/** One of {@link CONFIDENCE_MODES}. */
export type ConfidenceMode = typeof CONFIDENCE_MODES[number];

/**
 * Reads and checks a classifier file.
 * @param path the JSON file
 * @returns the model
 * @throws {DataFileError} when the file is missing, not JSON, of another format, or its arrays disagree
 */
export async function loadConfidenceModel(path: string): Promise<ConfidenceModelFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new DataFileError(path, "not found (write one with pb train confidence)");
  }
  let m: ConfidenceModelFile;
  try {
    m = JSON.parse(text);
  } catch {
    throw new DataFileError(path, "is not JSON");
  }
  if (m?.format !== CONFIDENCE_FORMAT) {
    throw new DataFileError(path, `format is ${JSON.stringify(m?.format)}, expected "${CONFIDENCE_FORMAT}"`);
  }
  const c = m.classifier, inputs = m.dim + 1;
  const sizes: [string, unknown, number][] = [
    ["mean", c?.mean, inputs],
    ["std", c?.std, inputs],
    ["w1", c?.w1, c?.hidden * inputs],
    ["b1", c?.b1, c?.hidden],
    ["w2", c?.w2, c?.hidden],
    ["b2", c?.b2, 1],
  ];
  if (c?.inputs !== inputs) {
    throw new DataFileError(path, `classifier reads ${c?.inputs} features, dim ${m.dim} needs ${inputs}`);
  }
  for (const [name, v, n] of sizes) {
    if (!Array.isArray(v) || v.length !== n || !v.every(Number.isFinite)) {
      throw new DataFileError(path, `classifier.${name} must be ${n} finite numbers`);
    }
  }
  return m;
}

/**
 * Probability that each face is clear, from its unit embedding and raw norm.
 * @param model a loaded classifier
 * @param unit n × dim unit rows
 * @param norms raw norms
 * @returns n probabilities
 * @throws {RangeError} when the embeddings are not of the model's dimension
 */
export function faceConfidence(model: ConfidenceModelFile, unit: Float32Array, norms: Float32Array): Float64Array {
  if (unit.length !== norms.length * model.dim) {
    throw new RangeError(`confidence model reads ${model.dim}-d embeddings of ${model.faceModel}`);
  }
  return confidenceScores(model.classifier, confidenceFeatures(unit, norms, model.dim));
}

/**
 * The unclear score with the branch: `replace` uses 1 − p; `join` averages it with the cue score (either alone
 * when the other is missing).
 * @param cueScore today's unclear score (NaN when no cue was measured)
 * @param p the branch's probability of a clear face
 * @param mode how they meet
 * @returns the unclear score in [0, 1]
 */
export function combineUnclear(cueScore: number, p: number, mode: ConfidenceMode): number {
  const branch = 1 - p;
  if (mode === "replace" || Number.isNaN(cueScore)) return branch;
  return (cueScore + branch) / 2;
}
