/**
 * Two sweeps' records compared timings aside: which runs of one configuration computed something else. Used to
 * show that a refactor changed no result (`benchmarks/tools/compare_records.ts`), and by the resume and Slurm
 * tests (same records as an uninterrupted, unsharded sweep).
 * @module
 */
import { join } from "node:path";
import type { ResultRecord } from "./schema.ts";

/** What a run computed: everything but timings, clocks, machine, paths and ids that hash the code version. */
export interface RecordEssence {
  experiment: string;
  dataset: { name: string; seed: number | null; manifest_hash: string };
  /** Stage → variant id and every parameter value (defaults included), ignored parameters left out. */
  stages: Record<string, { variant: string; params: Record<string, unknown> }>;
  seed: number;
  repeat: number;
  status: string;
  error: string | null;
  metrics: Record<string, number>;
  subgroups: ResultRecord["subgroups"];
  counters: Record<string, number>;
  curves: ResultRecord["curves"];
}

/** Options of {@link recordEssence} and {@link compareRecords}. */
export interface CompareOptions {
  /**
   * Parameters to leave out of the comparison, e.g. settings one side pins explicitly (`untimed_order`) that the
   * other side's code does not know.
   */
  ignoreParams?: readonly string[];
}

/**
 * The part of a record that two runs of one configuration share when the code computes the same thing.
 * @param r a record
 * @param options parameters to leave out
 * @returns a plain object (compare with JSON or deep equality)
 */
export function recordEssence(r: ResultRecord, options: CompareOptions = {}): RecordEssence {
  const ignore = new Set(options.ignoreParams ?? []);
  const stages: RecordEssence["stages"] = {};
  for (const [stage, s] of Object.entries(r.variant.stages)) {
    const params = Object.fromEntries(Object.entries(s.params).filter(([k]) => !ignore.has(k)));
    stages[stage] = { variant: s.variant, params };
  }
  return {
    experiment: r.experiment,
    dataset: { name: r.dataset.name, seed: r.dataset.seed ?? null, manifest_hash: r.dataset.manifest_hash },
    stages,
    seed: r.seed,
    repeat: r.repeat,
    status: r.status,
    error: r.error,
    metrics: r.metrics,
    subgroups: r.subgroups,
    counters: r.counters,
    curves: r.curves,
  };
}

/** One field that differs between the two runs of a configuration. */
export interface FieldDifference {
  /** `metrics.bcubed.f1`, `counters.merges`, `subgroups.gender/female/bcubed.f1`, `curves.x`, `params.cluster.t1`, … */
  field: string;
  /** The value on side A, or undefined when only B has the field. */
  a: unknown;
  b: unknown;
}

/** The two runs of one configuration and what differs between them. */
export interface RunDifference {
  /** `experiment/dataset/label/seed=…#repeat` of side B. */
  run: string;
  differences: FieldDifference[];
}

/** The outcome of {@link compareRecords}. */
export interface RecordComparison {
  /** Runs found on both sides. */
  matched: number;
  /** Matched runs whose essence is identical (artifact bytes included when they were compared). */
  identical: number;
  /** Matched runs that differ, field by field. */
  differing: RunDifference[];
  /** Runs only on side A / only on side B (no run of the same configuration on the other side). */
  onlyA: string[];
  onlyB: string[];
  /** Parameters (`stage.name`) that only one side's matched runs have: settings the other code version lacks. */
  paramsOnlyA: string[];
  paramsOnlyB: string[];
}

function runName(r: ResultRecord): string {
  return `${r.experiment}/${r.dataset.name}/${r.variant.label}/seed=${r.seed}#${r.repeat}`;
}

/** Experiment, dataset, stage variants, seed and repeat: runs of one configuration agree on these. */
function groupKey(r: ResultRecord): string {
  const stages = Object.entries(r.variant.stages).map(([stage, s]) => `${stage}=${s.variant}`).sort();
  return JSON.stringify([r.experiment, r.dataset.name, stages, r.seed, r.repeat]);
}

/**
 * Whether two records are runs of one configuration: same group and the same value of every parameter both
 * know (a parameter only one side has is a setting the other code version lacks, at its default there).
 */
function sameConfiguration(a: RecordEssence, b: RecordEssence): boolean {
  for (const [stage, sa] of Object.entries(a.stages)) {
    const sb = b.stages[stage]!;
    for (const [k, v] of Object.entries(sa.params)) {
      if (k in sb.params && JSON.stringify(sb.params[k]) !== JSON.stringify(v)) return false;
    }
  }
  return true;
}

function diffMaps(prefix: string, a: Record<string, unknown>, b: Record<string, unknown>): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push({ field: `${prefix}.${k}`, a: a[k], b: b[k] });
  }
  return out;
}

