/**
 * The result record: one line of a results `results.jsonl` file, i.e. one measured run (one repeat of one
 * configuration) of a sweep. This is the contract between the runner (writes), the results store
 * (DuckDB, query, export, merge), the regression gate and the reports (read).
 *
 * Stability: version 1 is frozen. Changes may only ADD optional fields; each addition is listed in
 * {@link RESULT_SCHEMA_CHANGES} with the date. Readers must ignore fields they do not know.
 *
 * Conventions:
 * - Metric names are flat dotted strings: `bcubed.f1`, `pairwise.precision`, `ari`, `top1`,
 *   `fairness.gender.bcubed.f1.gap`. Each metric's direction (is higher better?) is declared in the
 *   record itself ({@link ResultRecord.metric_directions}) and by {@link metricDirection}.
 * - Times are seconds, memory is MiB, timestamps are ISO 8601 UTC strings.
 * - A failed or timed-out run is still a record: `status` says so, `error` says why, metrics may be empty.
 *
 * @module
 */

/** Schema tag written in every record. */
export const RESULT_SCHEMA = "peoplebench-result";
/** Current schema version. */
export const RESULT_SCHEMA_VERSION = 1;
/** Additive changes since version 1 was frozen (date: field). */
export const RESULT_SCHEMA_CHANGES: readonly string[] = [
  "2026-12-07: timings.paired (candidate and reference workload interleaved in one process, per-pair ratios)",
  "2026-12-07: shard ({index, count} of `pb run --shard`, or null) — the gate compares runs per host and shard",
];

/** Outcome of a run. */
export type RunStatus = "ok" | "failed" | "timeout";
/** All run statuses. */
export const RUN_STATUSES: readonly RunStatus[] = ["ok", "failed", "timeout"];

/** Whether a larger value of a metric is better. `none`: informative only (counts, sizes). */
export type MetricDirection = "higher" | "lower" | "none";

/** A parameter value after grid expansion. */
export type ParamValue = number | string | boolean | null;

/** One pipeline stage of a run: which variant ran with which fully resolved parameters (defaults filled in). */
export interface StageVariant {
  /** Registered variant id, kebab-case (`hac`, `two-pass`, `sparse`). */
  variant: string;
  /** Every parameter of the variant, defaults included, so that a record is self-contained. */
  params: Record<string, ParamValue>;
}

/** The variant combination of a run. */
export interface VariantInfo {
  /**
   * Human-readable, deterministic label of the combination, e.g.
   * `cluster=hac(linkage=average,threshold=0.5)`. Stable across code versions.
   */
  label: string;
  /** Stage name (`cluster`, `assign`, `embed`, `reference`, …) → variant and resolved params. */
  stages: Record<string, StageVariant>;
}

/** The dataset a run used. */
export interface DatasetInfo {
  /** Name given in the spec (`tiny-s1`, `celeb24`). */
  name: string;
  /** Generator preset (`tiny`, `small`, …) or null for a dataset folder. */
  preset: string | null;
  /** Dataset folder as given in the spec (relative to the spec file), or null for a preset. */
  path: string | null;
  /** Generator seed (presets) or the manifest's seed; null when unknown. */
  seed: number | null;
  /** SHA-256 (hex) of the dataset's `dataset.json` plus the sizes of its data files. */
  manifest_hash: string;
  /** Observations. */
  n: number;
  /** Distinct known identities. */
  identities: number;
  /** Subgroup attribute columns in the dataset (fairness is computed for each). */
  attributes: string[];
}

/** A per-subgroup metric (fairness). */
export interface SubgroupMetric {
  /** Attribute column (`gender`, `age_group`, `skin_tone`). */
  attribute: string;
  /** Group value (`female`). */
  group: string;
  /** Metric name as in {@link ResultRecord.metrics} (`bcubed.f1`, `top1`). */
  metric: string;
  value: number;
  /** Observations of the group that the metric covers. */
  n: number;
  /** Bootstrap confidence interval (over identities, seeded); null when not computed. */
  ci_low: number | null;
  ci_high: number | null;
}

/** A curve such as precision against threshold. */
export interface Curve {
  x: number[];
  y: number[];
  x_label: string;
  y_label: string;
}

/** Which clock a latency ratio uses: process CPU time (user + system, all threads) or wall time. */
export type TimingMeasure = "cpu" | "wall";

/**
 * Paired, interleaved timings of one run (added 2026-12-07): the reference workload (A) and the candidate (B)
 * alternate in the run's process, A B A B … A; pair i's ratio divides B_i by the geometric mean of A_i and
 * A_{i+1}, so the ratio never uses a reference measured at another moment, in another process or on another host.
 */
