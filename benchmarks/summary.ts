/**
 * Aggregation of records into one row per configuration (repeats together), and the plain-text summary table
 * printed by `pb run` and the demo.
 * @module
 */
import type { ResultRecord } from "./results/schema.ts";
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

/** Metrics shown in the summary table when present, in this order. */
export const TABLE_METRICS = [
  "bcubed.f1",
  "bcubed.precision",
  "bcubed.recall",
  "pairwise.f1",
  "nmi",
  "top1",
  "open_set.auc",
];

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits);
}

/**
 * Renders summaries as an aligned text table, with notes for noisy timings and failures.
 * @param rows configuration summaries
 * @returns the table text
 */
export function formatSummaryTable(rows: readonly ConfigSummary[]): string {
  const metrics = TABLE_METRICS.filter((m) => rows.some((r) => m in r.metrics));
  const header = [
    "experiment",
    "dataset",
    "variant",
    "seed",
    "ok",
    ...metrics,
    "wall med s",
    "p95 s",
    "MAD s",
    "CV",
    "RSS MB",
  ];
  const body = rows.map((r) => [
    r.experiment,
    r.dataset,
    r.label.length > 60 ? r.label.slice(0, 57) + "..." : r.label,
    String(r.seed),
    `${r.ok}/${r.ok + r.failed + r.timeout}`,
    ...metrics.map((m) => fmt(r.metrics[m])),
    fmt(r.wall.median),
    fmt(r.wall.p95),
    fmt(r.wall.mad),
    r.wall.n > 1 ? `${(r.wall.cv * 100).toFixed(1)}%${r.noisy ? "!" : ""}` : "-",
    r.peak_rss_mb ? r.peak_rss_mb.toFixed(0) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
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
