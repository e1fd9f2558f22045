/**
 * The regression gate behind `pb gate`: compares current results with a committed baseline.
 *
 * - Accuracy: each gated metric (direction higher or lower) may not get worse by more than its absolute
 *   tolerance.
 * - Latency (see {@link decideLatency}): every run times its candidate paired and interleaved with a fixed
 *   reference workload in its own process (A B A B … A), so each pair's ratio candidate / reference cancels the
 *   machine's speed and its load at that moment. The gate compares the median per-pair log-ratio with the
 *   baseline's and fails only when the whole sign-test confidence interval of the change lies beyond the noise
 *   band, which is calibrated from A/A sweeps (the same code measured several times) recorded in the baseline.
 * - Results merged from several machines or shards are gated per host and shard: runs of one group are never
 *   pooled with another's, and a ratio never uses a reference measured elsewhere.
 * - A configuration of the baseline whose current runs failed, or that is missing from the current results, is a
 *   regression (missing: only a warning with the rule `allow_missing`).
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import { median } from "../../algorithms/metrics/quantile.ts";
import type { MetricDirection, ResultRecord, TimingMeasure } from "../results/schema.ts";
import { logRatios, medianInterval } from "../stats/paired.ts";
import { runName } from "../spec/expand.ts";

/** Baseline file tag. */
export const BASELINE_SCHEMA = "peoplebench-baseline";
/** Baseline format written now; version 1 (unpaired wall ratios) still gates accuracy. */
export const BASELINE_VERSION = 2;

/** Paired timings of one configuration in a baseline. */
export interface BaselineLatency {
  /** Per-pair ratios candidate / reference over every run of every sweep, by measure. */
  ratio_cpu: number[];
  ratio_wall: number[];
  /**
   * A/A calibration: for each sweep, its median log-ratio minus that of the other sweeps pooled (leave one out),
   * by measure. Empty with a single sweep.
   */
  aa_cpu: number[];
  aa_wall: number[];
}

/** One configuration in a baseline. */
export interface BaselineConfig {
  name: string;
  metrics: Record<string, number>;
  directions: Record<string, MetricDirection>;
  /** Wall seconds of each ok run (median over its pairs). */
  wall_s: number[];
  /** Paired timings (null when the runs were not paired, e.g. the reference workload itself). */
  latency: BaselineLatency | null;
  /** Whether this configuration is the reference workload. */
  reference: boolean;
}

/** A baseline file. */
export interface Baseline {
  schema: typeof BASELINE_SCHEMA;
  version: number;
  created_at: string;
  spec: { name: string; hash: string };
  code_version: string;
  cpu_model: string;
  /** Hosts the baseline's runs executed on. */
  hosts: string[];
  /** Sweeps pooled into the baseline (1 + the A/A sweeps). */
  sweeps: number;
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
    /** Gate latency at all [true]. */
    enabled?: boolean;
    /** Clock of the gated ratio [cpu]; the other one is shown in the note. */
    measure?: TimingMeasure;
    /** Confidence level of the interval of the change [0.95]. */
    confidence?: number;
    /** Smallest relative noise band [0.05]. */
    min_band?: number;
    /** Band = factor × the largest A/A change of the configuration (log scale), at least min_band [1]. */
    aa_factor?: number;
    /** A fixed relative band that replaces the calibrated one. */
    noise_band?: number;
    /** Ignored (the Mann–Whitney test of version 1 rules); kept so old rules files still load. */
    alpha?: number;
  };
}

/** Defaults of {@link GateRules}. */
export const DEFAULT_RULES = {
  accuracy: { default: 0.005, metrics: {} as Record<string, number>, ignore: [] as string[] },
  latency: {
    enabled: true,
    measure: "cpu" as TimingMeasure,
    confidence: 0.95,
    min_band: 0.05,
    aa_factor: 1,
    noise_band: undefined as number | undefined,
  },
};

/** One comparison. */
export interface GateRow {
  config: string;
  config_id: string;
  /** Host and shard of the current runs a latency row compares (empty for accuracy and status rows). */
  group: string;
  kind: "accuracy" | "latency" | "status";
  metric: string;
  baseline: number | null;
  current: number | null;
  /** current − baseline (accuracy) or current / baseline median ratio (latency). */
  change: number | null;
  /** Confidence interval of the latency change. */
  interval: [number, number] | null;
  /** Tolerance (accuracy) or 1 + noise band (latency). */
  limit: number | null;
  /** Pairs (latency). */
  pairs: number | null;
  verdict: "ok" | "regression" | "improvement" | "warning";
  note: string;
}

/** The gate's decision. */
export interface GateReport {
  passed: boolean;
  rows: GateRow[];
  regressions: number;
  warnings: number;
  /** How latencies were compared. */
  latencyMode: "paired" | "off" | "baseline-v1";
  /** The latency decision rule in words (printed under the table). */
  rule: string;
}

