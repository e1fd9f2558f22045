/**
 * The child-process entry of one run: `deno run … worker.ts JOB.json`. Loads the dataset, runs the stages'
 * warm-ups and the measured repetition, computes metrics and writes one {@link ResultRecord} atomically to
 * the job's `result_path`. Running each run in its own process isolates peak memory, crashes and time-outs.
 * @module
 */
import { join } from "node:path";
import { Rng } from "../../algorithms/random/rng.ts";
import { readDataset } from "../../datasets/io.ts";
import { writeNpy } from "../../datasets/npy.ts";
import { writeFileAtomic } from "../../base/atomic.ts";
import type { Dataset } from "../../datasets/format.ts";
import type { BackendInfo, Curve, DatasetInfo, ResultRecord, SpecInfo } from "../results/schema.ts";
import { RESULT_SCHEMA, RESULT_SCHEMA_VERSION } from "../results/schema.ts";
import type { RunPlan } from "../spec/expand.ts";
import { median } from "../../algorithms/metrics/quantile.ts";
import { evaluateAssignment, evaluateClustering, type Evaluation } from "../stats/evaluate.ts";
import { getVariant, loadPlugins } from "../variants/registry.ts";
import { type Stage, type StageInput, STAGES, type Variant, type VariantOutput } from "../variants/types.ts";
import { loadAverage, peakRssMb, type StaticEnv } from "./env.ts";
import { measure, measurePaired, type TimingSettings } from "./paired.ts";

/** Everything a child needs to execute one run. */
export interface WorkerJob {
  plan: RunPlan;
  run_id: string;
  spec: SpecInfo;
  dataset_dir: string;
  dataset: DatasetInfo;
  env: StaticEnv;
  /** Absolute paths of plugin modules to import before resolving variants. */
  plugins: string[];
  /** How to time the run (pairs with the reference workload); absent: one unpaired repetition. */
  timing?: TimingSettings;
  /** Shard of a sharded sweep, or null. */
  shard?: { index: number; count: number } | null;
  results_dir: string;
  /** Where to write the record (JSON). */
  result_path: string;
  /** Whether to keep raw outputs (labels, assignments) under `runs/<run_id>/`. */
  save_artifacts: boolean;
}

/** Builds the skeleton of a record (status failed until filled in). */
export function baseRecord(job: WorkerJob, startedAt: Date): ResultRecord {
  const p = job.plan;
  return {
    schema: RESULT_SCHEMA,
    schema_version: RESULT_SCHEMA_VERSION,
    run_id: job.run_id,
    config_id: p.config_id,
    spec: job.spec,
    experiment: p.experiment,
    variant: { label: p.label, stages: p.stages },
    dataset: job.dataset,
    seed: p.seed,
    repeat: p.repeat,
    repeats: p.repeats,
    warmups: p.warmups,
    shard: job.shard ?? null,
    status: "failed",
    error: "did not finish",
    metrics: {},
    metric_directions: {},
    subgroups: [],
    counters: {},
    timings: { wall_s: 0, cpu_s: 0, peak_rss_mb: 0, samples: {} },
    curves: {},
    backend: { requested: requestedBackend(p), used: "typescript", detail: null },
    env: { ...job.env, load_avg: loadAverage() },
    artifacts: {},
    started_at: startedAt.toISOString(),
    finished_at: startedAt.toISOString(),
  };
}

/** The backend a run's spec asks for (a stage parameter named `backend`), or null. */
function requestedBackend(p: RunPlan): string | null {
  for (const sv of Object.values(p.stages)) if (typeof sv.params.backend === "string") return sv.params.backend;
  return null;
}

interface StagePlan {
  stage: Stage;
  variant: Variant;
  params: Record<string, import("../results/schema.ts").ParamValue>;
  state: unknown;
}

async function runPipeline(
  stages: StagePlan[],
  dataset: Dataset,
  seed: number,
  warmup: boolean,
): Promise<Partial<Record<Stage, VariantOutput>>> {
  const previous: Partial<Record<Stage, VariantOutput>> = {};
  let current = dataset;
  for (const s of stages) {
    const input: StageInput = { dataset: current, previous };
    const ctx = { seed, rng: new Rng(seed).fork(s.stage), clock: () => performance.now() / 1000, warmup };
    const out = await s.variant.run(input, s.params as never, ctx, s.state);
    previous[s.stage] = out;
    if (out.dataset) current = out.dataset;
  }
  return previous;
}

/**
 * Executes a job and returns its record (never throws for a failing variant: the record says `failed`).
 * @param job the job
 * @returns the finished record
 */