export interface PairedTimings {
  /** Parameters of the reference workload (`reference` variant). */
  reference: Record<string, number>;
  /** The measure whose interval decided when to stop adding pairs. */
  measure: TimingMeasure;
  /** Candidate wall / CPU seconds per pair. */
  wall_s: number[];
  cpu_s: number[];
  /** Reference wall / CPU seconds: one more than pairs (before the first pair and after each). */
  ref_wall_s: number[];
  ref_cpu_s: number[];
  /** Per-pair ratios candidate / reference. */
  ratio_wall: number[];
  ratio_cpu: number[];
  /** Why pairs stopped: the interval was narrow enough, or the pair or time budget was spent. */
  stopped: "target" | "max_pairs" | "budget";
}

/** Time and memory of the measured part of a run (after warm-ups; dataset loading excluded). */
export interface Timings {
  /** Wall-clock seconds of the measured repetition (with {@link paired}: the median over the pairs). */
  wall_s: number;
  /** CPU seconds (user + system) of the child process during the measured repetition (paired: the median). */
  cpu_s: number;
  /** Peak resident memory of the child process (VmHWM), MiB. */
  peak_rss_mb: number;
  /**
   * Raw per-item samples in seconds, kept for distributions: `merge_seconds` (one per HAC merge),
   * `query_seconds` (one per assignment query), `batch_seconds`, ….
   */
  samples: Record<string, number[]>;
  /** Paired timings against the reference workload; absent in records from before 2026-12-07. */
  paired?: PairedTimings;
}

/** The execution backend a run requested and the one that actually ran (never a silent fallback). */
export interface BackendInfo {
  /** What the spec asked for (`cpu`, `cuda`, `auto`); null when the run has no model stage. */
  requested: string | null;
  /** What ran (`cpu`, `typescript`, `onnxruntime-cpu`, `cuda`). */
  used: string;
  /** Free text, e.g. why a provider was unavailable. */
  detail: string | null;
  /** WebGPU runs: the adapter (description, vendor, architecture); absent or null elsewhere. */
  adapter?: string | null;
  /** True when the adapter is a software/fallback one (lavapipe): its timings are not a GPU's. */
  software_adapter?: boolean;
}

/** The machine and code a run executed on. */
export interface EnvInfo {
  /** Commit of the working tree at sweep start, or null outside git. */
  git_sha: string | null;
  /** Whether tracked files differed from the commit at sweep start. */
  git_dirty: boolean;
  /** The code version that went into the run id (`<sha>` or `<sha>+dirty.<hash of the diff>`). */
  code_version: string;
  deno: string;
  v8: string;
  typescript: string;
  /** onnxruntime-node version from the installed package, or null when not installed. */
  onnxruntime: string | null;
  cpu_model: string;
  cores: number;
  memory_gb: number;
  /** `linux x86_64 6.8.0`. */
  os: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  load_avg: number[];
  /** SHA-256 of `deno.lock`, or null. */
  lockfile_hash: string | null;
  hostname: string;
}

/** The spec a run came from. */
export interface SpecInfo {
  /** `name` field of the spec. */
  name: string;
  /** SHA-256 of the canonical JSON of the whole spec. */
  hash: string;
  /** Path of the spec file as given on the command line. */
  path: string;
}

/** One result record (one JSONL line). */
export interface ResultRecord {
  schema: typeof RESULT_SCHEMA;
  schema_version: typeof RESULT_SCHEMA_VERSION;
  /**
   * Identity of this run: hash of the canonical run spec (experiment, dataset, stages + params, seed,
   * repeat, warm-ups), the dataset manifest hash and the code version. Two records with the same id are
   * the same run; a resumed sweep skips ids it already has.
   */
  run_id: string;
  /**
   * Identity of the configuration independent of code version, dataset bytes and repeat: hash of
   * experiment + dataset name and entry + stage variants with the params given in the spec (defaults left
   * out) + seed. Repeats of one configuration share it; the gate
   * matches baseline and current results by it.
   */
  config_id: string;
  spec: SpecInfo;
  /** Experiment (run group) name inside the spec. */
  experiment: string;
  variant: VariantInfo;
  dataset: DatasetInfo;
  /** Seed of the run (variants draw every random choice from it). */
  seed: number;
  /** Repeat index, 0-based. */
  repeat: number;
  /** Repeats of this configuration in the sweep. */
  repeats: number;
  /** Warm-up repetitions done in the child before the measured one. */
  warmups: number;
  /** Shard of a sharded sweep (`pb run --shard i/n`), null for an unsharded one; absent in older records. */
  shard?: { index: number; count: number } | null;
  status: RunStatus;
  /** Error message (one line) when status is not `ok`, else null. */
  error: string | null;
  /** Flat metric map, e.g. `"bcubed.f1": 0.93`. Only finite numbers. */
  metrics: Record<string, number>;
  /** Direction of every metric in {@link metrics}. */
  metric_directions: Record<string, MetricDirection>;
  /** Per-subgroup metrics for every attribute of the dataset. */
  subgroups: SubgroupMetric[];
  /** Counters of the work done (`merges`, `pair_distances`, `inversions`); not compared by the gate. */
  counters: Record<string, number>;
  timings: Timings;
  /** Curves by name, e.g. `threshold.bcubed.f1`, `kept.precision`. */
  curves: Record<string, Curve>;
  backend: BackendInfo;
  env: EnvInfo;
  /** Files the run wrote, relative to the results folder (`runs/<run_id>/labels.npy`). */
  artifacts: Record<string, string>;
  started_at: string;
  finished_at: string;
}

