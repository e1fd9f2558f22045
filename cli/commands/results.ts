/**
 * `pb results query|export|merge`: SQL over a results folder (DuckDB), CSV/JSON export, merging shards.
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { UsageError } from "../../base/errors.ts";
import { formatRows, queryResults } from "../../benchmarks/results/duckdb.ts";
import { mergeResults, readResults } from "../../benchmarks/results/store.ts";
import { type Command, flag, optStr } from "../command.ts";
import { dedent } from "../help.ts";

const DEFAULT_EXPORT =
  `SELECT r.run_id, r.experiment, r.dataset, r.variant_label, r.seed, r."repeat", r.status, r.error,
  r.wall_s, r.cpu_s, r.peak_rss_mb, r.backend_used, m.metric, m.value, m.direction
  FROM runs r LEFT JOIN metrics m USING (run_id) ORDER BY r.experiment, r.dataset, r.variant_label, r.seed, r."repeat", m.metric`;

/** `pb results`. */
export const resultsCommand: Command = {
  name: "results",
  summary: "query (SQL via DuckDB), export (CSV/JSON) or merge (shards) benchmark results",
  usage:
    'query RESULTS "SQL" [--csv|--json] | export RESULTS [--sql "SQL"] [--csv|--json] [--out FILE] | merge OUT A B …',
  positionals: true,
  description: dedent`
    Tables: runs, params, metrics, subgroups, samples, curves, counters (see benchmarks/results/duckdb.ts).
    Example: pb results query out/ci "SELECT variant_label, median(wall_s) FROM runs GROUP BY 1"
  `,
  options: {
    csv: { type: "boolean", help: "CSV output" },
    json: { type: "boolean", help: "JSON output (array of rows)" },
    sql: { type: "string", value: "SQL", help: "export: the query to export [runs joined with metrics]" },
    out: { type: "string", value: "FILE", help: "export: write to FILE instead of stdout" },
  },
  async run(args) {
    const [sub, ...rest] = args.positionals;
    if (sub === "merge") {
      const [out, ...inputs] = rest;
      if (!out || inputs.length === 0) throw new UsageError("pb results merge: give OUT and at least one input");
      const r = await mergeResults(inputs, out);
      console.log(`merged ${r.added} record(s) into ${out} (${r.duplicates} duplicate(s) skipped)`);
      return 0;
    }
    if (sub !== "query" && sub !== "export") {
      throw new UsageError(`pb results: sub-command must be query, export or merge, got ${JSON.stringify(sub ?? "")}`);
    }
    const dir = rest[0];
    if (!dir) throw new UsageError(`pb results ${sub}: give the RESULTS folder`);
    let sql: string;
    if (sub === "query") {
      if (rest.length !== 2) throw new UsageError('pb results query: give RESULTS and one "SQL" string');
      sql = rest[1]!;
    } else {
      if (rest.length !== 1) {
        throw new UsageError("pb results export: give only the RESULTS folder (the query goes in --sql)");
      }
      sql = optStr(args, "sql") ?? DEFAULT_EXPORT;
    }
    const { tornTail } = await readResults(dir);
    if (tornTail) console.error(`note: ${dir}: ignored an incomplete last line (interrupted write)`);
    let result;
    try {
      result = await queryResults(dir, sql);
    } catch (e) {
      if (e instanceof Error && /Error:/.test(e.message)) throw new UsageError(`SQL: ${e.message.split("\n")[0]}`);
      throw e;
    }
    const csv = flag(args, "csv") || (sub === "export" && !flag(args, "json"));
    const text = flag(args, "json")
      ? JSON.stringify(result.rows, (_k, v) => (typeof v === "bigint" ? Number(v) : v), 2)
      : csv
      ? stringify([result.columns, ...result.rows.map((r) => result.columns.map((c) => csvCell(r[c])))])
      : formatRows(result);
    const out = optStr(args, "out");
    if (out) {
      await Deno.writeTextFile(out, text.endsWith("\n") ? text : text + "\n");
      console.error(`wrote ${result.rows.length} row(s) to ${out}`);
    } else console.log(text.trimEnd());
    return 0;
  },
};

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x));
  return String(v);
}
