/**
 * The report's tables: a summary per experiment (one row per configuration) and the failed runs, as
 * row data rendered to HTML, markdown and CSV.
 * @module
 */
import { stringify } from "csv-stringify/sync";
import type { ResultRecord } from "../benchmarks/results/schema.ts";
import { groupConfigs, groupLabels } from "./select.ts";
import { mean, median, uniqueSorted } from "./stats.ts";

/** A table: column names and rows of text/number cells (null = empty). */
export interface Table {
  columns: string[];
  rows: (string | number | null)[][];
}

/** Metrics shown in the summary first, when present. */
const SUMMARY_METRICS = [
  "bcubed.f1",
  "bcubed.precision",
  "bcubed.recall",
  "pairwise.f1",
  "ari",
  "nmi",
  "top1",
  "clusters",
  "singleton_rate",
];
/** Columns of metrics at most in the HTML/markdown summary (the CSV has every metric). */
const MAX_METRIC_COLUMNS = 8;

/**
 * Summary of one experiment: one row per configuration with runs ok/failed, the mean of each metric and
 * the median wall time and peak memory.
 * @param records the experiment's records (any status)
 * @param options `allMetrics`: every metric as a column (for CSV) [false]
 * @returns the table
 */
export function summaryTable(records: readonly ResultRecord[], options: { allMetrics?: boolean } = {}): Table {
  const groups = groupConfigs(records);
  const labels = groupLabels(groups);
  const ok = records.filter((r) => r.status === "ok");
  const present = uniqueSorted(ok.flatMap((r) => Object.keys(r.metrics)));
  let metrics = [
    ...SUMMARY_METRICS.filter((m) => present.includes(m)),
    ...present.filter((m) => !SUMMARY_METRICS.includes(m)),
  ];
  // Interval bounds and per-subgroup fairness figures are in the CSV (and the fairness figure), not the short table.
  if (!options.allMetrics) {
    metrics = metrics.filter((m) => !/\.ci_(low|high)$/.test(m) && !m.startsWith("fairness.")).slice(
      0,
      MAX_METRIC_COLUMNS,
    );
  }
  const columns = [
    "configuration",
    "dataset",
    "backend",
    "runs ok",
    "runs failed",
    ...metrics,
    "median wall s",
    "median peak RSS MiB",
  ];
  const rows = groups.map((g, i) => {
    const good = g.records.filter((r) => r.status === "ok");
    const cells: (string | number | null)[] = [
      labels[i]!,
      g.dims["dataset"]!,
      g.dims["backend"]!,
      good.length,
      g.records.length - good.length,
    ];
    for (const m of metrics) {
      const v = good.filter((r) => m in r.metrics).map((r) => r.metrics[m]!);
      cells.push(v.length > 0 ? mean(v) : null);
    }
    cells.push(good.length > 0 ? median(good.map((r) => r.timings.wall_s)) : null);
    cells.push(good.length > 0 ? median(good.map((r) => r.timings.peak_rss_mb)) : null);
    return cells;
  });
  return { columns, rows };
}

/** The failed and timed-out runs: experiment, configuration, dataset, seed, repeat, status, error, run id. */
export function failureTable(records: readonly ResultRecord[]): Table {
  const failed = records.filter((r) => r.status !== "ok");
  return {
    columns: ["experiment", "configuration", "dataset", "seed", "repeat", "status", "error", "run id"],
    rows: failed.map((
      r,
    ) => [r.experiment, r.variant.label, r.dataset.name, r.seed, r.repeat, r.status, r.error ?? "", r.run_id]),
  };
}

/** Formats a cell: numbers to 4 significant digits (integers as they are), null as empty. */
export function formatCell(v: string | number | null): string {
  if (v === null) return "";
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

/**
 * The table as GitHub-flavoured markdown (pipes and newlines escaped).
 * @param t the table
 * @returns markdown text ending with a newline
 */
export function toMarkdown(t: Table): string {
  const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    `| ${t.columns.map(esc).join(" | ")} |`,
    `|${t.columns.map((_, i) => (typeof t.rows[0]?.[i] === "number" ? " ---: " : " --- ")).join("|")}|`,
    ...t.rows.map((r) => `| ${r.map((c) => esc(formatCell(c))).join(" | ")} |`),
  ];
  return lines.join("\n") + "\n";
}

/**
 * The table as CSV with a header; numbers at full precision.
 * @param t the table
 * @returns CSV text
 */
export function toCsv(t: Table): string {
  return stringify([t.columns, ...t.rows.map((r) => r.map((c) => (c === null ? "" : c)))]);
}

/** HTML-escapes text. */
export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/**
 * The table as an HTML `<table>`.
 * @param t the table
 * @param className CSS class of the table [""]
 * @returns HTML text
 */
export function toHtml(t: Table, className = ""): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = t.rows.map((r) =>
    `<tr>${
      r.map((c) => `<td${typeof c === "number" ? ' class="num"' : ""}>${escapeHtml(formatCell(c))}</td>`).join("")
    }</tr>`
  ).join("\n");
  return `<table${
    className ? ` class="${className}"` : ""
  }><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}
