/**
 * Experiment specs: a JSON file naming datasets, experiments (run groups) and, per experiment, the pipeline
 * stages with their variants and parameter grids. Validated with errors that give the JSON path and the
 * problem: `experiments[1].stages.cluster.params.linkage[2]: must be one of single, average, got "avg"`.
 *
 * ```jsonc
 * {
 *   "name": "ci",
 *   "defaults": { "repeats": 3, "warmups": 1, "seeds": [1], "timeout_s": 120 },
 *   "datasets": {
 *     "tiny": { "preset": "tiny", "seed": 1 },
 *     "celeb24": { "path": "${DATA_CACHE}/celeb24-mobilefacenet", "optional": true }
 *   },
 *   "experiments": [{
 *     "name": "linkage",
 *     "datasets": ["tiny"],
 *     "stages": { "cluster": { "variant": "hac", "params": { "linkage": ["average", "median"], "threshold": 0.5 } } }
 *   }]
 * }
 * ```
 * A parameter given as an array is a grid axis; a stage given as an array of entries is a list of alternatives;
 * the runs of an experiment are the cartesian product of datasets × stage alternatives × grids × seeds × repeats.
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { ParamValue } from "../results/schema.ts";
import { getVariant, resolveParams } from "../variants/registry.ts";
import { type Stage, STAGES } from "../variants/types.ts";
import { checkTiming, type TimingSettings } from "../runner/paired.ts";
import type { DatasetEntry } from "../datasets.ts";

export type { DatasetEntry };

/** Repeats, warm-ups, seeds and the time limit, settable per spec (`defaults`) and per experiment. */
export interface RunSettings {
  /** Measured repetitions per configuration, each in its own process [3]. */
  repeats: number;
  /** Unmeasured repetitions before the measured one, in the same process [1]. */
  warmups: number;
  /** Seeds; each is its own configuration [[1]]. */
  seeds: number[];
  /** Per-run wall-clock limit in seconds; the child is killed beyond it [300]. */
  timeout_s: number;
}

/** Statistics options. */
export interface MetricSettings {
  /** Bootstrap resamples over identities for confidence intervals (0 = none) [200]. */
  bootstrap: number;
  /** Confidence level of the intervals [0.95]. */
  confidence: number;
  /** Seed of the bootstrap [20210601]. */
  bootstrap_seed: number;
  /** Per-subgroup metrics for every attribute of the dataset [true]. */
  fairness: boolean;
}

/** One stage alternative: a variant and its parameters (arrays are grid axes). */
export interface StageEntry {
  variant: string;
  params?: Record<string, ParamValue | ParamValue[]>;
}

/** A run group. */
export interface ExperimentEntry extends Partial<RunSettings> {
  name: string;
  description?: string;
  /** Names of datasets of the spec. */
  datasets: string[];
  stages: Partial<Record<Stage, StageEntry | StageEntry[]>>;
}

/** A validated spec. */
export interface ExperimentSpec {
  name: string;
  description?: string;
  /** Modules (relative to the spec) that register extra variants. */
  plugins?: string[];
  defaults?: Partial<RunSettings>;
  metrics?: Partial<MetricSettings>;
  /** How runs are timed: pairs with the reference workload, adaptive repeats (benchmarks/runner/paired.ts). */
  timing?: Partial<TimingSettings>;
  datasets: Record<string, DatasetEntry>;
  experiments: ExperimentEntry[];
}

/** Defaults of {@link RunSettings}. */
export const DEFAULT_RUN_SETTINGS: RunSettings = { repeats: 3, warmups: 1, seeds: [1], timeout_s: 300 };
/** Defaults of {@link MetricSettings}. */
export const DEFAULT_METRIC_SETTINGS: MetricSettings = {
  bootstrap: 200,
  confidence: 0.95,
  bootstrap_seed: 20210601,
  fairness: true,
};

/** An invalid spec: names the file, the JSON path and the problem. */
export class SpecError extends Error {
  override name = "SpecError";
  /**
   * @param file spec file
   * @param path JSON path (`experiments[0].stages.cluster.variant`)
   * @param problem what is wrong
   */
  constructor(readonly file: string, readonly path: string, readonly problem: string) {
    super(`${file}: ${path || "<root>"}: ${problem}`);
  }
}

