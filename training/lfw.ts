/**
 * LFW's official View 2 protocol (Huang et al. 2007) as a reusable evaluation of any embedded dataset: 10 folds
 * of 300 matched + 300 mismatched pairs (`pairs.txt`); each fold's threshold is the best one on the other nine;
 * mean ± sd accuracy over folds, AUC and TAR@FAR over all pairs, and accuracy per gender (pairs whose two photos
 * are both in `lfw_gender_{female,male}_names.txt`). Works from a dataset folder written by
 * `pb embed --layout identity-folders` on LFW's images folder (assets `Name/Name_0001.jpg`).
 * @module
 */
import { join } from "node:path";
import { kFoldDecisions, verificationMetrics } from "../algorithms/metrics/verification.ts";
import { DataFileError } from "../base/errors.ts";
import { readDataset } from "../datasets/io.ts";

/** One pair of `pairs.txt`. */
export interface LfwPair {
  fold: number;
  a: string;
  b: string;
  same: boolean;
}

/** `Name/Name_0001.jpg`, the asset path `pb embed` stores for an LFW photo. */
export function lfwAsset(name: string, index: number): string {
  return `${name}/${name}_${String(index).padStart(4, "0")}.jpg`;
}

/**
 * Parses `pairs.txt`: a header "folds n", then per fold n matched lines (name i j) and n mismatched lines
 * (name1 i name2 j).
 * @throws {DataFileError} naming the file and line when the format does not match
 */
export function parseLfwPairs(text: string, file = "pairs.txt"): LfwPair[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const [folds, n] = (lines[0] ?? "").trim().split(/\s+/).map(Number);
  if (!Number.isInteger(folds) || !Number.isInteger(n) || folds! < 1 || n! < 1) {
    throw new DataFileError(file, `line 1 should be "folds pairs-per-fold", got "${lines[0] ?? ""}"`);
  }
  if (lines.length !== 1 + folds! * 2 * n!) {
    throw new DataFileError(file, `expected ${folds! * 2 * n!} pair lines after the header, found ${lines.length - 1}`);
  }
  const pairs: LfwPair[] = [];
  for (let k = 1; k < lines.length; k++) {
    const f = lines[k]!.trim().split(/\s+/);
    const fold = Math.floor((k - 1) / (2 * n!));
    const same = (k - 1) % (2 * n!) < n!;
    const bad = () =>
      new DataFileError(file, `line ${k + 1}: "${lines[k]}" is not a ${same ? "matched" : "mismatched"} pair`);
    if (same) {
      if (f.length !== 3) throw bad();
      pairs.push({ fold, same, a: lfwAsset(f[0]!, Number(f[1])), b: lfwAsset(f[0]!, Number(f[2])) });
    } else {
      if (f.length !== 4) throw bad();
      pairs.push({ fold, same, a: lfwAsset(f[0]!, Number(f[1])), b: lfwAsset(f[2]!, Number(f[3])) });
    }
  }
  return pairs;
}

/** The protocol's result. */
export interface LfwResult {
  pairs: number;
  /** Pairs whose photos had no labelled face in the dataset (scored −1, i.e. judged different). */
  missing: number;
  foldAccuracy: number[];
  meanAccuracy: number;
  /** Population standard deviation over folds (as the usual LFW tables). */
  sdAccuracy: number;
  auc: number;
  tarAtFar3: number;
  /** Accuracy of the k-fold decisions on same-gender pairs. */
  byGender: { group: string; pairs: number; accuracy: number }[];
}