/** Direction rules by metric-name suffix or name; the first match wins. */
const DIRECTION_RULES: ReadonlyArray<[RegExp, MetricDirection]> = [
  [/\.(gap|std|skewed_error_ratio)$/, "lower"],
  [/(^|\.)(worst|best)$/, "higher"],
  [/(^|\.)(precision|recall|f1|ari|nmi|top1|accuracy|auc|tpr(_at_fpr_[0-9.e-]+)?)$/, "higher"],
  [/(^|\.)(fpr|error|eer|inversions)$/, "lower"],
  [/(_s|_seconds|_ms|_mb|seconds|ratio)$/, "lower"],
];

/**
 * The direction of a metric by its name, used when a variant does not declare one.
 * @param name flat metric name, e.g. `bcubed.f1` or `fairness.gender.bcubed.f1.gap`
 * @returns `higher`, `lower` or `none` (informative, e.g. `clusters`)
 * @example
 * ```ts
 * import { metricDirection } from "./schema.ts";
 * if (metricDirection("bcubed.f1") !== "higher") throw new Error();
 * ```
 */
export function metricDirection(name: string): MetricDirection {
  for (const [re, dir] of DIRECTION_RULES) if (re.test(name)) return dir;
  return "none";
}

/** A record that does not conform to the schema; `path` is a JSON path such as `timings.samples.merge_seconds[3]`. */
export class RecordError extends Error {
  override name = "RecordError";
  /**
   * @param path where in the record
   * @param problem what is wrong
   */
  constructor(readonly path: string, readonly problem: string) {
    super(`${path || "<record>"}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new RecordError(path, `must be an object, got ${kind(v)}`);
  return v;
}
function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}
function str(o: Obj, k: string, path: string, nullable = false): void {
  const v = o[k];
  if (nullable && v === null) return;
  if (typeof v !== "string") {
    throw new RecordError(`${path}${k}`, `must be a string${nullable ? " or null" : ""}, got ${kind(v)}`);
  }
}
function nonEmpty(o: Obj, k: string, path: string): void {
  str(o, k, path);
  if ((o[k] as string).length === 0) throw new RecordError(`${path}${k}`, "must not be empty");
}
function finite(o: Obj, k: string, path: string, opts: { nullable?: boolean; min?: number; int?: boolean } = {}): void {
  const v = o[k];
  if (opts.nullable && v === null) return;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RecordError(`${path}${k}`, `must be a finite number${opts.nullable ? " or null" : ""}, got ${kind(v)}`);
  }
  if (opts.int && !Number.isInteger(v)) throw new RecordError(`${path}${k}`, `must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new RecordError(`${path}${k}`, `must be ≥ ${opts.min}, got ${v}`);
}
function bool(o: Obj, k: string, path: string): void {
  if (typeof o[k] !== "boolean") throw new RecordError(`${path}${k}`, `must be a boolean, got ${kind(o[k])}`);
}
function numArray(v: unknown, path: string): number[] {
  if (!Array.isArray(v)) throw new RecordError(path, `must be an array of numbers, got ${kind(v)}`);
  v.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RecordError(`${path}[${i}]`, `must be a finite number, got ${kind(x)}`);
    }
  });
  return v as number[];
}
function strArray(v: unknown, path: string): void {
  if (!Array.isArray(v)) throw new RecordError(path, `must be an array of strings, got ${kind(v)}`);
  v.forEach((x, i) => {
    if (typeof x !== "string") throw new RecordError(`${path}[${i}]`, `must be a string, got ${kind(x)}`);
  });
}
function isoTime(o: Obj, k: string, path: string): void {
  str(o, k, path);
  if (Number.isNaN(Date.parse(o[k] as string))) {
    throw new RecordError(`${path}${k}`, `must be an ISO 8601 time, got "${o[k]}"`);
  }
}