type Obj = Record<string, unknown>;
const kindOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Validates a parsed spec against the schema and the variant registry.
 * @param value parsed JSON
 * @param file the spec's path, for messages
 * @returns the typed spec
 * @throws {SpecError} at the first problem, with its path
 */
export function validateSpec(value: unknown, file: string): ExperimentSpec {
  const fail = (path: string, problem: string): never => {
    throw new SpecError(file, path, problem);
  };
  const obj = (v: unknown, path: string, allowed: readonly string[]): Obj => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `must be an object, got ${kindOf(v)}`);
    for (const k of Object.keys(v as Obj)) {
      if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, `unknown field (allowed: ${allowed.join(", ")})`);
    }
    return v as Obj;
  };
  const name = (v: unknown, path: string) => {
    if (typeof v !== "string" || !NAME_RE.test(v)) {
      fail(path, `must be a name of letters, digits, "_", "." or "-", got ${JSON.stringify(v)}`);
    }
  };
  const optStr = (v: unknown, path: string) => {
    if (v !== undefined && typeof v !== "string") fail(path, `must be a string, got ${kindOf(v)}`);
  };
  const int = (v: unknown, path: string, min: number) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      fail(path, `must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    }
  };
  const settings = (o: Obj, path: string) => {
    const p = (k: string) => (path ? `${path}.${k}` : k);
    if (o.repeats !== undefined) int(o.repeats, p("repeats"), 1);
    if (o.warmups !== undefined) int(o.warmups, p("warmups"), 0);
    if (o.timeout_s !== undefined && (typeof o.timeout_s !== "number" || !(o.timeout_s > 0))) {
      fail(p("timeout_s"), `must be a number > 0, got ${JSON.stringify(o.timeout_s)}`);
    }
    if (o.seeds !== undefined) {
      if (!Array.isArray(o.seeds) || o.seeds.length === 0) fail(p("seeds"), "must be a non-empty array of integers");
      (o.seeds as unknown[]).forEach((s, i) => int(s, `${p("seeds")}[${i}]`, 0));
      if (new Set(o.seeds as number[]).size !== (o.seeds as number[]).length) fail(p("seeds"), "has duplicates");
    }
  };
  const SETTINGS = ["repeats", "warmups", "seeds", "timeout_s"] as const;

  const root = obj(value, "", [
    "$schema",
    "name",
    "description",
    "plugins",
    "defaults",
    "metrics",
    "timing",
    "datasets",
    "experiments",
  ]);
  name(root.name, "name");
  optStr(root.description, "description");
  if (root.plugins !== undefined) {
    if (!Array.isArray(root.plugins)) fail("plugins", `must be an array of module paths, got ${kindOf(root.plugins)}`);
    (root.plugins as unknown[]).forEach((p, i) => {
      if (typeof p !== "string" || p === "") fail(`plugins[${i}]`, "must be a module path");
    });
  }
  if (root.defaults !== undefined) settings(obj(root.defaults, "defaults", SETTINGS), "defaults");
  if (root.metrics !== undefined) {
    const m = obj(root.metrics, "metrics", ["bootstrap", "confidence", "bootstrap_seed", "fairness"]);
    if (m.bootstrap !== undefined) int(m.bootstrap, "metrics.bootstrap", 0);
    if (m.bootstrap_seed !== undefined) int(m.bootstrap_seed, "metrics.bootstrap_seed", 0);
    if (m.confidence !== undefined && (typeof m.confidence !== "number" || !(m.confidence > 0 && m.confidence < 1))) {
      fail("metrics.confidence", `must be a number in (0, 1), got ${JSON.stringify(m.confidence)}`);
    }
    if (m.fairness !== undefined && typeof m.fairness !== "boolean") fail("metrics.fairness", "must be true or false");
  }
  if (root.timing !== undefined) {
    const problem = checkTiming(root.timing);
    if (problem) fail(problem[0] ? `timing.${problem[0]}` : "timing", problem[1]);
  }
  const datasets = obj(root.datasets, "datasets", Object.keys((root.datasets ?? {}) as Obj));
  if (Object.keys(datasets).length === 0) fail("datasets", "must name at least one dataset");
  for (const [dn, dv] of Object.entries(datasets)) {
    const p = `datasets.${dn}`;
    name(dn, p);
    const d = obj(dv, p, ["preset", "seed", "generator", "path", "embed", "optional", "description"]);
    if ([d.preset, d.path, d.embed].filter((x) => x !== undefined).length !== 1) {
      fail(p, 'must have exactly one of "preset", "path" or "embed"');
    }
    if (d.embed !== undefined) {
      const e = obj(d.embed, `${p}.embed`, [
        "images",
        "layout",
        "aligned",
        "attributes",
        "labels",
        "face_model",
        "body_model",
        "models",
        "per_identity",
      ]);
      if (typeof e.images !== "string" || e.images === "") fail(`${p}.embed.images`, "must be an image folder path");
      if (e.layout !== undefined && e.layout !== "photos" && e.layout !== "identity-folders") {
        fail(`${p}.embed.layout`, `must be "photos" or "identity-folders", got ${JSON.stringify(e.layout)}`);
      }
      if (e.per_identity !== undefined) int(e.per_identity, `${p}.embed.per_identity`, 1);
      for (const k of ["attributes", "labels", "face_model", "models"]) optStr(e[k], `${p}.embed.${k}`);
      if (e.aligned !== undefined && typeof e.aligned !== "boolean") {
        fail(`${p}.embed.aligned`, "must be true or false");
      }
      if (e.body_model !== undefined && e.body_model !== "osnet" && e.body_model !== "none") {
        fail(`${p}.embed.body_model`, `must be "osnet" or "none"`);
      }
    }
    if (d.preset !== undefined) name(d.preset, `${p}.preset`);
    if (d.path !== undefined && (typeof d.path !== "string" || d.path === "")) {
      fail(`${p}.path`, "must be a non-empty string");
    }
    if (d.seed !== undefined) int(d.seed, `${p}.seed`, 0);
    if (d.preset === undefined && d.seed !== undefined) fail(`${p}.seed`, 'only applies to "preset" datasets');
    if (d.generator !== undefined) {
      if (d.preset === undefined) fail(`${p}.generator`, 'only applies to "preset" datasets');
      obj(d.generator, `${p}.generator`, Object.keys(d.generator as Obj));
    }
    if (d.optional !== undefined && typeof d.optional !== "boolean") fail(`${p}.optional`, "must be true or false");
    optStr(d.description, `${p}.description`);
  }
  if (!Array.isArray(root.experiments) || root.experiments.length === 0) {
    fail("experiments", "must be a non-empty array of experiments");
  }
  const seen = new Set<string>();
  (root.experiments as unknown[]).forEach((ev, ei) => {
    const p = `experiments[${ei}]`;
    const e = obj(ev, p, ["name", "description", "datasets", "stages", ...SETTINGS]);
    name(e.name, `${p}.name`);
    if (seen.has(e.name as string)) fail(`${p}.name`, `duplicate experiment name "${e.name}"`);
    seen.add(e.name as string);
    optStr(e.description, `${p}.description`);
    settings(e, p);
    if (!Array.isArray(e.datasets) || e.datasets.length === 0) {
      fail(`${p}.datasets`, "must be a non-empty array of dataset names");
    }
    (e.datasets as unknown[]).forEach((d, i) => {
      if (typeof d !== "string" || !(d in datasets)) {
        fail(
          `${p}.datasets[${i}]`,
          `unknown dataset ${JSON.stringify(d)} (spec has ${Object.keys(datasets).join(", ")})`,
        );
      }
    });
    const stages = obj(e.stages, `${p}.stages`, STAGES);
    if (Object.keys(stages).length === 0) fail(`${p}.stages`, `must have at least one stage (${STAGES.join(", ")})`);
    for (const [sn, sv] of Object.entries(stages)) {
      const alts = Array.isArray(sv) ? sv : [sv];
      if (alts.length === 0) fail(`${p}.stages.${sn}`, "must not be an empty list");
      alts.forEach((av, ai) => {
        const sp = Array.isArray(sv) ? `${p}.stages.${sn}[${ai}]` : `${p}.stages.${sn}`;
        const a = obj(av, sp, ["variant", "params"]);
        if (typeof a.variant !== "string") fail(`${sp}.variant`, `must be a string, got ${kindOf(a.variant)}`);
        const variant = getVariant(a.variant as string);
        if (!variant) fail(`${sp}.variant`, `unknown variant "${a.variant}" (see pb variants)`);
        if (variant!.stage !== sn) fail(`${sp}.variant`, `"${a.variant}" is a ${variant!.stage} variant, not ${sn}`);
        const params = a.params === undefined ? {} : obj(a.params, `${sp}.params`, Object.keys(a.params as Obj));
        for (const [k, v] of Object.entries(params)) {
          if (!(k in variant!.params)) {
            fail(
              `${sp}.params.${k}`,
              `unknown parameter of "${variant!.id}" (has ${Object.keys(variant!.params).join(", ") || "none"})`,
            );
          }
          const values = Array.isArray(v) ? v : [v];
          if (values.length === 0) fail(`${sp}.params.${k}`, "an empty grid gives no runs");
          values.forEach((x, xi) => {
            try {
              resolveParams(variant!, { [k]: x as ParamValue });
            } catch (err) {
              const where = Array.isArray(v) ? `${sp}.params.${k}[${xi}]` : `${sp}.params.${k}`;
              fail(where, (err as Error).message.replace(/^parameter "[^"]+" /, ""));
            }
          });
        }
      });
    }
  });
  return root as unknown as ExperimentSpec;
}

/**
 * Reads, parses and validates a spec file (JSON, or YAML when the name ends in `.yaml`/`.yml`), importing its
 * plugins first (so their variants validate).
 * @param path spec file
 * @returns the spec and its absolute path
 * @throws {SpecError} on an unreadable or unparseable file or an invalid spec
 */
export async function loadSpec(path: string): Promise<{ spec: ExperimentSpec; file: string }> {
  const file = resolve(path);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new SpecError(
      path,
      "",
      e instanceof Deno.errors.NotFound ? "not found" : `cannot read: ${(e as Error).message}`,
    );
  }
  let value: unknown;
  const yaml = /\.ya?ml$/i.test(file);
  try {
    // YAML is loaded lazily: most specs are JSON.
    value = yaml ? (await import("yaml")).parse(text) : JSON.parse(text);
  } catch (e) {
    throw new SpecError(path, "", `invalid ${yaml ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`);
  }
  const plugins = (value as Obj | null)?.plugins;
  if (Array.isArray(plugins)) {
    const { loadPlugins } = await import("../variants/registry.ts");
    try {
      await loadPlugins(pluginPaths(plugins.filter((p): p is string => typeof p === "string"), file));
    } catch (e) {
      throw new SpecError(path, "plugins", `cannot load: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return { spec: validateSpec(value, path), file };
}

/** Absolute paths of plugin modules given relative to the spec file. */
export function pluginPaths(plugins: readonly string[], specFile: string): string[] {
  return plugins.map((p) => (isAbsolute(p) ? p : join(dirname(specFile), p)));
}

/** Settings of an experiment after applying spec defaults and built-in defaults. */
export function runSettings(spec: ExperimentSpec, exp: ExperimentEntry): RunSettings {
  const pick = <K extends keyof RunSettings>(k: K): RunSettings[K] =>
    (exp[k] ?? spec.defaults?.[k] ?? DEFAULT_RUN_SETTINGS[k]) as RunSettings[K];
  return { repeats: pick("repeats"), warmups: pick("warmups"), seeds: pick("seeds"), timeout_s: pick("timeout_s") };
}

/** Metric settings after defaults. */
export function metricSettings(spec: ExperimentSpec): MetricSettings {
  return { ...DEFAULT_METRIC_SETTINGS, ...(spec.metrics ?? {}) };
}
