/**
 * The small CSV inputs of `pb embed`: photo labels (`file,identity`) and identity attributes
 * (`identity,<columns>`), read with one-line errors naming the file.
 * @module
 */
import { parse } from "csv-parse/sync";
import { DataFileError } from "../../base/errors.ts";
import { type LeftOutColumn, selectAttributeColumns } from "../../datasets/attributes.ts";

function readCsv(path: string, text: string, required: string[]): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    throw new DataFileError(path, `invalid CSV: ${(e as Error).message.split("\n")[0]}`);
  }
  const cols = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const missing = required.filter((c) => !cols.includes(c));
  if (rows.length > 0 && missing.length > 0) throw new DataFileError(path, `missing column(s): ${missing.join(", ")}`);
  return rows;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read: ${(e as Error).message}`);
  }
}

/**
 * Reads `file,identity` labels. Files are matched by path relative to the images folder, or by
 * base name when that is unique.
 * @param path the CSV file
 * @returns a lookup from relative path (or base name) to identity
 * @throws {DataFileError} when the file cannot be read or lacks a column
 */
export async function readPhotoLabels(path: string): Promise<Map<string, string>> {
  const rows = readCsv(path, await readText(path), ["file", "identity"]);
  const map = new Map<string, string>();
  for (const r of rows) map.set(r.file!.replaceAll("\\", "/"), r.identity!);
  return map;
}

/** Attribute columns, their values per identity, and the free columns left out. */
export interface IdentityAttributes {
  names: string[];
  /** Columns of the table left out as free columns (names, counts), with the reason. */
  leftOut: LeftOutColumn[];
  byIdentity: Map<string, Record<string, string>>;
}

/**
 * Reads `identity,<columns>` attributes.
 * @param path the CSV file
 * @param columns columns to keep [every column but identity that groups people: not names, ids or counts]
 * @returns the kept column names, the columns left out and each identity's values
 * @throws {DataFileError} when the file cannot be read or a requested column is missing
 */
export async function readAttributes(path: string, columns: string[] | undefined): Promise<IdentityAttributes> {
  const rows = readCsv(path, await readText(path), ["identity"]);
  const all = rows.length > 0 ? Object.keys(rows[0]!).filter((c) => c !== "identity") : [];
  for (const c of columns ?? []) {
    if (!all.includes(c)) throw new DataFileError(path, `no attribute column "${c}" (has ${all.join(", ")})`);
  }
  // Subgroups only: free columns (names, counts) are left out unless asked for by name.
  const { names, leftOut } = selectAttributeColumns(all, rows, columns);
  const byIdentity = new Map<string, Record<string, string>>();
  for (const r of rows) byIdentity.set(r.identity!, Object.fromEntries(names.map((c) => [c, r[c] ?? ""])));
  return { names, leftOut, byIdentity };
}

/**
 * The identity a photo carries: its top-level folder (identity-folders layout) or its label.
 * @param rel path relative to the images folder
 * @param layout folder layout
 * @param labels photo labels, if any
 * @returns the identity, or "" when unknown
 */
export function photoIdentity(
  rel: string,
  layout: "photos" | "identity-folders",
  labels: Map<string, string> | null,
): string {
  if (layout === "identity-folders") {
    const parts = rel.split("/");
    return parts.length > 1 ? parts[0]! : "";
  }
  if (labels) return labels.get(rel) ?? labels.get(rel.split("/").pop()!) ?? "";
  return "";
}
