/**
 * Aggregation of records into one row per configuration (repeats together), and the plain-text summary table
 * printed by `pb run` and the demo.
 * @module
 */
import type { ResultRecord } from "./results/schema.ts";
import { loadSpec } from "./spec/spec.ts";
import { NOISY_CV, type TimingStats, timingStats } from "./stats/timing.ts";

/** One configuration's results over its repeats. */
export interface ConfigSummary {
  config_id: string;
  experiment: string;
  dataset: string;
  label: string;
  seed: number;
  ok: number;
  failed: number;
  timeout: number;
  /** First error message, if any. */
  error: string | null;
  /** Metrics of the first ok repeat (metrics are deterministic across repeats). */
  metrics: Record<string, number>;
  /** Wall-time statistics over the ok repeats. */
  wall: TimingStats;
  cpu: TimingStats;
  peak_rss_mb: number;
  /** Whether the wall-time CV exceeds {@link NOISY_CV}. */
  noisy: boolean;
  /** Metrics that differ between repeats (should be none: a determinism problem). */
  unstable: string[];
  backend: string;
}

/**
 * Groups records by configuration, in first-seen order.
 * @param records result records
 * @returns one summary per configuration
 */
export function summarise(records: readonly ResultRecord[]): ConfigSummary[] {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const g = groups.get(r.config_id);
    if (g) g.push(r);
    else groups.set(r.config_id, [r]);
  }
  return [...groups.values()].map((rs) => {
    const ok = rs.filter((r) => r.status === "ok").sort((a, b) => a.repeat - b.repeat);
    const first = ok[0] ?? rs[0]!;
    const wall = timingStats(ok.map((r) => r.timings.wall_s));
    const unstable = ok.length > 1
      ? Object.keys(first.metrics).filter((k) => ok.some((r) => r.metrics[k] !== first.metrics[k]))
      : [];
    return {
      config_id: first.config_id,
      experiment: first.experiment,
      dataset: first.dataset.name,
      label: first.variant.label,
      seed: first.seed,
      ok: ok.length,
      failed: rs.filter((r) => r.status === "failed").length,
      timeout: rs.filter((r) => r.status === "timeout").length,
      error: rs.find((r) => r.error)?.error ?? null,
      metrics: ok.length ? first.metrics : {},
      wall,
      cpu: timingStats(ok.map((r) => r.timings.cpu_s)),
      peak_rss_mb: Math.max(0, ...ok.map((r) => r.timings.peak_rss_mb)),
      noisy: wall.n > 1 && wall.cv > NOISY_CV,
      unstable,
      backend: first.backend.software_adapter ? `${first.backend.used} [software adapter]` : first.backend.used,
    };
  });
}

/** Columns of the summary table: metric, header, and what the header means (printed under the table). */
export const TABLE_COLUMNS: readonly { metric: string; header: string; meaning: string }[] = [
  {
    metric: "dev.threshold",
    header: "t dev",
    meaning: "threshold tuned on the dev split (a seeded half of the identities, clustered on its own)",
  },
  {
    metric: "test.bcubed.f1",
    header: "F test",
    meaning: "BCubed F on the test split (the other identities, clustered on their own) at t dev: the honest number",
  },
  {
    metric: "oracle.bcubed.f1",
    header: "F oracle",
    meaning: "ORACLE: best BCubed F on the test split over all thresholds — an upper bound no user can pick in advance",
  },
  {
    metric: "gap.bcubed.f1",
    header: "gap",
    meaning: "F oracle − F test: what a user who cannot tune on their own library loses",
  },
  { metric: "threshold", header: "t run", meaning: "threshold of the measured run (a number, or auto resolved)" },
  {
    metric: "bcubed.f1",
    header: "F all",
    meaning: "BCubed F of the measured run on all identities at t run (not a held-out number when t run = t dev)",
  },
  { metric: "top1", header: "top1", meaning: "assignment: share of queries given the right person" },
  { metric: "open_set.auc", header: "open AUC", meaning: "assignment: ROC AUC of known vs unknown people" },
];

/** Metrics shown in the summary table when present, in this order. */
export const TABLE_METRICS: string[] = TABLE_COLUMNS.map((c) => c.metric);

/** What an experiment that is not a method means, when its spec gives no description. */
const BUILTIN_EXPLANATIONS: Record<string, string> = {
  reference: "a fixed CPU workload, not a method: its wall time is the yardstick latencies are divided by " +
    "(no accuracy)",
};

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits);
}

/**
 * The experiments' descriptions of a spec, for {@link SummaryTableOptions.descriptions}.
 * @param specPath spec file
 * @returns experiment name → description (experiments without one are left out)
 */
export async function experimentDescriptions(specPath: string): Promise<Record<string, string>> {
  const { spec } = await loadSpec(specPath);
  return Object.fromEntries(
    spec.experiments.filter((e) => e.description).map((e) => [e.name, e.description!] as [string, string]),
  );
}