function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`);
  return re.test(name);
}

function isReference(r: ResultRecord): boolean {
  return "reference" in r.variant.stages;
}

/** Host and shard of a record: the unit within which latencies are compared. */
export function hostGroup(r: ResultRecord): string {
  const host = r.env.hostname || "unknown-host";
  return r.shard ? `${host} shard ${r.shard.index}/${r.shard.count}` : host;
}

function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

function pairedRatios(records: readonly ResultRecord[], m: TimingMeasure): number[] {
  return records.flatMap((r) => (m === "cpu" ? r.timings.paired?.ratio_cpu : r.timings.paired?.ratio_wall) ?? []);
}

const logs = (ratios: readonly number[]) => logRatios(ratios, ratios.map(() => 1));
const round = (x: number) => Number(x.toPrecision(6));

/**
 * Builds a baseline from one sweep, with A/A calibration from more sweeps of the same code (ok runs only).
 * @param sweeps result records of each sweep; the first is the main one, every sweep's runs are pooled
 * @returns the baseline
 */
export function buildBaseline(...sweeps: (readonly ResultRecord[])[]): Baseline {
  const all = sweeps.flat().filter((r) => r.status === "ok");
  const configs: Record<string, BaselineConfig> = {};
  for (const [id, recs] of groupBy(all, (r) => r.config_id)) {
    const r = recs[0]!;
    const paired = recs.filter((x) => x.timings.paired);
    let latency: BaselineLatency | null = null;
    if (paired.length > 0) {
      const aa = (m: TimingMeasure) => {
        if (sweeps.length < 2) return [];
        const perSweep = sweeps.map((s) => logs(pairedRatios(s.filter((x) => x.config_id === id), m)));
        return perSweep.flatMap((own, k) => {
          const others = perSweep.filter((_, j) => j !== k).flat();
          return own.length && others.length ? [round(median(own) - median(others))] : [];
        });
      };
      latency = {
        ratio_cpu: pairedRatios(paired, "cpu").map(round),
        ratio_wall: pairedRatios(paired, "wall").map(round),
        aa_cpu: aa("cpu"),
        aa_wall: aa("wall"),
      };
    }
    configs[id] = {
      name: runName({ experiment: r.experiment, dataset: r.dataset.name, label: r.variant.label, seed: r.seed }),
      metrics: r.metrics,
      directions: r.metric_directions,
      wall_s: recs.map((x) => round(x.timings.wall_s)),
      latency,
      reference: isReference(r),
    };
  }
  const first = sweeps[0]?.[0];
  return {
    schema: BASELINE_SCHEMA,
    version: BASELINE_VERSION,
    created_at: new Date().toISOString(),
    spec: { name: first?.spec.name ?? "", hash: first?.spec.hash ?? "" },
    code_version: first?.env.code_version ?? "",
    cpu_model: first?.env.cpu_model ?? "",
    hosts: [...new Set(all.map(hostGroup))].sort(),
    sweeps: sweeps.length,
    configs,
  };
}

/**
 * Checks a parsed baseline file (version 1 or 2).
 * @throws {UsageError} naming the file and the problem
 */
export function validateBaseline(value: unknown, file: string): Baseline {
  const b = value as Baseline;
  if (typeof b !== "object" || b === null || b.schema !== BASELINE_SCHEMA) {
    throw new UsageError(`${file}: not a PeopleBench baseline ("schema" must be "${BASELINE_SCHEMA}")`);
  }
  if (b.version !== 1 && b.version !== BASELINE_VERSION) {
    throw new UsageError(`${file}: baseline version ${b.version} is not supported (1 or ${BASELINE_VERSION})`);
  }
  if (typeof b.configs !== "object" || b.configs === null) throw new UsageError(`${file}: "configs" must be an object`);
  for (const [id, c] of Object.entries(b.configs)) {
    if (typeof c?.metrics !== "object" || !Array.isArray(c?.wall_s)) {
      throw new UsageError(`${file}: configs.${id} must have "metrics" and "wall_s"`);
    }
    const l = c.latency;
    if (b.version === BASELINE_VERSION && l !== null && l !== undefined) {
      for (const k of ["ratio_cpu", "ratio_wall", "aa_cpu", "aa_wall"] as const) {
        if (!Array.isArray(l[k]) || l[k].some((x) => typeof x !== "number" || !Number.isFinite(x))) {
          throw new UsageError(`${file}: configs.${id}.latency.${k} must be an array of numbers`);
        }
      }
    }
  }
  return b;
}

/** Settings of the latency decision after defaults. */
export type LatencyRules = typeof DEFAULT_RULES.latency;

/** The outcome of one latency comparison. */
export interface LatencyDecision {
  /** Current median ratio / baseline median ratio. */
  change: number;
  interval: [number, number];
  /** Actual coverage of the interval (sign-test intervals are discrete). */
  coverage: number;
  /** Relative noise band and where it came from. */
  band: number;
  bandSource: string;
  pairs: number;
  verdict: "ok" | "regression" | "improvement" | "warning";
  note: string;
}

/**
 * The latency decision for one configuration on one host and shard.
 *
 * change = exp(median(current log-ratios) − median(baseline log-ratios)); its interval is the sign-test interval
 * of the current median, shifted the same way. With band b: regression when the interval's lower end exceeds
 * 1 + b; improvement when its upper end is below 1 / (1 + b); a point estimate beyond the band whose interval
 * still reaches inside it is a warning ("inconclusive"), never a failure.
 * @param base the baseline's latency of the configuration
 * @param current per-pair ratios of the current runs (the gated measure)
 * @param rules measure, confidence and band settings
 * @returns the decision, or null without current pairs
 */
export function decideLatency(
  base: BaselineLatency,
  current: readonly number[],
  rules: LatencyRules,
): LatencyDecision | null {
  const baseLogs = logs(rules.measure === "cpu" ? base.ratio_cpu : base.ratio_wall);
  const curLogs = logs(current);
  if (baseLogs.length === 0 || curLogs.length === 0) return null;
  const shift = median(baseLogs);
  const ci = medianInterval(curLogs, rules.confidence);
  const aa = rules.measure === "cpu" ? base.aa_cpu : base.aa_wall;
  let band: number, bandSource: string;
  if (rules.noise_band !== undefined) {
    band = rules.noise_band;
    bandSource = "fixed by the rules";
  } else if (aa.length > 0) {
    const worst = Math.max(...aa.map(Math.abs));
    band = Math.max(rules.min_band, Math.expm1(rules.aa_factor * worst));
    bandSource = `A/A ${aa.length} sweeps: largest change ×${Math.exp(worst).toFixed(3)}`;
  } else {
    band = rules.min_band;
    bandSource = "no A/A calibration in the baseline: minimum band";
  }
  const change = Math.exp(ci.median - shift);
  const interval: [number, number] = [Math.exp(ci.low - shift), Math.exp(ci.high - shift)];
  const limit = 1 + band;
  let verdict: LatencyDecision["verdict"] = "ok";
  let note = "";
  if (interval[0] > limit) verdict = "regression";
  else if (interval[1] < 1 / limit) verdict = "improvement";
  else if (change > limit) {
    verdict = "warning";
    note = "slower, but the interval reaches into the noise band (inconclusive)";
  }
  if (ci.coverage < rules.confidence) {
    note = [note, `only ${curLogs.length} pairs: interval covers ${(ci.coverage * 100).toFixed(0)}%`]
      .filter(Boolean).join("; ");
  }
  return { change, interval, coverage: ci.coverage, band, bandSource, pairs: curLogs.length, verdict, note };
}

/**
 * Compares current results with a baseline.
 * @param baseline the baseline
 * @param current current result records (possibly merged from several hosts and shards)
 * @param rules tolerances, measure, confidence and noise band
 * @returns the decision and every comparison
 */
export function runGate(baseline: Baseline, current: readonly ResultRecord[], rules: GateRules = {}): GateReport {
  const acc = { ...DEFAULT_RULES.accuracy, ...rules.accuracy };
  const lat: LatencyRules = { ...DEFAULT_RULES.latency, ...rules.latency };
  const tolerance = (m: string) => {
    for (const [p, t] of Object.entries(acc.metrics ?? {})) if (globMatch(p, m)) return t;
    return acc.default;
  };
  const ignored = (m: string) => (acc.ignore ?? []).some((p) => globMatch(p, m));
  const latencyMode: GateReport["latencyMode"] = !lat.enabled
    ? "off"
    : baseline.version === 1
    ? "baseline-v1"
    : "paired";
  const byConfig = groupBy(current, (r) => r.config_id);
  const multiGroup = new Set(current.map(hostGroup)).size > 1;
  const rows: GateRow[] = [];
  for (const [id, base] of Object.entries(baseline.configs)) {
    const recs = byConfig.get(id);
    const row = (x: Partial<GateRow> & Pick<GateRow, "kind" | "metric" | "verdict">): GateRow => ({
      config: base.name,
      config_id: id,
      group: "",
      baseline: null,
      current: null,
      change: null,
      interval: null,
      limit: null,
      pairs: null,
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
    if (latencyMode !== "paired" || base.reference) continue;
    const metric = `${lat.measure}/reference`;
    for (const [group, recsOfGroup] of groupBy(ok, hostGroup)) {
      const config = multiGroup ? `${base.name} @ ${group}` : base.name;
      const ratios = pairedRatios(recsOfGroup, lat.measure);
      if (!base.latency || ratios.length === 0) {
        rows.push(row({
          config,
          group,
          kind: "latency",
          metric,
          verdict: "warning",
          note: !base.latency
            ? "baseline has no paired timings for this configuration: not gated"
            : "current runs have no paired timings (timing.paired off or an older harness): not gated",
        }));
        continue;
      }
      const d = decideLatency(base.latency, ratios, lat);
      if (!d) continue;
      const other = lat.measure === "cpu" ? "wall" : "cpu";
      const otherBase = median(other === "cpu" ? base.latency.ratio_cpu : base.latency.ratio_wall);
      const otherChange = median(pairedRatios(recsOfGroup, other)) / otherBase;
      rows.push(row({
        config,
        group,
        kind: "latency",
        metric,
        baseline: median(lat.measure === "cpu" ? base.latency.ratio_cpu : base.latency.ratio_wall),
        current: median(ratios),
        change: d.change,
        interval: d.interval,
        limit: 1 + d.band,
        pairs: d.pairs,
        verdict: d.verdict,
        note: [d.note, `${other} ×${otherChange.toFixed(3)}`, `band: ${d.bandSource}`].filter(Boolean).join("; "),
      }));
    }
  }
  const regressions = rows.filter((r) => r.verdict === "regression").length;
  const pct = Math.round(lat.confidence * 100);
  const rule = latencyMode === "off"
    ? "latency not gated (rules: latency.enabled false)"
    : latencyMode === "baseline-v1"
    ? "latency not gated: the baseline is version 1 (unpaired wall ratios); refresh it with " +
      "`pb gate --update-baseline` (see README, Benchmark harness)"
    : `latency: per-pair ${lat.measure}-time ratios candidate / reference workload, interleaved in each run's ` +
      `process; change = current median / baseline median, per host and shard; REGRESSION when the whole ` +
      `${pct}% sign-test interval of the change lies above ×(1 + band); band = ` +
      (lat.noise_band !== undefined
        ? `${lat.noise_band} (fixed by the rules)`
        : `max(${lat.min_band}, e^(${lat.aa_factor} × largest |A/A log change|) − 1)`);
  return {
    passed: regressions === 0,
    rows,
    regressions,
    warnings: rows.filter((r) => r.verdict === "warning").length,
    latencyMode,
    rule,
  };
}

