/**
 * The DuckDB view of a results folder: `results.duckdb`, rebuilt from `results.jsonl` (the source of truth)
 * whenever the JSONL is newer. Tables (one row per …):
 * - `runs`: run (ids, spec, experiment, variant label, dataset, seed, repeat, status, error, timings, backend,
 *   env, times, and the whole record as JSON in `record`);
 * - `params` (run_id, stage, variant, param, value, value_num); `metrics` (run_id, metric, value, direction);
 * - `subgroups` (run_id, attribute, grp, metric, value, n, ci_low, ci_high);
 * - `samples` (run_id, name, idx, value); `curves` (run_id, name, idx, x, y, x_label, y_label);
 * - `counters` (run_id, name, value).
 * @module
 */
import { join } from "node:path";
import { type DuckDBAppender, DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { DataFileError } from "../../base/errors.ts";
import type { ResultRecord } from "./schema.ts";
import { readResults, resultsFile } from "./store.ts";

/** File name of the database inside a results folder. */
export const DATABASE_FILE = "results.duckdb";

const TABLES: Record<string, string> = {
  runs: `run_id VARCHAR, config_id VARCHAR, spec_name VARCHAR, spec_hash VARCHAR, experiment VARCHAR,
    variant_label VARCHAR, dataset VARCHAR, dataset_preset VARCHAR, dataset_seed BIGINT, manifest_hash VARCHAR,
    n BIGINT, identities BIGINT, seed BIGINT, "repeat" INTEGER, repeats INTEGER, warmups INTEGER, status VARCHAR,
    error VARCHAR, wall_s DOUBLE, cpu_s DOUBLE, peak_rss_mb DOUBLE, backend_requested VARCHAR, backend_used VARCHAR,
    git_sha VARCHAR, git_dirty BOOLEAN, code_version VARCHAR, deno VARCHAR, cpu_model VARCHAR, cores INTEGER,
    load_avg_1m DOUBLE, started_at VARCHAR, finished_at VARCHAR, record JSON`,
  params: "run_id VARCHAR, stage VARCHAR, variant VARCHAR, param VARCHAR, value VARCHAR, value_num DOUBLE",
  metrics: "run_id VARCHAR, metric VARCHAR, value DOUBLE, direction VARCHAR",
  subgroups: "run_id VARCHAR, attribute VARCHAR, grp VARCHAR, metric VARCHAR, value DOUBLE, n BIGINT, " +
    "ci_low DOUBLE, ci_high DOUBLE",
  samples: "run_id VARCHAR, name VARCHAR, idx INTEGER, value DOUBLE",
  curves: "run_id VARCHAR, name VARCHAR, idx INTEGER, x DOUBLE, y DOUBLE, x_label VARCHAR, y_label VARCHAR",
  counters: "run_id VARCHAR, name VARCHAR, value DOUBLE",
};

type Cell = string | number | boolean | null;

function append(a: DuckDBAppender, cells: Cell[], types: string[]): void {
  cells.forEach((c, i) => {
    if (c === null || (typeof c === "number" && !Number.isFinite(c))) a.appendNull();
    else if (types[i] === "DOUBLE") a.appendDouble(c as number);
    else if (types[i] === "BIGINT") a.appendBigInt(BigInt(Math.round(c as number)));
    else if (types[i] === "INTEGER") a.appendInteger(c as number);
    else if (types[i] === "BOOLEAN") a.appendBoolean(c as boolean);
    else a.appendVarchar(String(c));
  });
  a.endRow();
}

function columnTypes(decl: string): string[] {
  return decl.split(",").map((c) => c.trim().split(/\s+/).pop()!);
}

/**
 * Writes a DuckDB database holding the given records (to a temporary file, then renamed).
 * @param records result records
 * @param dbPath database file to (re)create
 */
export async function writeDatabase(records: readonly ResultRecord[], dbPath: string): Promise<void> {
  const tmp = `${dbPath}.tmp-${Deno.pid}`;
  await Deno.remove(tmp).catch(() => {});
  const instance = await DuckDBInstance.create(tmp);
  const conn = await DuckDBConnection.create(instance);
  try {
    const appenders: Record<string, { a: DuckDBAppender; types: string[] }> = {};
    for (const [name, decl] of Object.entries(TABLES)) {
      await conn.run(`CREATE TABLE ${name} (${decl})`);
      appenders[name] = { a: await conn.createAppender(name), types: columnTypes(decl) };
    }
    const add = (t: string, cells: Cell[]) => append(appenders[t]!.a, cells, appenders[t]!.types);
    for (const r of records) {
      add("runs", [
        r.run_id,
        r.config_id,
        r.spec.name,
        r.spec.hash,
        r.experiment,
        r.variant.label,
        r.dataset.name,
        r.dataset.preset,
        r.dataset.seed,
        r.dataset.manifest_hash,
        r.dataset.n,
        r.dataset.identities,
        r.seed,
        r.repeat,
        r.repeats,
        r.warmups,
        r.status,
        r.error,
        r.timings.wall_s,
        r.timings.cpu_s,
        r.timings.peak_rss_mb,
        r.backend.requested,
        r.backend.used,
        r.env.git_sha,
        r.env.git_dirty,
        r.env.code_version,
        r.env.deno,
        r.env.cpu_model,
        r.env.cores,
        r.env.load_avg[0] ?? null,
        r.started_at,
        r.finished_at,
        JSON.stringify(r),
      ]);
      for (const [stage, sv] of Object.entries(r.variant.stages)) {
        for (const [k, v] of Object.entries(sv.params)) {
          add("params", [
            r.run_id,
            stage,
            sv.variant,
            k,
            v === null ? null : String(v),
            typeof v === "number" ? v : null,
          ]);
        }
      }
      for (const [k, v] of Object.entries(r.metrics)) {
        add("metrics", [r.run_id, k, v, r.metric_directions[k] ?? "none"]);
      }
      for (const g of r.subgroups) {
        add("subgroups", [r.run_id, g.attribute, g.group, g.metric, g.value, g.n, g.ci_low, g.ci_high]);
      }
      for (const [k, vs] of Object.entries(r.timings.samples)) {
        vs.forEach((v, i) => add("samples", [r.run_id, k, i, v]));
      }
      for (const [k, c] of Object.entries(r.curves)) {
        c.x.forEach((x, i) => add("curves", [r.run_id, k, i, x, c.y[i]!, c.x_label, c.y_label]));
      }
      for (const [k, v] of Object.entries(r.counters)) add("counters", [r.run_id, k, v]);
    }
    for (const { a } of Object.values(appenders)) a.closeSync();
    await conn.run("CHECKPOINT");
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  await Deno.rename(tmp, dbPath);
  await Deno.remove(`${tmp}.wal`).catch(() => {});
}

/**
 * Returns the path of an up-to-date `results.duckdb` of a results folder, rebuilding it when the JSONL is newer.
 * @param resultsDir results folder
 * @throws {DataFileError} when the folder has no results
 */
export async function ensureDatabase(resultsDir: string): Promise<string> {
  const jsonl = resultsFile(resultsDir);
  const db = join(resultsDir, DATABASE_FILE);
  let jsonlTime = 0, dbTime = -1;
  try {
    jsonlTime = (await Deno.stat(jsonl)).mtime?.getTime() ?? 0;
  } catch {
    throw new DataFileError(jsonl, "not found (run `pb run SPEC --out DIR` first)");
  }
  try {
    dbTime = (await Deno.stat(db)).mtime?.getTime() ?? -1;
  } catch { /* absent: build */ }
  if (dbTime < jsonlTime) await writeDatabase((await readResults(resultsDir)).records, db);
  return db;
}

/** Rows of a query: column names and JSON-safe values. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * Runs SQL over a results folder's database (read-only).
 * @param resultsDir results folder
 * @param sql the query
 * @returns columns and rows (numbers as numbers, big integers as numbers when safe)
 * @throws {Error} with DuckDB's message on a bad query
 */
export async function queryResults(resultsDir: string, sql: string): Promise<QueryResult> {
  const db = await ensureDatabase(resultsDir);
  const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
  const conn = await DuckDBConnection.create(instance);
  try {
    const reader = await conn.runAndReadAll(sql);
    const columns = reader.columnNames();
    const rows = reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const c of columns) {
        const v = (row as Record<string, unknown>)[c];
        out[c] = typeof v === "bigint" && Number.isSafeInteger(Number(v)) ? Number(v) : v;
      }
      return out;
    });
    return { columns, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Formats query rows as an aligned text table. */
export function formatRows(result: QueryResult): string {
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? "NULL"
      : typeof v === "number"
      ? (Number.isInteger(v) ? String(v) : v.toPrecision(6))
      : typeof v === "object"
      ? JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x))
      : String(v);
  const body = result.rows.map((r) => result.columns.map((c) => cell(r[c])));
  const widths = result.columns.map((c, i) => Math.min(60, Math.max(c.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => c.slice(0, 60).padEnd(widths[i]!)).join("  ").trimEnd();
  return [
    line(result.columns),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
    `(${result.rows.length} rows)`,
  ]
    .join("\n");
}
