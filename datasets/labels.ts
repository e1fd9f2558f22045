/**
 * Cluster label files: an int32/int64 `.npy` vector, or a CSV `id,cluster`.
 * @module
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { DataFileError } from "../base/errors.ts";
import { readNpy, writeNpy } from "./npy.ts";
import { writeFileAtomic } from "../base/atomic.ts";

/** Label column names a CSV may use, in order of preference (`pb assign` writes `id,person,score`). */
export const LABEL_COLUMNS = ["cluster", "label", "identity", "person"] as const;

/**
 * Reads labels (−1 = unclustered/unknown) from an integer `.npy` vector or a CSV with an `id` column and a
 * label column (`cluster`, `label`, `identity` or `person`); text labels are coded in order of appearance.
 */
export async function readLabels(path: string): Promise<Int32Array> {
  if (path.toLowerCase().endsWith(".npy")) {
    const a = await readNpy(path);
    if (a.dtype !== "int32") throw new DataFileError(path, `labels must be integers (int32/int64), got ${a.dtype}`);
    if (a.shape.length !== 1) {
      throw new DataFileError(path, `labels must be a 1-D array, got shape (${a.shape.join(", ")})`);
    }
    return a.data as Int32Array;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read: ${(e as Error).message}`);
  }
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true });
  } catch (e) {
    throw new DataFileError(path, `malformed CSV: ${(e as Error).message}`);
  }
  const header = rows[0];
  if (!header) throw new DataFileError(path, "empty file");
  const idCol = header.indexOf("id");
  const clusterCol = header.indexOf(LABEL_COLUMNS.find((c) => header.includes(c)) ?? "cluster");
  if (idCol < 0 || clusterCol < 0) {
    throw new DataFileError(
      path,
      `needs an "id" column and a label column (${LABEL_COLUMNS.join(", ")}), found "${header.join(",")}"`,
    );
  }
  const n = rows.length - 1;
  const out = new Int32Array(n);
  const seen = new Uint8Array(n);
  // Integer labels (≥ −1) are kept as they are; any other text (names such as "alice") makes the column
  // categorical: each distinct value gets a code, and an empty cell or "-1" means unlabelled (−1).
  const numeric = rows.slice(1).every((row) => /^-?\d+$/.test(row[clusterCol] ?? "") && Number(row[clusterCol]) >= -1);
  const codes = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const id = Number(rows[r]![idCol]), text = rows[r]![clusterCol] ?? "";
    if (!/^\d+$/.test(rows[r]![idCol] ?? "") || id >= n) {
      throw new DataFileError(path, `line ${r + 1}: id ${rows[r]![idCol]} is outside 0..${n - 1}`);
    }
    if (seen[id]) throw new DataFileError(path, `line ${r + 1}: duplicate id ${id}`);
    seen[id] = 1;
    if (numeric) out[id] = Number(text);
    else if (text === "" || text === "-1") out[id] = -1;
    else {
      let c = codes.get(text);
      if (c === undefined) codes.set(text, c = codes.size);
      out[id] = c;
    }
  }
  return out;
}

/** Writes labels as `id,cluster` CSV or int32 `.npy` (by extension), atomically. */
export async function writeLabels(path: string, labels: Int32Array): Promise<void> {
  if (path.toLowerCase().endsWith(".npy")) {
    await writeNpy(path, { dtype: "int32", shape: [labels.length], data: labels });
    return;
  }
  const rows: (string | number)[][] = [["id", "cluster"]];
  for (let i = 0; i < labels.length; i++) rows.push([i, labels[i]!]);
  await writeFileAtomic(path, stringify(rows));
}