function num(v: number | null, digits = 4): string {
  return v === null ? "-" : Math.abs(v) >= 1000 ? v.toExponential(2) : v.toFixed(digits);
}

/**
 * Formats the gate report: what moved (regressions, improvements, warnings) and every latency comparison,
 * then the decision rule and a one-line verdict.
 * @param report gate report
 * @param all include unchanged accuracy rows too
 */
export function formatGateReport(report: GateReport, all = false): string {
  const shown = report.rows.filter((r) => all || r.verdict !== "ok" || r.kind === "latency");
  const header = ["verdict", "configuration", "metric", "baseline", "current", "change", "interval", "limit", "pairs"];
  const body = shown.map((r) => [
    r.verdict.toUpperCase(),
    r.config,
    r.metric,
    num(r.baseline),
    num(r.current),
    r.change === null
      ? "-"
      : r.kind === "latency"
      ? `×${r.change.toFixed(3)}`
      : `${r.change >= 0 ? "+" : ""}${r.change.toFixed(4)}`,
    r.interval ? `×${r.interval[0].toFixed(3)}..${r.interval[1].toFixed(3)}` : "-",
    r.limit === null ? "-" : r.kind === "latency" ? `×${r.limit.toFixed(3)}` : `±${r.limit}`,
    r.pairs === null ? "-" : String(r.pairs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  shown.forEach((r, i) => {
    out.push(line(body[i]!));
    if (r.note) out.push(`    ${r.note}`);
  });
  out.push(report.rule);
  out.push(
    `gate: ${report.passed ? "PASS" : "FAIL"} — ${report.regressions} regression(s), ${report.warnings} warning(s), ` +
      `${report.rows.length} comparison(s); latency ${report.latencyMode}`,
  );
  return out.join("\n");
}

/**
 * Bencher Metric Format (BMF) JSON: `{benchmark: {measure: {value, lower_value?, upper_value?}}}`, one benchmark
 * per configuration, measures `latency` (median wall s), `ratio` (median per-pair CPU ratio to the reference
 * workload, when paired) and each gated accuracy metric.
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
    if (c.latency && c.latency.ratio_cpu.length) {
      const r = [...c.latency.ratio_cpu].sort((a, b) => a - b);
      entry.ratio = { value: median(r), lower_value: r[0]!, upper_value: r[r.length - 1]! };
    }
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
