/**
 * Reading a results folder for the report: the JSONL result records (the source of truth) validated
 * through the benchmark schema. Bad lines are skipped and listed, never fatal; a missing or empty
 * folder is a {@link DataFileError}.
 * @module
 */
import { join } from "node:path";
import { DataFileError } from "../base/errors.ts";
import { parseResultLine, RecordError, type ResultRecord } from "../benchmarks/results/schema.ts";

/** A JSONL line that could not be used. */
export interface SkippedLine {
  /** `file:line`. */
  where: string;
  problem: string;
}

/** What a results folder holds, as the report sees it. */
export interface LoadedResults {
  /** The folder that was read. */
  dir: string;
  /** JSONL files read, relative to `dir`, in the order read. */
  files: string[];
  /** Every valid record, in file order; a run id seen twice keeps its last record (a rerun supersedes). */
  records: ResultRecord[];
  /** Records with status `ok`. */
  ok: ResultRecord[];
  /** Records with status `failed` or `timeout`. */
  failed: ResultRecord[];
  /** Lines that were skipped, with the reason. */
  skipped: SkippedLine[];
}

async function listJsonl(dir: string, rel = "", depth = 0): Promise<string[]> {
  const out: string[] = [];
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(join(dir, rel))) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isFile && e.name.endsWith(".jsonl")) out.push(p);
    // Per-run JSONL files may live one or two levels down (runs/<id>/result.jsonl); go no deeper.
    else if (e.isDirectory && depth < 2 && !e.name.startsWith(".")) out.push(...await listJsonl(dir, p, depth + 1));
  }
  return out;
}

/**
 * Reads every `*.jsonl` file of a results folder (top level and up to two folders down) and validates
 * each line with the benchmark result schema.
 * @param dir the results folder written by `pb run`
 * @returns the records, split by status, plus the lines that were skipped and why
 * @throws {DataFileError} when `dir` is missing, is not a folder, or holds no JSONL file at all
 * @example
 * ```ts ignore
 * const results = await loadResults("results/paper");
 * console.log(results.ok.length, results.failed.length);
 * ```
 */
export async function loadResults(dir: string): Promise<LoadedResults> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(dir);
  } catch {
    throw new DataFileError(dir, "results folder not found (write one with `pb run SPEC --out DIR`)");
  }
  if (!stat.isDirectory) throw new DataFileError(dir, "is not a folder (pass the results folder of `pb run`)");
  const files = await listJsonl(dir);
  if (files.length === 0) throw new DataFileError(dir, "holds no result records (*.jsonl): nothing to report");
  const byId = new Map<string, ResultRecord>();
  const skipped: SkippedLine[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(join(dir, file));
    const lines = text.split("\n");
    // A final line without newline may be a write cut short by a crash: validate it like the others.
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const r = parseResultLine(line, `${file}:${i + 1}`);
        byId.delete(r.run_id);
        byId.set(r.run_id, r);
      } catch (e) {
        if (!(e instanceof RecordError)) throw e;
        skipped.push({ where: `${file}:${i + 1}`, problem: e.message.replace(`${file}:${i + 1}: `, "") });
      }
    });
  }
  const records = [...byId.values()];
  return {
    dir,
    files,
    records,
    ok: records.filter((r) => r.status === "ok"),
    failed: records.filter((r) => r.status !== "ok"),
    skipped,
  };
}