/**
 * Checks that a parsed JSON value is a valid {@link ResultRecord} (schema version 1 or a later additive one).
 * Unknown extra fields are allowed (forward compatibility).
 * @param value parsed JSON
 * @returns the same value, typed
 * @throws {RecordError} naming the path of the first problem and what is wrong
 * @example
 * ```ts
 * import { RecordError, validateResultRecord } from "./schema.ts";
 * try { validateResultRecord({ schema: "x" }); } catch (e) { if (!(e instanceof RecordError)) throw e; }
 * ```
 */
export function validateResultRecord(value: unknown): ResultRecord {
  const r = obj(value, "");
  if (r.schema !== RESULT_SCHEMA) {
    throw new RecordError("schema", `must be "${RESULT_SCHEMA}", got ${JSON.stringify(r.schema)}`);
  }
  if (typeof r.schema_version !== "number" || !Number.isInteger(r.schema_version) || r.schema_version < 1) {
    throw new RecordError("schema_version", `must be a positive integer, got ${JSON.stringify(r.schema_version)}`);
  }
  nonEmpty(r, "run_id", "");
  nonEmpty(r, "config_id", "");
  const spec = obj(r.spec, "spec");
  nonEmpty(spec, "name", "spec.");
  nonEmpty(spec, "hash", "spec.");
  str(spec, "path", "spec.");
  nonEmpty(r, "experiment", "");
  const variant = obj(r.variant, "variant");
  str(variant, "label", "variant.");
  const stages = obj(variant.stages, "variant.stages");
  for (const [name, sv] of Object.entries(stages)) {
    const p = `variant.stages.${name}`;
    const s = obj(sv, p);
    nonEmpty(s, "variant", `${p}.`);
    const params = obj(s.params, `${p}.params`);
    for (const [k, v] of Object.entries(params)) {
      const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
        (typeof v === "number" && Number.isFinite(v));
      if (!ok) throw new RecordError(`${p}.params.${k}`, `must be a number, string, boolean or null, got ${kind(v)}`);
    }
  }
  const ds = obj(r.dataset, "dataset");
  nonEmpty(ds, "name", "dataset.");
  str(ds, "preset", "dataset.", true);
  str(ds, "path", "dataset.", true);
  finite(ds, "seed", "dataset.", { nullable: true, int: true });
  nonEmpty(ds, "manifest_hash", "dataset.");
  finite(ds, "n", "dataset.", { min: 0, int: true });
  finite(ds, "identities", "dataset.", { min: 0, int: true });
  strArray(ds.attributes, "dataset.attributes");
  finite(r, "seed", "", { int: true });
  finite(r, "repeat", "", { min: 0, int: true });
  finite(r, "repeats", "", { min: 1, int: true });
  finite(r, "warmups", "", { min: 0, int: true });
  if (r.shard !== undefined && r.shard !== null) {
    const sh = obj(r.shard, "shard");
    finite(sh, "index", "shard.", { min: 1, int: true });
    finite(sh, "count", "shard.", { min: 1, int: true });
  }
  if (!RUN_STATUSES.includes(r.status as RunStatus)) {
    throw new RecordError("status", `must be one of ${RUN_STATUSES.join(", ")}, got ${JSON.stringify(r.status)}`);
  }
  str(r, "error", "", true);
  if (r.status !== "ok" && typeof r.error !== "string") {
    throw new RecordError("error", `must say why a run with status "${r.status}" did not succeed`);
  }
  const metrics = obj(r.metrics, "metrics");
  for (const k of Object.keys(metrics)) finite(metrics, k, "metrics.");
  const dirs = obj(r.metric_directions, "metric_directions");
  for (const k of Object.keys(metrics)) {
    if (!["higher", "lower", "none"].includes(dirs[k] as string)) {
      throw new RecordError(
        `metric_directions.${k}`,
        `must be "higher", "lower" or "none", got ${JSON.stringify(dirs[k])}`,
      );
    }
  }
  if (!Array.isArray(r.subgroups)) throw new RecordError("subgroups", `must be an array, got ${kind(r.subgroups)}`);
  r.subgroups.forEach((g, i) => {
    const p = `subgroups[${i}].`;
    const s = obj(g, `subgroups[${i}]`);
    nonEmpty(s, "attribute", p);
    str(s, "group", p);
    nonEmpty(s, "metric", p);
    finite(s, "value", p);
    finite(s, "n", p, { min: 0, int: true });
    finite(s, "ci_low", p, { nullable: true });
    finite(s, "ci_high", p, { nullable: true });
  });
  const counters = obj(r.counters, "counters");
  for (const k of Object.keys(counters)) finite(counters, k, "counters.");
  const t = obj(r.timings, "timings");
  finite(t, "wall_s", "timings.", { min: 0 });
  finite(t, "cpu_s", "timings.", { min: 0 });
  finite(t, "peak_rss_mb", "timings.", { min: 0 });
  const samples = obj(t.samples, "timings.samples");
  for (const [k, v] of Object.entries(samples)) numArray(v, `timings.samples.${k}`);
  if (t.paired !== undefined) validatePaired(t.paired);
  const curves = obj(r.curves, "curves");
  for (const [k, c] of Object.entries(curves)) {
    const p = `curves.${k}`;
    const co = obj(c, p);
    const x = numArray(co.x, `${p}.x`);
    const y = numArray(co.y, `${p}.y`);
    if (x.length !== y.length) {
      throw new RecordError(p, `x and y must have equal lengths, got ${x.length} and ${y.length}`);
    }
    str(co, "x_label", `${p}.`);
    str(co, "y_label", `${p}.`);
  }
  const b = obj(r.backend, "backend");
  str(b, "requested", "backend.", true);
  str(b, "used", "backend.");
  str(b, "detail", "backend.", true);
  if (b.adapter !== undefined) str(b, "adapter", "backend.", true);
  if (b.software_adapter !== undefined) bool(b, "software_adapter", "backend.");
  const env = obj(r.env, "env");
  str(env, "git_sha", "env.", true);
  bool(env, "git_dirty", "env.");
  nonEmpty(env, "code_version", "env.");
  for (const k of ["deno", "v8", "typescript", "cpu_model", "os", "hostname"]) str(env, k, "env.");
  str(env, "onnxruntime", "env.", true);
  finite(env, "cores", "env.", { min: 0, int: true });
  finite(env, "memory_gb", "env.", { min: 0 });
  numArray(env.load_avg, "env.load_avg");
  str(env, "lockfile_hash", "env.", true);
  const artifacts = obj(r.artifacts, "artifacts");
  for (const k of Object.keys(artifacts)) str(artifacts, k, "artifacts.");
  isoTime(r, "started_at", "");
  isoTime(r, "finished_at", "");
  return r as unknown as ResultRecord;
}