export async function executeJob(job: WorkerJob): Promise<ResultRecord> {
  const started = new Date();
  const record = baseRecord(job, started);
  try {
    await loadPlugins(job.plugins);
    const dataset = await readDataset(job.dataset_dir);
    const stages: StagePlan[] = [];
    for (const stage of STAGES) {
      const sv = job.plan.stages[stage];
      if (!sv) continue;
      const variant = getVariant(sv.variant);
      if (!variant) throw new Error(`unknown variant "${sv.variant}"`);
      stages.push({ stage, variant, params: sv.params, state: undefined });
    }
    // Untimed preparation, in stage order (later stages prepare on the original dataset).
    for (const s of stages) {
      const ctx = {
        seed: job.plan.seed,
        rng: new Rng(job.plan.seed).fork(`prepare:${s.stage}`),
        clock: () => performance.now() / 1000,
        warmup: false,
      };
      s.state = await s.variant.prepare?.({ dataset, previous: {} }, s.params as never, ctx);
    }
    for (let w = 0; w < job.plan.warmups; w++) await runPipeline(stages, dataset, job.plan.seed, true);
    const repetition = () => runPipeline(stages, dataset, job.plan.seed, false);
    const isReference = stages.some((s) => s.stage === "reference");
    let outputs: Partial<Record<Stage, VariantOutput>>;
    if (job.timing?.paired && !isReference) {
      // Candidate and reference workload interleaved; metrics come from the first measured repetition.
      const { first, timings } = await measurePaired(repetition, job.timing);
      outputs = first.value;
      record.timings = {
        wall_s: median(timings.wall_s),
        cpu_s: median(timings.cpu_s),
        peak_rss_mb: 0,
        samples: {},
        paired: timings,
      };
    } else {
      const m = await measure(repetition);
      outputs = m.value;
      record.timings = { wall_s: m.wall_s, cpu_s: m.cpu_s, peak_rss_mb: 0, samples: {} };
    }

    // Untimed analyses (curves) of the measured outputs.
    for (const s of stages) {
      const out = outputs[s.stage]!;
      const extra = s.variant.analyse?.({ dataset, previous: outputs }, s.params as never, out);
      if (extra) {
        out.curves = { ...out.curves, ...extra.curves };
        out.metrics = { ...out.metrics, ...extra.metrics };
        out.counters = { ...out.counters, ...extra.counters };
      }
    }
    const e: Evaluation = { metrics: {}, directions: {}, subgroups: [] };
    const curves: Record<string, Curve> = {};
    let backend: BackendInfo | null = null;
    let evalDataset = dataset;
    for (const s of stages) {
      const out = outputs[s.stage]!;
      if (out.dataset) evalDataset = out.dataset;
      for (const [k, v] of Object.entries(out.samples ?? {})) record.timings.samples[k] = v;
      for (const [k, v] of Object.entries(out.counters ?? {})) record.counters[k] = v;
      for (const [k, c] of Object.entries(out.curves ?? {})) curves[k] = c;
      for (const [k, m] of Object.entries(out.metrics ?? {})) {
        if (Number.isFinite(m.value)) {
          e.metrics[k] = m.value;
          e.directions[k] = m.direction;
        }
      }
      if (out.backend) backend = out.backend;
    }
    // Quality metrics of the last stage that produced labels / an assignment.
    const last = [...stages].reverse();
    const labelled = last.find((s) => outputs[s.stage]!.labels);
    if (labelled) evaluateClustering(outputs[labelled.stage]!.labels!, evalDataset, job.plan.metrics, e);
    const assigned = last.find((s) => outputs[s.stage]!.assignment);
    if (assigned) {
      const a = outputs[assigned.stage]!.assignment!;
      evaluateAssignment(a, new Set(a.enrolled), evalDataset, job.plan.metrics, e);
    }
    record.metrics = e.metrics;
    record.metric_directions = e.directions;
    record.subgroups = e.subgroups;
    record.curves = curves;
    if (backend) record.backend = backend;

    if (job.save_artifacts && job.plan.repeat === 0) {
      const rel = join("runs", job.run_id);
      const dir = join(job.results_dir, rel);
      await Deno.mkdir(dir, { recursive: true });
      if (labelled) {
        const labels = outputs[labelled.stage]!.labels!;
        await writeNpy(join(dir, "labels.npy"), { dtype: "int32", shape: [labels.length], data: labels });
        record.artifacts.labels = join(rel, "labels.npy");
      }
      if (assigned) {
        const a = outputs[assigned.stage]!.assignment!;
        const rows = [
          "query,predicted,score",
          ...Array.from(a.queries, (q, k) => `${q},${a.predicted[k]},${a.scores[k]}`),
        ];
        await writeFileAtomic(join(dir, "assignments.csv"), rows.join("\n") + "\n");
        record.artifacts.assignments = join(rel, "assignments.csv");
      }
    }
    record.status = "ok";
    record.error = null;
  } catch (err) {
    record.status = "failed";
    record.error = oneLine(err);
  }
  record.timings.peak_rss_mb = Math.round(peakRssMb() * 10) / 10;
  record.finished_at = new Date().toISOString();
  return record;
}

/** First line of an error's message. */
export function oneLine(err: unknown): string {
  const e = err as Error;
  const text = `${e?.name && e.name !== "Error" ? `${e.name}: ` : ""}${e?.message ?? String(err)}`;
  return text.split("\n")[0]!.slice(0, 500);
}

if (import.meta.main) {
  const jobPath = Deno.args[0];
  if (!jobPath) {
    console.error("usage: worker.ts JOB.json");
    Deno.exit(2);
  }
  const job = JSON.parse(await Deno.readTextFile(jobPath)) as WorkerJob;
  const record = await executeJob(job);
  await writeFileAtomic(job.result_path, JSON.stringify(record));
  Deno.exit(0);
}
