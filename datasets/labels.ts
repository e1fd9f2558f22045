/**
 * Cluster label files: an int32/int64 `.npy` vector, or a CSV `id,cluster`.
 * @module
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { DataFileError } from "./errors.ts";
import { readNpy, writeFileAtomic, writeNpy } from "./npy.ts";

/** Reads labels (−1 = unclustered) from `.npy` or `id,cluster` CSV. */
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
  const idCol = header.indexOf("id"), clusterCol = header.indexOf("cluster");
  if (idCol < 0 || clusterCol < 0) {
    throw new DataFileError(path, `needs columns "id,cluster", found "${header.join(",")}"`);
  }
  const n = rows.length - 1;
  const out = new Int32Array(n);
  const seen = new Uint8Array(n);
  for (let r = 1; r < rows.length; r++) {
    const id = Number(rows[r]![idCol]), c = Number(rows[r]![clusterCol]);
    if (!Number.isInteger(id) || id < 0 || id >= n) {
      throw new DataFileError(path, `line ${r + 1}: id ${rows[r]![idCol]} is outside 0..${n - 1}`);
    }
    if (seen[id]) throw new DataFileError(path, `line ${r + 1}: duplicate id ${id}`);
    if (!Number.isInteger(c) || c < -1) {
      throw new DataFileError(path, `line ${r + 1}: cluster must be an integer ≥ −1, got ${rows[r]![clusterCol]}`);
    }
    seen[id] = 1;
    out[id] = c;
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
