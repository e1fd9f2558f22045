/**
 * Cartesian expansion of a spec into runs, and the ids that identify them.
 * @module
 */
import { hashJson } from "../_hash.ts";
import type { ParamValue, StageVariant } from "../results/schema.ts";
import { getVariant, resolveParams } from "../variants/registry.ts";
import { type Stage, STAGES } from "../variants/types.ts";
import { type DatasetEntry, type ExperimentSpec, type MetricSettings, metricSettings, runSettings } from "./spec.ts";

/** One configuration of an experiment: dataset × stage variants × parameters × seed (all repeats). */
export interface ConfigPlan {
  experiment: string;
  dataset: string;
  datasetEntry: DatasetEntry;
  /** Stage → variant and fully resolved params, in stage order. */
  stages: Record<string, StageVariant>;
  /** Stage → variant and only the params the spec gives (what {@link configId} hashes). */
  given: Record<string, StageVariant>;
  /** Display label built from the explicitly given params. */
  label: string;
  seed: number;
  repeats: number;
  warmups: number;
  timeout_s: number;
  metrics: MetricSettings;
  /** See {@link configId}. */
  config_id: string;
}

/** One run: a configuration and a repeat index. */
export interface RunPlan extends ConfigPlan {
  repeat: number;
}

function grid(params: Record<string, ParamValue | ParamValue[]>): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const [k, v] of Object.entries(params)) {
    const values = Array.isArray(v) ? v : [v];
    points = points.flatMap((p) => values.map((x) => ({ ...p, [k]: x })));
  }
  return points;
}

function fmt(v: ParamValue): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The code-independent identity of a configuration: experiment, dataset name and entry, each stage's variant
 * with the parameters given explicitly in the spec, and the seed. Defaults are left out on purpose: a variant
 * gaining a parameter, or changing a default, keeps its configurations comparable with an older baseline (the
 * gate then shows what the change did). The gate matches baseline and current results by it.
 */
export async function configId(
  c: Pick<ConfigPlan, "experiment" | "dataset" | "datasetEntry" | "given" | "seed">,
): Promise<string> {
  const { description: _d, optional: _o, ...entry } = c.datasetEntry;
  const h = await hashJson({ experiment: c.experiment, dataset: c.dataset, entry, stages: c.given, seed: c.seed });
  return h.slice(0, 16);
}

/**
 * The identity of a run: its configuration, repeat, warm-ups and metric settings, the dataset's manifest hash
 * and the code version. A resumed sweep skips run ids it already has; results of other code never match.
 */
export async function runId(plan: RunPlan, manifestHash: string, codeVersion: string): Promise<string> {
  const h = await hashJson({
    config: plan.config_id,
    stages: plan.stages,
    repeat: plan.repeat,
    warmups: plan.warmups,
    metrics: plan.metrics,
    manifest: manifestHash,
    code: codeVersion,
  });
  return h.slice(0, 24);
}

/**
 * Expands a validated spec into configurations, in a deterministic order (experiments, datasets, stage
 * alternatives, grid points in the order the params are written, seeds).
 * @param spec validated spec
 * @returns configurations; repeats are expanded by {@link expandRuns}
 * @throws {RangeError} when a grid point is an invalid parameter combination
 */
export async function expandConfigs(spec: ExperimentSpec): Promise<ConfigPlan[]> {
  const metrics = metricSettings(spec);
  const out: ConfigPlan[] = [];
  for (const exp of spec.experiments) {
    const settings = runSettings(spec, exp);
    // Per stage, the list of (variant, resolved params, label part) alternatives.
    const stageNames = STAGES.filter((s) => exp.stages[s] !== undefined);
    const perStage = stageNames.map((s: Stage) => {
      const entry = exp.stages[s]!;
      const alts = Array.isArray(entry) ? entry : [entry];
      return alts.flatMap((a) => {
        const variant = getVariant(a.variant);
        if (!variant) throw new RangeError(`unknown variant "${a.variant}"`);
        return grid(a.params ?? {}).map((point) => {
          const params = resolveParams(variant, point);
          const given = Object.entries(point).map(([k, v]) => `${k}=${fmt(v)}`).join(",");
          return {
            stage: s,
            sv: { variant: a.variant, params },
            given: { variant: a.variant, params: point },
            label: `${a.variant}${given ? `(${given})` : ""}`,
          };
        });
      });
    });
    let combos: { stages: Record<string, StageVariant>; given: Record<string, StageVariant>; labels: string[] }[] = [
      { stages: {}, given: {}, labels: [] },
    ];
    for (const alts of perStage) {
      combos = combos.flatMap((c) =>
        alts.map((a) => ({
          stages: { ...c.stages, [a.stage]: a.sv },
          given: { ...c.given, [a.stage]: a.given },
          labels: [...c.labels, a.label],
        }))
      );
    }
    for (const dataset of exp.datasets) {
      for (const combo of combos) {
        for (const seed of settings.seeds) {
          const base = {
            experiment: exp.name,
            dataset,
            datasetEntry: spec.datasets[dataset]!,
            stages: combo.stages,
            given: combo.given,
            label: combo.labels.join(" + "),
            seed,
            repeats: settings.repeats,
            warmups: settings.warmups,
            timeout_s: settings.timeout_s,
            metrics,
          };
          out.push({ ...base, config_id: await configId(base) });
        }
      }
    }
  }
  const seen = new Map<string, ConfigPlan>();
  for (const c of out) {
    const prev = seen.get(c.config_id);
    if (prev) {
      throw new RangeError(
        `experiment "${c.experiment}" repeats a configuration of "${prev.experiment}" ` +
          `(${c.dataset}, ${c.label}, seed ${c.seed})`,
      );
    }
    seen.set(c.config_id, c);
  }
  return out;
}

/**
 * Expands configurations into runs, interleaved by repeat (all configs' repeat 0, then repeat 1, …) so slow
 * drifts of the machine spread over every configuration instead of biasing one.
 */
export function expandRuns(configs: readonly ConfigPlan[]): RunPlan[] {
  const maxRepeats = Math.max(0, ...configs.map((c) => c.repeats));
  const runs: RunPlan[] = [];
  for (let r = 0; r < maxRepeats; r++) for (const c of configs) if (r < c.repeats) runs.push({ ...c, repeat: r });
  return runs;
}

/** Name used by `--only`: `experiment/dataset/label/seed=N`. */
export function runName(c: Pick<ConfigPlan, "experiment" | "dataset" | "label" | "seed">): string {
  return `${c.experiment}/${c.dataset}/${c.label}/seed=${c.seed}`;
}

/**
 * Whether a configuration matches an `--only` pattern: a glob (`*`, `?`) when it has one, else a substring.
 */
export function matchesOnly(
  c: Pick<ConfigPlan, "experiment" | "dataset" | "label" | "seed">,
  pattern: string,
): boolean {
  const name = runName(c);
  if (!/[*?]/.test(pattern)) return name.includes(pattern);
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(name);
}

/** Parses `--shard i/n` (1-based i). */
export function parseShard(text: string): { index: number; count: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) return null;
  const index = Number(m[1]), count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : null;
}

/** Whether a configuration belongs to shard i of n: by its config id, so shards are stable under spec edits. */
export function inShard(configIdHex: string, shard: { index: number; count: number }): boolean {
  return parseInt(configIdHex.slice(0, 8), 16) % shard.count === shard.index - 1;
}
