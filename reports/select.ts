/**
 * How the report reads variant facts out of result records (linkage, assignment method, exemplars,
 * distance mode, model), groups records into configurations and labels them. These are the conventions
 * the figures rely on; they are listed for variant authors in `reports/mod.ts`.
 * @module
 */
import type { ParamValue, ResultRecord } from "../benchmarks/results/schema.ts";
import { uniqueSorted } from "./stats.ts";

/** Stage order used when a parameter is looked up without a stage. */
const STAGE_ORDER = ["embed", "cluster", "assign", "reference"];

function stagesInOrder(r: ResultRecord): string[] {
  const names = Object.keys(r.variant.stages);
  return [...STAGE_ORDER.filter((s) => names.includes(s)), ...names.filter((s) => !STAGE_ORDER.includes(s)).sort()];
}

/**
 * A parameter of a run: from `stage` when given, else from the first stage (embed, cluster, assign, …) that has it.
 * @param r the record
 * @param names accepted parameter names, first match wins
 * @param stage restrict to this stage
 * @returns the value or undefined
 */
export function param(r: ResultRecord, names: readonly string[], stage?: string): ParamValue | undefined {
  const stages = stage ? [stage] : stagesInOrder(r);
  for (const s of stages) {
    const sv = r.variant.stages[s];
    if (!sv) continue;
    for (const n of names) if (n in sv.params) return sv.params[n];
  }
  return undefined;
}

/** Linkage of the clustering stage: param `linkage` (single, average, complete, median, median-sampled). */
export function linkageOf(r: ResultRecord): string | null {
  const v = param(r, ["linkage"]);
  return typeof v === "string" ? v : null;
}

/** Assignment methods the report knows (others still plot, in name order after these). */
export const ASSIGN_METHODS = ["sparse", "centroid", "exemplar", "knn", "crc"] as const;

/** Assignment method: the `assign` stage's param `method`, else its variant id. */
export function methodOf(r: ResultRecord): string | null {
  const st = r.variant.stages["assign"];
  if (!st) return null;
  const m = st.params["method"];
  return typeof m === "string" ? m : st.variant;
}

/** Exemplars per person of the assignment stage: param `exemplars` (or `exemplars_per_person`, `c`). */
export function exemplarsOf(r: ResultRecord): number | null {
  const v = param(r, ["exemplars", "exemplars_per_person", "c"], "assign");
  return typeof v === "number" ? v : null;
}

/**
 * Distance mode of the clustering stage: param `distance` (`face` | `face+body`); else `face` when
 * `beta` is 0 or `body` is false, `face+body` when `beta` > 0. Null when the run says nothing about it.
 */
export function distanceModeOf(r: ResultRecord): string | null {
  const d = param(r, ["distance"], "cluster");
  if (typeof d === "string") return d;
  const body = param(r, ["body", "use_body"], "cluster");
  if (typeof body === "boolean") return body ? "face+body" : "face";
  const beta = param(r, ["beta"], "cluster");
  if (typeof beta === "number") return beta === 0 ? "face" : "face+body";
  return null;
}

/** Model of a run: the embed stage's `model` / `face_model` param, else the embed variant id, else null. */
export function modelOf(r: ResultRecord): string | null {
  const st = r.variant.stages["embed"];
  const v = param(r, ["model", "face_model"], "embed") ?? param(r, ["model", "face_model"]);
  if (typeof v === "string") return v;
  return st ? st.variant : null;
}

/** Dimensions that describe a configuration, in display order: name → value as text. */
export type Dims = Record<string, string>;

/** Dimension names shown as a bare value in labels; the rest show as `name=value`. */
const BARE_DIMS = new Set(["dataset", "linkage", "method", "distance", "backend", "model", "variant", "experiment"]);

/**
 * The configuration of a run as display dimensions: experiment, dataset, backend, each stage's variant and
 * every parameter (flattened, a parameter name prefixed with its stage only when two stages share it).
 * Seeds and repeats are never dimensions: they are what a configuration is repeated over.
 * @param r the record
 * @param exclude dimension names to leave out (e.g. the x-axis parameter of a sweep)
 * @returns the dimensions
 */
