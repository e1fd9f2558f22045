/**
 * The results folder: `results.jsonl` (append-only, one {@link ResultRecord} per line: the source of truth),
 * `runs/<run_id>/…` (raw outputs of each run), `results.duckdb` (built from the JSONL on demand).
 *
 * Crash safety: a record is appended as ONE `write` of the whole line (O_APPEND) followed by fsync, by the
 * single parent process. A crash can therefore leave at most a torn last line without its newline; readers
 * ignore it, and {@link openResultsForAppend} cuts it off (saving it to `results.jsonl.torn`) before the next
 * append, so a half-written line is never read as a record.
 * @module
 */
import { join } from "node:path";
import { DataFileError } from "../../base/errors.ts";
import { parseResultLine, RecordError, type ResultRecord, validateResultRecord } from "./schema.ts";

/** File name of the JSONL store inside a results folder. */
export const RESULTS_FILE = "results.jsonl";

/** Path of the JSONL file of a results folder (or the file itself when given a `.jsonl` path). */
export function resultsFile(resultsPath: string): string {
  return resultsPath.endsWith(".jsonl") ? resultsPath : join(resultsPath, RESULTS_FILE);
}

/** What reading a JSONL store found. */
export interface ReadResults {
  records: ResultRecord[];
  /** True when the file ended with a torn (incomplete) line that was ignored. */
  tornTail: boolean;
}

/**
 * Reads every complete record of a results folder or `.jsonl` file.
 * @param resultsPath folder or file
 * @param options `missingOk`: an absent file reads as empty
 * @returns the records in file order and whether a torn last line was ignored
 * @throws {DataFileError} when the file is missing, or a complete line is not a valid record (file:line: path: problem)
 */
export async function readResults(resultsPath: string, options: { missingOk?: boolean } = {}): Promise<ReadResults> {
  const file = resultsFile(resultsPath);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      if (options.missingOk) return { records: [], tornTail: false };
      throw new DataFileError(file, "not found (run `pb run SPEC --out DIR` first)");
    }
    throw new DataFileError(file, `cannot read: ${(e as Error).message}`);
  }
  const lines = text.split("\n");
  // Everything after the last newline is an incomplete line (a crash mid-append): never a record.
  const tail = lines.pop()!;
  const records: ResultRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      records.push(parseResultLine(line, `line ${i + 1}`));
    } catch (e) {
      if (e instanceof RecordError) throw new DataFileError(file, e.message);
      throw e;
    }
  }
  return { records, tornTail: tail.length > 0 };
}

/** An open, append-only results file. */
export class ResultsWriter {
  #file: Deno.FsFile;
  #enc = new TextEncoder();
  private constructor(file: Deno.FsFile, readonly path: string) {
    this.#file = file;
  }

  /** Opens (creating) the JSONL file of a results folder; see {@link openResultsForAppend}. */
  static async open(resultsDir: string): Promise<ResultsWriter> {
    await Deno.mkdir(resultsDir, { recursive: true });
    const path = resultsFile(resultsDir);
    await repairTornTail(path);
    const file = await Deno.open(path, { append: true, create: true });
    return new ResultsWriter(file, path);
  }

  /**
   * Validates a record and appends it as one line in one write, then fsyncs.
   * @throws {RecordError} when the record is invalid (nothing is written)
   */
  async append(record: ResultRecord): Promise<void> {
    validateResultRecord(record);
    const bytes = this.#enc.encode(JSON.stringify(record) + "\n");
    // One write call for the whole line; loop only if the OS accepts a partial write.
    let off = 0;
    while (off < bytes.length) off += await this.#file.write(bytes.subarray(off));
    await this.#file.syncData();
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

/** Opens a results folder for appending (alias of {@link ResultsWriter.open}). */
export function openResultsForAppend(resultsDir: string): Promise<ResultsWriter> {
  return ResultsWriter.open(resultsDir);
}

/**
 * Cuts a torn last line (bytes after the last newline) off a JSONL file, appending them to `<file>.torn`
 * for inspection. A no-op when the file is absent or ends with a newline.
 * @returns the number of bytes removed
 */
export async function repairTornTail(path: string): Promise<number> {
  let data: Uint8Array;
  try {
    data = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
  if (data.length === 0 || data[data.length - 1] === 0x0a) return 0;
  const keep = data.lastIndexOf(0x0a) + 1;
  const torn = data.subarray(keep);
  await Deno.writeFile(`${path}.torn`, torn, { append: true });
  await Deno.truncate(path, keep);
  return torn.length;
}

/**
 * Merges several results folders or files (e.g. shards) into one folder: records are deduplicated by
 * run id (the first occurrence wins; a conflicting duplicate with other metrics is an error), and raw
 * outputs under `runs/` are copied.
 * @param inputs results folders or `.jsonl` files
 * @param outDir destination folder (its existing records are kept and count as first)
 * @returns counts of records written and duplicates skipped
 * @throws {DataFileError} on unreadable input or two different records with one run id
 */
export async function mergeResults(
  inputs: readonly string[],
  outDir: string,
): Promise<{ added: number; duplicates: number }> {
  const existing = await readResults(outDir, { missingOk: true });
  const seen = new Map(existing.records.map((r) => [r.run_id, r]));
  const writer = await ResultsWriter.open(outDir);
  let added = 0, duplicates = 0;
  try {
    for (const input of inputs) {
      const { records } = await readResults(input);
      for (const r of records) {
        const prev = seen.get(r.run_id);
        if (prev) {
          if (JSON.stringify(prev.metrics) !== JSON.stringify(r.metrics) || prev.status !== r.status) {
            throw new DataFileError(resultsFile(input), `run ${r.run_id} conflicts with a record already merged`);
          }
          duplicates++;
          continue;
        }
        const srcDir = input.endsWith(".jsonl") ? join(input, "..") : input;
        for (const rel of Object.values(r.artifacts)) {
          const dst = join(outDir, rel);
          await Deno.mkdir(join(dst, ".."), { recursive: true });
          try {
            await Deno.copyFile(join(srcDir, rel), dst);
          } catch (e) {
            if (!(e instanceof Deno.errors.NotFound)) throw e;
          }
        }
        await writer.append(r);
        seen.set(r.run_id, r);
        added++;
      }
    }
  } finally {
    writer.close();
  }
  return { added, duplicates };
}