/** Options of {@link formatSummaryTable}. */
export interface SummaryTableOptions {
  /** One line per experiment name (from the spec), printed under the table so every row is explained. */
  descriptions?: Record<string, string>;
}

/**
 * One sentence per experiment and dataset with clustering rows: which configuration scores best on the test
 * split at its dev-tuned threshold, by how much, and what the oracle would have said.
 * @param rows configuration summaries
 * @returns verdict lines (empty when no row carries the threshold protocol)
 */
export function verdicts(rows: readonly ConfigSummary[]): string[] {
  const groups = new Map<string, ConfigSummary[]>();
  for (const r of rows) {
    if (!Number.isFinite(r.metrics["test.bcubed.f1"])) continue;
    const key = `${r.experiment}\u0000${r.dataset}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: string[] = [];
  for (const g of groups.values()) {
    const by = [...g].sort((a, b) => b.metrics["test.bcubed.f1"]! - a.metrics["test.bcubed.f1"]!);
    const best = by[0]!, f = (r: ConfigSummary) => r.metrics["test.bcubed.f1"]!.toFixed(3);
    const oracleBest = [...g].sort((a, b) => b.metrics["oracle.bcubed.f1"]! - a.metrics["oracle.bcubed.f1"]!)[0]!;
    const agree = oracleBest === best
      ? "the oracle ranks it first too"
      : `the oracle would have picked ${oracleBest.label}`;
    const worst = by.at(-1)!;
    const close = by.slice(1).filter((r) => best.metrics["test.bcubed.f1"]! - r.metrics["test.bcubed.f1"]! <= 0.005);
    out.push(
      by.length === 1
        ? `Verdict (${best.experiment}, ${best.dataset}): ${best.label} reaches BCubed F ${f(best)} on unseen ` +
          `identities at its dev-tuned threshold ${fmt(best.metrics["dev.threshold"])} (oracle ` +
          `${fmt(best.metrics["oracle.bcubed.f1"])}).`
        : `Verdict (${best.experiment}, ${best.dataset}): ${best.label} clusters unseen identities best (BCubed F ` +
          `${f(best)} at its dev-tuned threshold${
            close.length ? `; within 0.005 of it: ${close.map((r) => r.label).join(", ")}` : ""
          }), ${worst.label} worst (${f(worst)}); ${agree}.`,
    );
  }
  return out;
}

/**
 * Renders summaries as an aligned text table, followed by what each column and experiment means, the verdict
 * in one sentence per compared group, and notes for noisy timings and failures. Labels are never cut.
 * @param rows configuration summaries
 * @param options experiment descriptions
 * @returns the table text
 */
export function formatSummaryTable(rows: readonly ConfigSummary[], options: SummaryTableOptions = {}): string {
  const columns = TABLE_COLUMNS.filter((c) => rows.some((r) => c.metric in r.metrics));
  const header = [
    "experiment",
    "dataset",
    "variant",
    "seed",
    "ok",
    ...columns.map((c) => c.header),
    "wall med s",
    "p95 s",
    "MAD s",
    "CV",
    "RSS MB",
  ];
  const body = rows.map((r) => [
    r.experiment,
    r.dataset,
    r.label,
    String(r.seed),
    `${r.ok}/${r.ok + r.failed + r.timeout}`,
    ...columns.map((c) => fmt(r.metrics[c.metric])),
    fmt(r.wall.median),
    fmt(r.wall.p95),
    fmt(r.wall.mad),
    r.wall.n > 1 ? `${(r.wall.cv * 100).toFixed(1)}%${r.noisy ? "!" : ""}` : "-",
    r.peak_rss_mb ? r.peak_rss_mb.toFixed(0) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  const experiments = [...new Set(rows.map((r) => r.experiment))];
  const explained = experiments.map((e) => {
    const text = options.descriptions?.[e] ?? BUILTIN_EXPLANATIONS[e];
    return text ? `  ${e}: ${text}` : null;
  }).filter((x): x is string => x !== null);
  if (explained.length) out.push("Rows:", ...explained);
  if (columns.length) out.push("Columns:", ...columns.map((c) => `  ${c.header}: ${c.meaning}`));
  out.push(...verdicts(rows));
  const noisy = rows.filter((r) => r.noisy);
  if (noisy.length) {
    out.push(
      `! ${noisy.length} configuration(s) have wall-time CV > ${NOISY_CV * 100}%: timings are noisy (busy machine?)`,
    );
  }
  for (const r of rows.filter((r) => r.failed + r.timeout > 0)) {
    out.push(`x ${r.experiment}/${r.dataset}/${r.label}: ${r.failed} failed, ${r.timeout} timed out: ${r.error}`);
  }
  for (const r of rows.filter((r) => r.unstable.length)) {
    out.push(`? ${r.experiment}/${r.dataset}/${r.label}: metrics differ between repeats: ${r.unstable.join(", ")}`);
  }
  return out.join("\n");
}