/** Scores pairs (cosine of unit embeddings, −1 when a photo is missing) and applies the protocol. */
export function lfwProtocol(
  pairs: readonly LfwPair[],
  options: {
    embeddingOf: (asset: string) => Float32Array | undefined;
    genderOf?: (asset: string) => string | undefined;
  },
): LfwResult {
  const n = pairs.length;
  const scores = new Float64Array(n), genuine = new Uint8Array(n), fold = new Int32Array(n);
  let missing = 0;
  pairs.forEach((p, i) => {
    const a = options.embeddingOf(p.a), b = options.embeddingOf(p.b);
    genuine[i] = p.same ? 1 : 0;
    fold[i] = p.fold;
    if (!a || !b) {
      missing++;
      scores[i] = -1;
      return;
    }
    let dot = 0;
    for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
    scores[i] = dot;
  });
  const { decisions, folds } = kFoldDecisions(scores, { genuine, fold });
  const foldAccuracy = folds.map((f) => {
    let right = 0, count = 0;
    for (let i = 0; i < n; i++) if (fold[i] === f) count++, right += decisions[i] === genuine[i] ? 1 : 0;
    return right / count;
  });
  const mean = foldAccuracy.reduce((s, v) => s + v, 0) / foldAccuracy.length;
  const sd = Math.sqrt(foldAccuracy.reduce((s, v) => s + (v - mean) ** 2, 0) / foldAccuracy.length);
  const metrics = verificationMetrics(scores, { genuine, fars: [1e-3] });
  const byGender: LfwResult["byGender"] = [];
  if (options.genderOf) {
    const groups = new Map<string, { pairs: number; right: number }>();
    pairs.forEach((p, i) => {
      const ga = options.genderOf!(p.a), gb = options.genderOf!(p.b);
      if (!ga || ga !== gb) return;
      const g = groups.get(ga) ?? { pairs: 0, right: 0 };
      g.pairs++;
      g.right += decisions[i] === genuine[i] ? 1 : 0;
      groups.set(ga, g);
    });
    for (const [group, g] of [...groups].sort()) byGender.push({ group, pairs: g.pairs, accuracy: g.right / g.pairs });
  }
  return {
    pairs: n,
    missing,
    foldAccuracy,
    meanAccuracy: mean,
    sdAccuracy: sd,
    auc: metrics.auc,
    tarAtFar3: metrics.tarAtFar[0]!,
    byGender,
  };
}

async function readNames(path: string): Promise<string[]> {
  try {
    return (await Deno.readTextFile(path)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  } catch {
    throw new DataFileError(path, "not found (LFW's gender lists sit beside pairs.txt)");
  }
}

/**
 * Runs the protocol on a dataset folder embedded from LFW's images. With `onlyPresent`, pairs whose photos are
 * not in the dataset at all (a subset was embedded) are left out instead of scored −1; the result says how many.
 */
export async function evaluateLfw(
  datasetDir: string,
  options: { lfwDir: string; onlyPresent?: boolean },
): Promise<LfwResult & { pairsInFile: number }> {
  const pairsPath = join(options.lfwDir, "pairs.txt");
  let text: string;
  try {
    text = await Deno.readTextFile(pairsPath);
  } catch {
    throw new DataFileError(pairsPath, "not found (LFW's View 2 pairs file)");
  }
  const all = parseLfwPairs(text, pairsPath);
  const ds = await readDataset(datasetDir);
  const dim = ds.manifest.face.dim;
  const obs = ds.observations;
  // The labelled face of each photo (pb embed gives the folder's identity to the photo's main face).
  const assets = new Set<string>(), embedding = new Map<string, Float32Array>();
  for (let i = 0; i < obs.n; i++) {
    const asset = obs.asset.values[obs.asset.codes[i]!]!;
    assets.add(asset);
    if (obs.identity.codes[i]! < 0 || obs.faceRow[i]! < 0) continue;
    embedding.set(asset, ds.face.subarray(obs.faceRow[i]! * dim, (obs.faceRow[i]! + 1) * dim));
  }
  const pairs = options.onlyPresent ? all.filter((p) => assets.has(p.a) && assets.has(p.b)) : all;
  if (pairs.length === 0) throw new DataFileError(datasetDir, `holds none of the photos named in ${pairsPath}`);
  const gender = new Map<string, string>();
  for (const [file, g] of [["lfw_gender_female_names.txt", "F"], ["lfw_gender_male_names.txt", "M"]] as const) {
    for (const name of await readNames(join(options.lfwDir, file))) {
      gender.set(`${name.replace(/_\d{4}\.jpg$/, "")}/${name}`, g);
    }
  }
  const result = lfwProtocol(pairs, { embeddingOf: (a) => embedding.get(a), genderOf: (a) => gender.get(a) });
  return { ...result, pairsInFile: all.length };
}
