/**
 * The regression gate behind `pb gate`: compares current results with a committed baseline.
 *
 * - Accuracy: each gated metric (direction higher or lower) may not get worse by more than its absolute
 *   tolerance.
 * - Latency: each configuration's wall times are divided by the median wall time of the reference workload
 *   (`reference` stage) measured in the same results, so machine speed cancels; a configuration regresses only
 *   when the median ratio grew beyond the noise band AND a one-sided Mann–Whitney U test says the current
 *   ratios are larger (p ≤ alpha).
 * - A configuration of the baseline whose current runs failed, or that is missing from the current results, is a
 *   regression (missing: only a warning with the rule `allow_missing`).
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import type { MetricDirection, ResultRecord } from "../results/schema.ts";
import { mannWhitneyGreater } from "../stats/mann_whitney.ts";
import { median } from "../stats/timing.ts";
import { runName } from "../spec/expand.ts";

/** Baseline file tag. */
export const BASELINE_SCHEMA = "peoplebench-baseline";

/** One configuration in a baseline. */
export interface BaselineConfig {
  name: string;
  metrics: Record<string, number>;
  directions: Record<string, MetricDirection>;
  /** Wall seconds of each ok repeat. */
  wall_s: number[];
  /** wall_s / median reference wall time of the same results (null without a reference). */
  ratio: number[] | null;
  /** Whether this configuration is the reference workload. */
  reference: boolean;
}

/** A baseline file. */
export interface Baseline {
  schema: typeof BASELINE_SCHEMA;
  version: 1;
  created_at: string;
  spec: { name: string; hash: string };
  code_version: string;
  cpu_model: string;
  configs: Record<string, BaselineConfig>;
}

/** Gate rules (`--rules FILE`); every field optional. */
export interface GateRules {
  accuracy?: {
    /** Tolerance for metrics without their own [0.005]. */
    default?: number;
    /** Per-metric absolute tolerance (exact name or a `*` glob). */
    metrics?: Record<string, number>;
    /** Metric names (or globs) not gated. */
    ignore?: string[];
  };
  /** A baseline configuration absent from the current results is only a warning (e.g. a sharded run) [false]. */
  allow_missing?: boolean;
  latency?: {
    /** Relative noise band: slow-downs below 1 + band never fail [0.25]. */
    noise_band?: number;
    /** Significance level of the one-sided Mann–Whitney U test [0.05]. */
    alpha?: number;
    /** Gate latency at all [true]. */
    enabled?: boolean;
  };
}

/** Defaults of {@link GateRules}. */
export const DEFAULT_RULES = {
  accuracy: { default: 0.005, metrics: {} as Record<string, number>, ignore: [] as string[] },
  latency: { noise_band: 0.25, alpha: 0.05, enabled: true },
};

/** One comparison. */
export interface GateRow {
  config: string;
  config_id: string;
  kind: "accuracy" | "latency" | "status";
  metric: string;
  baseline: number | null;
  current: number | null;
  /** current − baseline (accuracy) or current / baseline median ratio (latency). */
  change: number | null;
  /** Tolerance (accuracy) or 1 + noise band (latency). */
  limit: number | null;
  /** Mann–Whitney p-value (latency). */
  p: number | null;
  verdict: "ok" | "regression" | "improvement" | "warning";
  note: string;
}

/** The gate's decision. */
export interface GateReport {
  passed: boolean;
  rows: GateRow[];
  regressions: number;
  warnings: number;
  /** How latencies were normalised. */
  latencyMode: "reference-ratio" | "absolute" | "off";
}