function subgroupMap(s: ResultRecord["subgroups"]): Record<string, unknown> {
  return Object.fromEntries(
    s.map((g) => [`${g.attribute}/${g.group}/${g.metric}`, { value: g.value, n: g.n, ci: [g.ci_low, g.ci_high] }]),
  );
}

function paramNames(e: RecordEssence): string[] {
  return Object.entries(e.stages).flatMap(([stage, s]) => Object.keys(s.params).map((k) => `${stage}.${k}`));
}

/** Every field of two essences of one configuration that differs (parameters aside: they matched them). */
export function essenceDifferences(a: RecordEssence, b: RecordEssence): FieldDifference[] {
  const scalar = (field: "status" | "error") => a[field] === b[field] ? [] : [{ field, a: a[field], b: b[field] }];
  return [
    ...scalar("status"),
    ...scalar("error"),
    ...diffMaps("dataset", a.dataset, b.dataset),
    ...diffMaps("metrics", a.metrics, b.metrics),
    ...diffMaps("counters", a.counters, b.counters),
    ...diffMaps("subgroups", subgroupMap(a.subgroups), subgroupMap(b.subgroups)),
    ...diffMaps("curves", a.curves, b.curves),
  ];
}

/**
 * Matches the runs of two sweeps by configuration (experiment, dataset, stage variants, the parameters both
 * sides know, seed, repeat — not by run id, which hashes the code version) and lists what differs, timings aside.
 *
 * @param a records of side A (e.g. the older code)
 * @param b records of side B
 * @param options parameters to ignore; `dirs` (the two results folders) also compares the bytes of each run's
 *   artifacts (labels) of the same name
 * @returns matched, identical and differing runs, and the runs of one side only
 * @throws {Error} when a run matches more than one run of the other side (add the telling parameter back)
 * @example
 * ```ts
 * import { compareRecords } from "./compare.ts";
 * const comparison = await compareRecords([], []);
 * if (comparison.matched !== 0 || comparison.differing.length !== 0) throw new Error();
 * ```
 */
export async function compareRecords(
  a: readonly ResultRecord[],
  b: readonly ResultRecord[],
  options: CompareOptions & { dirs?: [string, string] } = {},
): Promise<RecordComparison> {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of b) groups.set(groupKey(r), [...groups.get(groupKey(r)) ?? [], r]);
  const usedB = new Set<ResultRecord>();
  const out: RecordComparison = {
    matched: 0,
    identical: 0,
    differing: [],
    onlyA: [],
    onlyB: [],
    paramsOnlyA: [],
    paramsOnlyB: [],
  };
  const onlyA = new Set<string>(), onlyB = new Set<string>();
  for (const ra of a) {
    const ea = recordEssence(ra, options);
    const candidates = (groups.get(groupKey(ra)) ?? []).filter((rb) =>
      sameConfiguration(ea, recordEssence(rb, options))
    );
    if (candidates.length > 1) {
      throw new Error(`${runName(ra)} matches ${candidates.length} runs of the other side: ignore fewer parameters`);
    }
    const rb = candidates[0];
    if (!rb || usedB.has(rb)) {
      out.onlyA.push(runName(ra));
      continue;
    }
    usedB.add(rb);
    out.matched++;
    const eb = recordEssence(rb, options);
    const namesA = paramNames(ea), namesB = paramNames(eb);
    for (const n of namesA) if (!namesB.includes(n)) onlyA.add(n);
    for (const n of namesB) if (!namesA.includes(n)) onlyB.add(n);
    const differences = essenceDifferences(ea, eb);
    if (options.dirs) differences.push(...await artifactDifferences(ra, rb, options.dirs));
    if (differences.length === 0) out.identical++;
    else out.differing.push({ run: runName(rb), differences });
  }
  out.onlyB = b.filter((r) => !usedB.has(r)).map(runName);
  out.paramsOnlyA = [...onlyA].sort();
  out.paramsOnlyB = [...onlyB].sort();
  return out;
}

/** Artifacts of the same name whose bytes differ (or that one side lacks). */
async function artifactDifferences(a: ResultRecord, b: ResultRecord, dirs: [string, string]) {
  const out: FieldDifference[] = [];
  const read = (dir: string, rel: string | undefined) =>
    rel === undefined ? Promise.resolve(null) : Deno.readFile(join(dir, rel)).catch(() => null);
  for (const name of [...new Set([...Object.keys(a.artifacts), ...Object.keys(b.artifacts)])].sort()) {
    const [x, y] = await Promise.all([read(dirs[0], a.artifacts[name]), read(dirs[1], b.artifacts[name])]);
    const same = x !== null && y !== null && x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same) {
      const describe = (v: Uint8Array | null) => (v === null ? "missing" : `${v.length} bytes`);
      out.push({ field: `artifacts.${name}`, a: describe(x), b: describe(y) });
    }
  }
  return out;
}
