/**
 * The variant interface: adding a variant to the harness is one file implementing {@link Variant} plus one
 * line in `benchmarks/variants/registry.ts` (or a plugin module named in a spec's `plugins`).
 *
 * The harness, not the variant, validates parameters, derives run ids, times, measures memory, computes
 * metrics and stores results. A variant only turns its input into outputs (labels, assignments, samples).
 * @module
 */
import type { Rng } from "../../algorithms/random/rng.ts";
import type { Dataset } from "../../datasets/format.ts";
import type { BackendInfo, Curve, MetricDirection, ParamValue } from "../results/schema.ts";

/** Pipeline stages, in execution order. A run has at most one variant per stage. */
export const STAGES = ["embed", "cluster", "assign", "reference"] as const;
/** A pipeline stage name. */
export type Stage = typeof STAGES[number];

/** Declaration of one parameter: its type, range, default and help. */
export interface ParamSpec {
  kind: "int" | "float" | "enum" | "bool" | "string";
  default: ParamValue;
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  /** For `float`: the string "auto" is accepted too (the variant resolves it, e.g. a calibrated threshold). */
  auto?: boolean;
  /** One line for `pb variants`. */
  help: string;
}

/** What the harness gives a variant while it runs. */
export interface RunContext {
  /** Seed of the run. */
  seed: number;
  /** Generator seeded from the run's seed and the stage name; every random choice must come from it. */
  rng: Rng;
  /** Monotonic clock in seconds, for per-item samples. */
  clock: () => number;
  /** True during warm-up repetitions (outputs are discarded). */
  warmup: boolean;
}

/** A set of identity predictions for query observations (assignment stage). */
export interface Assignment {
  /** Observation ids of the queries. */
  queries: Int32Array;
  /** Predicted identity code per query (codes of `observations.identity`), −1 = unknown. */
  predicted: Int32Array;
  /** Confidence of the prediction per query (higher = more sure), for open-set curves. */
  scores: Float64Array;
  /** Identity codes enrolled in the gallery; queries of other identities are open-set negatives. */
  enrolled: Int32Array;
}

/** What a stage produces; later stages see earlier outputs in {@link StageInput.previous}. */
export interface VariantOutput {
  /** Cluster label per observation (−1 = unclustered); clustering metrics are computed from it. */
  labels?: Int32Array;
  /** Identity predictions; assignment metrics are computed from them. */
  assignment?: Assignment;
  /** Raw per-item samples in seconds (`merge_seconds`, `query_seconds`). */
  samples?: Record<string, number[]>;
  /** Work counters (`merges`, `pair_distances`, `inversions`). */
  counters?: Record<string, number>;
  /** Extra metrics the variant measures itself, with their direction. */
  metrics?: Record<string, { value: number; direction: MetricDirection }>;
  /** Curves (`threshold.bcubed.f1`), usually computed by the variant from its own outputs. */
  curves?: Record<string, Curve>;
  /** Backend that actually ran, for model stages. */
  backend?: BackendInfo;
  /** A replacement dataset (e.g. fresh embeddings) for later stages. */
  dataset?: Dataset;
  /** Raw result kept for {@link Variant.analyse} (not stored). */
  raw?: unknown;
}

/** Input of a stage. */
export interface StageInput {
  dataset: Dataset;
  /** Outputs of the stages that ran before, by stage. */
  previous: Partial<Record<Stage, VariantOutput>>;
}

/** A pluggable implementation of one stage. */
export interface Variant<P extends Record<string, ParamValue> = Record<string, ParamValue>> {
  /** Unique id, kebab-case. */
  readonly id: string;
  readonly stage: Stage;
  /** One line for `pb variants`. */
  readonly summary: string;
  readonly params: { readonly [K in keyof P]: ParamSpec };
  /**
   * Untimed set-up done once per process before warm-ups (load a model, build an index of the dataset).
   * @returns state passed to every {@link run}
   */
  prepare?(input: StageInput, params: P, ctx: RunContext): Promise<unknown> | unknown;
  /** The measured work. Must be deterministic given `params` and `ctx.seed`. */
  run(input: StageInput, params: P, ctx: RunContext, state: unknown): Promise<VariantOutput> | VariantOutput;
  /**
   * Untimed analysis of the measured repetition's output (curves, derived metrics), called once after timing.
   * @returns outputs to merge into the record (curves, metrics, counters)
   */
  analyse?(input: StageInput, params: P, output: VariantOutput): Pick<VariantOutput, "curves" | "metrics" | "counters">;
  /** Checks parameter combinations beyond single ranges; returns a problem or null. */
  check?(params: P): string | null;
  /**
   * Planning-time check that the run can execute on this machine (e.g. that the backend it names exists here):
   * a reason makes the sweep report the configuration as unavailable, with the reason, instead of running it
   * and recording a failure.
   */
  unavailable?(params: P): Promise<string | null> | string | null;
}