export function dimsOf(r: ResultRecord, exclude: readonly string[] = []): Dims {
  const d: Dims = {
    experiment: r.experiment,
    dataset: r.dataset.name,
    backend: r.backend.software_adapter ? `${r.backend.used} [software adapter]` : r.backend.used,
  };
  const stages = stagesInOrder(r);
  const seen = new Map<string, number>();
  for (const s of stages) for (const k of Object.keys(r.variant.stages[s]!.params)) seen.set(k, (seen.get(k) ?? 0) + 1);
  for (const s of stages) {
    const sv = r.variant.stages[s]!;
    d[`${s}.variant`] = sv.variant;
    for (const k of Object.keys(sv.params).sort()) {
      if (k === "seed") continue;
      const name = seen.get(k)! > 1 ? `${s}.${k}` : k;
      d[name] = String(sv.params[k]);
    }
  }
  const m = methodOf(r);
  if (m !== null) d["method"] = m;
  const dm = distanceModeOf(r);
  if (dm !== null) d["distance"] = dm;
  for (const k of exclude) delete d[k];
  return d;
}

const NATURAL = new Intl.Collator("en", { numeric: true, sensitivity: "variant" });

/** Canonical key of a dims object. */
export function dimsKey(d: Dims): string {
  return JSON.stringify(Object.keys(d).sort().map((k) => [k, d[k]]));
}

/** Records grouped by configuration (dims), groups in key order. */
export interface Group {
  key: string;
  dims: Dims;
  records: ResultRecord[];
}

/**
 * Groups records whose dimensions (see {@link dimsOf}) are equal, i.e. repeats and seeds of one configuration.
 * @param records the records
 * @param exclude dimensions to ignore (so a sweep parameter does not split groups)
 * @returns groups sorted by key
 */
export function groupConfigs(records: readonly ResultRecord[], exclude: readonly string[] = []): Group[] {
  const map = new Map<string, Group>();
  for (const r of records) {
    const dims = dimsOf(r, exclude);
    const key = dimsKey(dims);
    const g = map.get(key);
    if (g) g.records.push(r);
    else map.set(key, { key, dims, records: [r] });
  }
  // Numeric-aware order, so exemplars=3 comes before exemplars=10.
  return [...map.values()].sort((a, b) => NATURAL.compare(a.key, b.key));
}

/**
 * Short legend labels: only the dimensions whose values differ between the groups, `primary` first.
 * @param groups the groups to label
 * @param primary dimension names to show first (and always, when present)
 * @returns one label per group, in order
 */
export function groupLabels(groups: readonly { dims: Dims }[], primary: readonly string[] = []): string[] {
  const names = uniqueSorted(groups.flatMap((g) => Object.keys(g.dims)));
  const varying = names.filter((n) => new Set(groups.map((g) => g.dims[n] ?? "")).size > 1);
  // A stage's variant id is redundant next to the parameters that distinguish it.
  const shown = [...primary.filter((p) => names.includes(p)), ...varying.filter((n) => !primary.includes(n))];
  return groups.map((g) => {
    const parts: string[] = [];
    for (const n of shown) {
      if (g.dims[n] === undefined) continue;
      const text = BARE_DIMS.has(n) || n.endsWith(".variant") ? g.dims[n]! : `${n}=${g.dims[n]}`;
      // A method named by its variant id would otherwise show twice ("sparse · sparse").
      if (!parts.includes(text)) parts.push(text);
    }
    return parts.length > 0 ? parts.join(" · ") : "all runs";
  });
}

/**
 * Short labels for configurations of one dataset, for text printed on a figure: what each experiment varies (its
 * linkage, its distance mode…), prefixed with the experiment's name when there are several experiments, and the
 * experiment's name alone for a one-configuration experiment.
 * @param groups configurations of one dataset
 * @param withBackend keep the backend as a dimension (when several backends are compared)
 * @returns one label per group, in order
 */
export function configLabels(groups: readonly Group[], withBackend = false): string[] {
  const experiments = uniqueSorted(groups.map((g) => g.dims["experiment"]!));
  const hidden = ["dataset", "experiment", ...(withBackend ? [] : ["backend"])];
  const labels = new Array<string>(groups.length);
  for (const e of experiments) {
    const idx = groups.map((_, i) => i).filter((i) => groups[i]!.dims["experiment"] === e);
    const dims = idx.map((i) => ({
      dims: Object.fromEntries(Object.entries(groups[i]!.dims).filter(([k]) => !hidden.includes(k))),
    }));
    const own = groupLabels(dims);
    idx.forEach((i, k) => {
      const l = idx.length === 1 ? "" : own[k]!;
      labels[i] = l === "" ? e : experiments.length > 1 ? `${e}: ${l}` : l;
    });
  }
  return labels;
}

