/**
 * Face-crop datasets for training and their identity-disjoint splits. celeb24's layout: `identities.csv`
 * (identity,name,gender,images) and `images/<identity>/*.jpg`, aligned 112×112 crops.
 * @module
 */
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { Rng } from "../algorithms/random/rng.ts";
import { DataFileError } from "../base/errors.ts";

/** One identity of a crop dataset. */
export interface Identity {
  id: string;
  name: string;
  /** "M", "F" or "" when unknown. */
  gender: string;
}

/** Crops and their identities (index into `identities`). */
export interface CropDataset {
  dir: string;
  identities: Identity[];
  paths: string[];
  identity: Int32Array;
}

/**
 * Reads a crop folder with an `identities.csv`, taking at most `perIdentity` crops of each identity, chosen by
 * a seeded shuffle of the sorted file names.
 *
 * @throws {DataFileError} when identities.csv is missing or lacks its columns, or an identity has no folder
 */
export async function loadCropDataset(
  dir: string,
  options: { perIdentity?: number; seed?: number } = {},
): Promise<CropDataset> {
  const csvPath = join(dir, "identities.csv");
  let text: string;
  try {
    text = await Deno.readTextFile(csvPath);
  } catch {
    throw new DataFileError(csvPath, "not found (a crop dataset needs identities.csv and images/<identity>/)");
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (rows.length === 0 || !("identity" in rows[0]!)) throw new DataFileError(csvPath, "has no identity column");
  const identities: Identity[] = rows.map((r) => ({
    id: r.identity!,
    name: r.name ?? r.identity!,
    gender: r.gender ?? "",
  }));
  const rng = new Rng(options.seed ?? 0).fork("crops");
  const paths: string[] = [], identity: number[] = [];
  for (const [k, who] of identities.entries()) {
    const folder = join(dir, "images", who.id);
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(folder)) {
        if (e.isFile && /\.(jpe?g|png|webp)$/i.test(e.name)) names.push(e.name);
      }
    } catch {
      throw new DataFileError(folder, `missing: identity "${who.id}" is listed in ${csvPath}`);
    }
    names.sort();
    rng.shuffle(names);
    for (const name of names.slice(0, options.perIdentity ?? names.length)) {
      paths.push(join(folder, name));
      identity.push(k);
    }
  }
  return { dir, identities, paths, identity: Int32Array.from(identity) };
}

/** Identity indices of each part of an identity-disjoint split. */
export interface IdentitySplit {
  train: number[];
  val: number[];
  test: number[];
}

/**
 * Splits identities (not crops) into train / validation / test, seeded and stratified by gender so that every
 * part holds both genders where it can.
 */
export function splitIdentities(
  identities: readonly Identity[],
  options: { val: number; test: number; seed: number },
): IdentitySplit {
  const rng = new Rng(options.seed).fork("identity-split");
  const split: IdentitySplit = { train: [], val: [], test: [] };
  const genders = [...new Set(identities.map((i) => i.gender))].sort();
  for (const g of genders) {
    const members = rng.shuffle(identities.flatMap((who, k) => (who.gender === g ? [k] : [])));
    const nTest = Math.round(members.length * options.test), nVal = Math.round(members.length * options.val);
    split.test.push(...members.slice(0, nTest));
    split.val.push(...members.slice(nTest, nTest + nVal));
    split.train.push(...members.slice(nTest + nVal));
  }
  for (const part of Object.values(split)) part.sort((a: number, b: number) => a - b);
  return split;
}

/** A crop dataset with its identity-disjoint split and the crop rows of each part. */
export interface SplitCrops {
  data: CropDataset;
  split: IdentitySplit;
  rows: { train: number[]; val: number[]; test: number[] };
}

/**
 * Loads a crop dataset and splits it by identity, as both training modes do (same seed, same parts).
 *
 * @throws {DataFileError} as {@link loadCropDataset}
 */
export async function loadSplitCrops(
  dir: string,
  options: { perIdentity?: number; valShare?: number; testShare?: number; seed: number },
): Promise<SplitCrops> {
  const data = await loadCropDataset(dir, { perIdentity: options.perIdentity ?? 40, seed: options.seed });
  const split = splitIdentities(data.identities, {
    val: options.valShare ?? 0.15,
    test: options.testShare ?? 0.3,
    seed: options.seed,
  });
  const rowsOf = (ids: number[]) => {
    const set = new Set(ids);
    return data.paths.flatMap((_, r) => (set.has(data.identity[r]!) ? [r] : []));
  };
  return { data, split, rows: { train: rowsOf(split.train), val: rowsOf(split.val), test: rowsOf(split.test) } };
}