function validatePaired(value: unknown): void {
  const p = obj(value, "timings.paired");
  const ref = obj(p.reference, "timings.paired.reference");
  for (const k of Object.keys(ref)) finite(ref, k, "timings.paired.reference.");
  if (p.measure !== "cpu" && p.measure !== "wall") {
    throw new RecordError("timings.paired.measure", `must be "cpu" or "wall", got ${JSON.stringify(p.measure)}`);
  }
  const pairs = numArray(p.wall_s, "timings.paired.wall_s").length;
  for (const k of ["cpu_s", "ratio_wall", "ratio_cpu"]) {
    const n = numArray(p[k], `timings.paired.${k}`).length;
    if (n !== pairs) throw new RecordError(`timings.paired.${k}`, `must have ${pairs} values (one per pair), got ${n}`);
  }
  for (const k of ["ref_wall_s", "ref_cpu_s"]) {
    const n = numArray(p[k], `timings.paired.${k}`).length;
    if (n !== pairs + 1) throw new RecordError(`timings.paired.${k}`, `must have ${pairs + 1} values, got ${n}`);
  }
  if (!["target", "max_pairs", "budget"].includes(p.stopped as string)) {
    throw new RecordError("timings.paired.stopped", `must be "target", "max_pairs" or "budget"`);
  }
}

/**
 * Parses one JSONL line into a validated record.
 * @param line the text of the line, without its newline
 * @param where file and line for the message, e.g. `results.jsonl:12`
 * @returns the record
 * @throws {RecordError} on invalid JSON or an invalid record, its path prefixed with `where`
 */
export function parseResultLine(line: string, where: string): ResultRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new RecordError(where, `invalid JSON: ${(e as Error).message}`);
  }
  try {
    return validateResultRecord(value);
  } catch (e) {
    if (e instanceof RecordError) throw new RecordError(`${where}: ${e.path}`, e.problem);
    throw e;
  }
}