/** Sorts names by a preferred order, unknown names after in alphabetical order. */
export function preferredOrder(names: Iterable<string>, preferred: readonly string[]): string[] {
  const all = uniqueSorted(names);
  return [...preferred.filter((p) => all.includes(p)), ...all.filter((n) => !preferred.includes(n))];
}

/**
 * The accuracy metric a figure uses: the first of `preferred` present in any record, else null.
 * @param records the records
 * @param preferred metric names in order of preference
 * @returns the metric name or null
 */
export function pickMetric(records: readonly ResultRecord[], preferred: readonly string[]): string | null {
  for (const m of preferred) if (records.some((r) => m in r.metrics)) return m;
  return null;
}

/**
 * Primary accuracy metrics in order of preference (clustering first, then assignment). `test.bcubed.f1` (the
 * threshold protocol's held-out number: test identities at the dev-tuned threshold) comes before `bcubed.f1`.
 */
export const ACCURACY_METRICS = [
  "test.bcubed.f1",
  "bcubed.f1",
  "top1",
  "pairwise.f1",
  "accuracy",
  "nmi",
  "ari",
] as const;

/**
 * The caption tail every figure carries: how many runs (and observations), which seeds, which spec(s).
 * @param records the records the figure drew from
 * @returns e.g. "n = 12 runs (3 configurations; dataset tiny: 2,000 observations); seeds 1, 2; spec 3fa2c1e9d0b4."
 */
export function captionTail(records: readonly ResultRecord[]): string {
  const datasets = new Map<string, number>();
  for (const r of records) datasets.set(r.dataset.name, r.dataset.n);
  const configs = new Set(records.map((r) => dimsKey(dimsOf(r)))).size;
  const seeds = uniqueSorted(records.map((r) => r.seed));
  const specs = uniqueSorted(records.map((r) => r.spec.hash.slice(0, 12)));
  const ds = [...datasets.entries()].sort().map(([name, n]) => `${name}: ${n.toLocaleString("en-US")} observations`);
  return `n = ${records.length} runs (${configs} configurations; ${ds.join(", ")}); ` +
    `seeds ${seeds.join(", ")}; spec ${specs.join(", ")}.`;
}

/** Experiments the records come from, sorted. */
export function experimentsOf(records: readonly ResultRecord[]): string[] {
  return uniqueSorted(records.map((r) => r.experiment));
}

/**
 * The records of the one experiment that best shows a comparison: an experiment named `preferred` (a spec
 * names an experiment after the figure it feeds, e.g. `iteration-time`) when it has any record with a key,
 * else the experiment with the most distinct values of `key` (e.g. linkages), ties to more records, then to
 * the experiment name. Records whose key is null are dropped. Keeps a figure about one comparison from
 * mixing in runs of other experiments.
 * @param records candidate records
 * @param key the compared value of a record, or null when it has none
 * @param preferred experiment name to use when present (the figure id)
 * @returns the chosen experiment's records (empty when none has a key) and its name
 */
export function focusExperiment(
  records: readonly ResultRecord[],
  key: (r: ResultRecord) => string | null,
  preferred?: string,
): { experiment: string | null; records: ResultRecord[] } {
  const by = new Map<string, { keys: Set<string>; records: ResultRecord[] }>();
  for (const r of records) {
    const k = key(r);
    if (k === null) continue;
    const e = by.get(r.experiment) ?? { keys: new Set(), records: [] };
    e.keys.add(k);
    e.records.push(r);
    by.set(r.experiment, e);
  }
  if (preferred !== undefined && by.has(preferred)) {
    return { experiment: preferred, records: by.get(preferred)!.records };
  }
  let best: string | null = null;
  for (const name of [...by.keys()].sort()) {
    const e = by.get(name)!;
    const b = best === null ? undefined : by.get(best)!;
    if (!b || e.keys.size > b.keys.size || (e.keys.size === b.keys.size && e.records.length > b.records.length)) {
      best = name;
    }
  }
  return { experiment: best, records: best === null ? [] : by.get(best)!.records };
}