function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`);
  return re.test(name);
}

function isReference(r: ResultRecord): boolean {
  return "reference" in r.variant.stages;
}

function referenceMedian(records: readonly ResultRecord[]): number | null {
  const walls = records.filter((r) => r.status === "ok" && isReference(r)).map((r) => r.timings.wall_s);
  return walls.length ? median(walls) : null;
}

/**
 * Builds a baseline from results (ok repeats only).
 * @param records result records of one sweep
 * @returns the baseline
 */
export function buildBaseline(records: readonly ResultRecord[]): Baseline {
  const ref = referenceMedian(records);
  const configs: Record<string, BaselineConfig> = {};
  for (const r of records) {
    if (r.status !== "ok") continue;
    const c = configs[r.config_id] ??= {
      name: runName({ experiment: r.experiment, dataset: r.dataset.name, label: r.variant.label, seed: r.seed }),
      metrics: r.metrics,
      directions: r.metric_directions,
      wall_s: [],
      ratio: ref ? [] : null,
      reference: isReference(r),
    };
    c.wall_s.push(r.timings.wall_s);
    if (ref) c.ratio!.push(r.timings.wall_s / ref);
  }
  const first = records[0];
  return {
    schema: BASELINE_SCHEMA,
    version: 1,
    created_at: new Date().toISOString(),
    spec: { name: first?.spec.name ?? "", hash: first?.spec.hash ?? "" },
    code_version: first?.env.code_version ?? "",
    cpu_model: first?.env.cpu_model ?? "",
    configs,
  };
}

/**
 * Checks a parsed baseline file.
 * @throws {UsageError} naming the file and the problem
 */
export function validateBaseline(value: unknown, file: string): Baseline {
  const b = value as Baseline;
  if (typeof b !== "object" || b === null || b.schema !== BASELINE_SCHEMA) {
    throw new UsageError(`${file}: not a PeopleBench baseline ("schema" must be "${BASELINE_SCHEMA}")`);
  }
  if (typeof b.configs !== "object" || b.configs === null) throw new UsageError(`${file}: "configs" must be an object`);
  for (const [id, c] of Object.entries(b.configs)) {
    if (typeof c?.metrics !== "object" || !Array.isArray(c?.wall_s)) {
      throw new UsageError(`${file}: configs.${id} must have "metrics" and "wall_s"`);
    }
  }
  return b;
}

/**
 * Compares current results with a baseline.
 * @param baseline the baseline
 * @param current current result records
 * @param rules tolerances, noise band, significance level
 * @returns the decision and every comparison
 */
export function runGate(baseline: Baseline, current: readonly ResultRecord[], rules: GateRules = {}): GateReport {
  const acc = { ...DEFAULT_RULES.accuracy, ...rules.accuracy };
  const lat = { ...DEFAULT_RULES.latency, ...rules.latency };
  const tolerance = (m: string) => {
    for (const [p, t] of Object.entries(acc.metrics ?? {})) if (globMatch(p, m)) return t;
    return acc.default;
  };
  const ignored = (m: string) => (acc.ignore ?? []).some((p) => globMatch(p, m));
  const ref = referenceMedian(current);
  const baseHasRatio = Object.values(baseline.configs).some((c) => c.ratio && c.ratio.length);
  const latencyMode: GateReport["latencyMode"] = !lat.enabled
    ? "off"
    : ref && baseHasRatio
    ? "reference-ratio"
    : "absolute";
  const byConfig = new Map<string, ResultRecord[]>();
  for (const r of current) {
    const g = byConfig.get(r.config_id);
    if (g) g.push(r);
    else byConfig.set(r.config_id, [r]);
  }
  const rows: GateRow[] = [];
  for (const [id, base] of Object.entries(baseline.configs)) {
    const recs = byConfig.get(id);
    const row = (x: Partial<GateRow> & Pick<GateRow, "kind" | "metric" | "verdict">): GateRow => ({
      config: base.name,
      config_id: id,
      baseline: null,
      current: null,
      change: null,
      limit: null,
      p: null,
      note: "",
      ...x,
    });
    if (!recs) {
      rows.push(row({
        kind: "status",
        metric: "present",
        verdict: rules.allow_missing ? "warning" : "regression",
        note: "not in the current results (changed spec or ids? update the baseline deliberately)",
      }));
      continue;
    }
    const ok = recs.filter((r) => r.status === "ok");
    if (ok.length === 0) {
      const bad = recs[0]!;
      rows.push(row({ kind: "status", metric: "status", verdict: "regression", note: `${bad.status}: ${bad.error}` }));
      continue;
    }
    const cur = ok[0]!;
    for (const [m, bv] of Object.entries(base.metrics)) {
      const dir = base.directions[m] ?? "none";
      if (dir === "none" || ignored(m)) continue;
      const cv = cur.metrics[m];
      if (cv === undefined) {
        rows.push(row({ kind: "accuracy", metric: m, baseline: bv, verdict: "warning", note: "metric missing now" }));
        continue;
      }
      const tol = tolerance(m);
      const worse = dir === "higher" ? bv - cv : cv - bv;
      const verdict = worse > tol + 1e-12 ? "regression" : worse < -tol - 1e-12 ? "improvement" : "ok";
      rows.push(row({ kind: "accuracy", metric: m, baseline: bv, current: cv, change: cv - bv, limit: tol, verdict }));
    }
    if (latencyMode === "off" || base.reference) continue;
    const useRatio = latencyMode === "reference-ratio" && base.ratio !== null && base.ratio.length > 0;
    const baseSamples = useRatio ? base.ratio! : base.wall_s;
    const curSamples = ok.map((r) => (useRatio ? r.timings.wall_s / ref! : r.timings.wall_s));
    if (!baseSamples.length) continue;
    const bm = median(baseSamples), cm = median(curSamples);
    const change = cm / bm;
    const slower = mannWhitneyGreater(curSamples, baseSamples);
    const faster = mannWhitneyGreater(baseSamples, curSamples);
    const limit = 1 + lat.noise_band;
    let verdict: GateRow["verdict"] = "ok";
    let note = useRatio ? "ratio to reference" : "absolute wall time";
    if (change > limit && slower.p <= lat.alpha) verdict = "regression";
    else if (change < 1 / limit && faster.p <= lat.alpha) verdict = "improvement";
    else if (change > limit) note += "; slower but not significant";
    rows.push(row({
      kind: "latency",
      metric: useRatio ? "wall_s/reference" : "wall_s",
      baseline: bm,
      current: cm,
      change,
      limit,
      p: slower.p,
      verdict,
      note,
    }));
  }
  const regressions = rows.filter((r) => r.verdict === "regression").length;
  return {
    passed: regressions === 0,
    rows,
    regressions,
    warnings: rows.filter((r) => r.verdict === "warning").length,
    latencyMode,
  };
}

function num(v: number | null, digits = 4): string {
  return v === null ? "-" : Math.abs(v) >= 1000 ? v.toExponential(2) : v.toFixed(digits);
}

/**
 * Formats the gate report: what moved (regressions, improvements, warnings), then a one-line verdict.
 * @param report gate report
 * @param all include unchanged rows too
 */
export function formatGateReport(report: GateReport, all = false): string {
  const shown = report.rows.filter((r) => all || r.verdict !== "ok" || r.kind === "latency");
  const header = ["verdict", "configuration", "metric", "baseline", "current", "change", "limit", "p", "note"];
  const body = shown.map((r) => [
    r.verdict.toUpperCase(),
    r.config.length > 90 ? r.config.slice(0, 87) + "..." : r.config,
    r.metric,
    num(r.baseline),
    num(r.current),
    r.change === null
      ? "-"
      : r.kind === "latency"
      ? `×${r.change.toFixed(3)}`
      : `${r.change >= 0 ? "+" : ""}${r.change.toFixed(4)}`,
    r.limit === null ? "-" : r.kind === "latency" ? `×${r.limit.toFixed(2)}` : `±${r.limit}`,
    r.p === null ? "-" : r.p.toFixed(3),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  const checked = report.rows.length;
  out.push(
    `gate: ${report.passed ? "PASS" : "FAIL"} — ${report.regressions} regression(s), ${report.warnings} warning(s), ` +
      `${checked} comparison(s); latency ${report.latencyMode}`,
  );
  return out.join("\n");
}

/**
 * Bencher Metric Format (BMF) JSON: `{benchmark: {measure: {value, lower_value?, upper_value?}}}`, one benchmark
 * per configuration, measures `latency` (median wall s) and each gated accuracy metric.
 */
export function toBmf(
  current: readonly ResultRecord[],
): Record<string, Record<string, { value: number; lower_value?: number; upper_value?: number }>> {
  const out: Record<string, Record<string, { value: number; lower_value?: number; upper_value?: number }>> = {};
  const base = buildBaseline(current);
  for (const c of Object.values(base.configs)) {
    const entry: Record<string, { value: number; lower_value?: number; upper_value?: number }> = {};
    const w = [...c.wall_s].sort((a, b) => a - b);
    entry.latency = { value: median(w), lower_value: w[0]!, upper_value: w[w.length - 1]! };
    for (const [m, v] of Object.entries(c.metrics)) if ((c.directions[m] ?? "none") !== "none") entry[m] = { value: v };
    out[c.name] = entry;
  }
  return out;
}

/** github-action-benchmark `customSmallerIsBetter` entries (median wall seconds per configuration). */
export function toGithubActionBenchmark(
  current: readonly ResultRecord[],
): { name: string; unit: string; value: number; range: string; extra: string }[] {
  return Object.values(buildBaseline(current).configs).map((c) => {
    const w = [...c.wall_s].sort((a, b) => a - b);
    return {
      name: c.name,
      unit: "s",
      value: median(w),
      range: `${w[0]!.toFixed(4)}..${w[w.length - 1]!.toFixed(4)}`,
      extra: `${w.length} repeats`,
    };
  });
}
