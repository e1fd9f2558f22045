/**
 * The sweep runner behind `pb run`: expands a spec, resolves datasets, skips runs already in the results
 * (resume), and executes every other run in its own child process with a time limit, appending one record per
 * run to `results.jsonl` as it finishes. A failed or timed-out run is recorded and the sweep goes on.
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../base/errors.ts";
import { hashJson } from "../_hash.ts";
import { defaultCacheDir, resolveDataset, type ResolvedDataset } from "../datasets.ts";
import type { DatasetInfo, ResultRecord, SpecInfo } from "../results/schema.ts";
import { readResults, ResultsWriter } from "../results/store.ts";
import {
  type ConfigPlan,
  expandConfigs,
  expandRuns,
  inShard,
  matchesOnly,
  runId,
  runName,
  type RunPlan,
} from "../spec/expand.ts";
import { getVariant } from "../variants/registry.ts";
import { loadSpec, pluginPaths } from "../spec/spec.ts";
import { Progress } from "./progress.ts";
import { captureStaticEnv, codeVersion, REPO_ROOT, type StaticEnv } from "./env.ts";
import { baseRecord, oneLine, type WorkerJob } from "./worker.ts";
import { type TimingSettings, timingSettings } from "./paired.ts";

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** Results folder. */
  out: string;
  /** Continue a sweep in `out`, skipping runs whose id is already recorded [false]. */
  resume?: boolean;
  /** Run only shard i of n (1-based), split by configuration id. */
  shard?: { index: number; count: number };
  /** Run only configurations whose name matches (glob with `*`, else substring). */
  only?: string;
  /** Print the plan and run nothing [false]. */
  dryRun?: boolean;
  /** Cache for generated datasets [`$PB_CACHE_DIR` or `<repo>/.cache`]. */
  cacheDir?: string;
  /** Child processes at once [1]; more than 1 makes timings noisier. */
  jobs?: number;
  /** Keep raw outputs under `runs/` [true]. */
  saveArtifacts?: boolean;
  /** Show the progress bar [true]. */
  progress?: boolean;
  /** Informational lines (skipped datasets, plan); default stderr. */
  log?: (line: string) => void;
}

/** Outcome of a sweep. */
export interface SweepResult {
  /** Runs the spec asks for after --only and --shard (available datasets only). */
  planned: number;
  /** Runs already in the results (resume). */
  alreadyDone: number;
  executed: number;
  failed: number;
  timedOut: number;
  /** Datasets skipped with the reason. */
  skipped: { dataset: string; reason: string }[];
  /** Configurations not run because they cannot run on this machine (e.g. a missing backend), with the reason. */
  unavailable: { config: string; reason: string }[];
  /** Every record of the planned runs (old and new), in plan order. */
  records: ResultRecord[];
  /** The plan (dry run: what would run). */
  plan: { name: string; repeat: number; run_id: string; done: boolean }[];
  wall_s: number;
}

/**
 * Asks each stage variant whether its configuration can run here (its `unavailable` hook, e.g. a backend that
 * does not exist on this machine), once per distinct variant and parameters.
 */
async function unavailableConfigs(
  configs: readonly ConfigPlan[],
  log: (line: string) => void,
): Promise<Map<ConfigPlan, { config: string; reason: string }>> {
  const out = new Map<ConfigPlan, { config: string; reason: string }>();
  const asked = new Map<string, Promise<string | null>>();
  for (const c of configs) {
    for (const sv of Object.values(c.stages)) {
      const variant = getVariant(sv.variant);
      if (!variant?.unavailable) continue;
      const key = JSON.stringify(sv);
      if (!asked.has(key)) asked.set(key, Promise.resolve(variant.unavailable(sv.params)));
      const reason = await asked.get(key)!;
      if (reason !== null) {
        out.set(c, { config: runName(c), reason });
        log(`unavailable here, not run: ${runName(c)}: ${reason}`);
        break;
      }
    }
  }
  return out;
}

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/**
 * Flags of the child: the permissions of `deno task pb` (-A: model runtimes and probes read /proc), and `gc()`
 * so that paired timing starts after the garbage of loading the dataset is collected.
 */
export const CHILD_FLAGS = ["--allow-all", "--v8-flags=--expose-gc"];

interface Prepared {
  plan: RunPlan;
  run_id: string;
  dataset: Extract<ResolvedDataset, { status: "ok" }>;
  info: DatasetInfo;
}

/**
 * Runs (or resumes) a sweep.
 * @param specPath experiment spec file
 * @param options see {@link SweepOptions}
 * @returns counts, skipped datasets and every record of the planned runs
 * @throws {SpecError} for an invalid spec; {@link UsageError} when `out` has results and `resume` is off
 */
export async function runSweep(specPath: string, options: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const log = options.log ?? ((l: string) => console.error(l));
  const { spec, file } = await loadSpec(specPath);
  const out = resolve(options.out);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const existing = await readResults(out, { missingOk: true });
  if (existing.records.length > 0 && !options.resume && !options.dryRun) {
    throw new UsageError(
      `${out} already holds ${existing.records.length} results: pass --resume to continue, or choose another --out`,
    );
  }
  const specInfo: SpecInfo = { name: spec.name, hash: await hashJson(spec), path: specPath };
  let configs = await expandConfigs(spec);
  if (options.only) configs = configs.filter((c) => matchesOnly(c, options.only!));
  if (options.shard) configs = configs.filter((c) => inShard(c.config_id, options.shard!));

  const unavailable = await unavailableConfigs(configs, log);
  configs = configs.filter((c) => !unavailable.has(c));

  const datasets = new Map<string, ResolvedDataset>();
  const skipped: { dataset: string; reason: string }[] = [];
  for (const name of new Set(configs.map((c) => c.dataset))) {
    const r = await resolveDataset(name, spec.datasets[name]!, file, cacheDir, log);
    datasets.set(name, r);
    if (r.status === "skipped") {
      skipped.push({ dataset: name, reason: r.reason });
      log(`skipping dataset ${name}: ${r.reason}`);
    }
  }
  const code = await codeVersion();
  const env: StaticEnv = await captureStaticEnv(code);
  const prepared: Prepared[] = [];
  for (const plan of expandRuns(configs)) {
    const d = datasets.get(plan.dataset)!;
    if (d.status !== "ok") continue;
    const entry = plan.datasetEntry;
    prepared.push({
      plan,
      run_id: await runId(plan, d.manifestHash, code.code_version),
      dataset: d,
      info: {
        name: plan.dataset,
        preset: entry.preset ?? null,
        path: entry.path ?? entry.embed?.images ?? null,
        seed: entry.preset !== undefined ? (entry.seed ?? 1) : d.manifest.seed,
        manifest_hash: d.manifestHash,
        n: d.manifest.counts.observations,
        identities: d.manifest.counts.identities,
        attributes: d.manifest.attributes,
      },
    });
  }
  const done = new Map(existing.records.map((r) => [r.run_id, r]));
  const plan = prepared.map((p) => ({
    name: runName(p.plan),
    repeat: p.plan.repeat,
    run_id: p.run_id,
    done: done.has(p.run_id),
  }));
  const todo = prepared.filter((p) => !done.has(p.run_id));
  const result: SweepResult = {
    planned: prepared.length,
    alreadyDone: prepared.length - todo.length,
    executed: 0,
    failed: 0,
    timedOut: 0,
    skipped,
    unavailable: [...unavailable.values()],
    records: [],
    plan,
    wall_s: 0,
  };
  if (options.resume && existing.records.length > 0) {
    const foreign = existing.records.filter((r) => !prepared.some((p) => p.run_id === r.run_id)).length;
    log(
      `resuming: ${result.alreadyDone} of ${prepared.length} runs already done` +
        (foreign
          ? `; ${foreign} records in ${out} belong to other runs or code versions and are kept, not reused`
          : ""),
    );
  }
  if (options.dryRun) {
    result.records = prepared.flatMap((p) => (done.has(p.run_id) ? [done.get(p.run_id)!] : []));
    result.wall_s = (performance.now() - t0) / 1000;
    return result;
  }

  const tmpDir = join(out, ".tmp");
  await Deno.mkdir(tmpDir, { recursive: true });
  const writer = await ResultsWriter.open(out);
  const progress = new Progress(todo.length, options.progress ?? true);
  const plugins = pluginPaths(spec.plugins ?? [], file);
  const timing = timingSettings(spec.timing);
  const fresh = new Map<string, ResultRecord>();
  try {
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const p = todo[next++]!;
        const name = `${runName(p.plan)}#${p.plan.repeat}`;
        progress.start(name);
        const record = await executeIsolated(p, {
          specInfo,
          env,
          plugins,
          timing,
          shard: options.shard ?? null,
          out,
          tmpDir,
          saveArtifacts: options.saveArtifacts ?? true,
        });
        await writer.append(record);
        fresh.set(record.run_id, record);
        result.executed++;
        if (record.status === "failed") result.failed++;
        if (record.status === "timeout") result.timedOut++;
        const outcome = record.status === "ok"
          ? `ok ${record.timings.wall_s.toFixed(2)}s`
          : `${record.status.toUpperCase()}: ${record.error}`;
        progress.finish(name, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 1) }, worker));
  } finally {
    writer.close();
    progress.end();
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
  }
  result.records = prepared.map((p) => done.get(p.run_id) ?? fresh.get(p.run_id)!).filter(Boolean);
  result.wall_s = (performance.now() - t0) / 1000;
  return result;
}

async function executeIsolated(
  p: Prepared,
  ctx: {
    specInfo: SpecInfo;
    env: StaticEnv;
    plugins: string[];
    timing: TimingSettings;
    shard: { index: number; count: number } | null;
    out: string;
    tmpDir: string;
    saveArtifacts: boolean;
  },
): Promise<ResultRecord> {
  const job: WorkerJob = {
    plan: p.plan,
    run_id: p.run_id,
    spec: ctx.specInfo,
    dataset_dir: p.dataset.dir,
    dataset: p.info,
    env: ctx.env,
    plugins: ctx.plugins,
    timing: ctx.timing,
    shard: ctx.shard,
    results_dir: ctx.out,
    result_path: join(ctx.tmpDir, `${p.run_id}.result.json`),
    save_artifacts: ctx.saveArtifacts,
  };
  const jobPath = join(ctx.tmpDir, `${p.run_id}.job.json`);
  await Deno.writeTextFile(jobPath, JSON.stringify(job));
  await Deno.remove(job.result_path).catch(() => {});
  const started = new Date();
  let timedOut = false;
  let stderr = "";
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        ...CHILD_FLAGS,
        "--config",
        join(REPO_ROOT, "deno.json"),
        WORKER,
        jobPath,
      ],
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, p.plan.timeout_s * 1000);
    const [status, errBytes] = await Promise.all([child.status, new Response(child.stderr).arrayBuffer()]);
    clearTimeout(timer);
    stderr = new TextDecoder().decode(errBytes);
    if (!timedOut) {
      try {
        const record = JSON.parse(await Deno.readTextFile(job.result_path)) as ResultRecord;
        return record;
      } catch {
        const last = stderr.trim().split("\n").filter((l) => l.trim()).pop() ?? "";
        return failed(
          job,
          started,
          "failed",
          `child exited with code ${status.code}${status.signal ? ` (${status.signal})` : ""}${
            last ? `: ${last}` : ""
          }`,
        );
      }
    }
    return failed(job, started, "timeout", `exceeded the time limit of ${p.plan.timeout_s} s and was killed`);
  } catch (e) {
    return failed(job, started, "failed", `could not run the child process: ${oneLine(e)}`);
  } finally {
    await Deno.remove(jobPath).catch(() => {});
    await Deno.remove(job.result_path).catch(() => {});
  }
}

function failed(job: WorkerJob, started: Date, status: "failed" | "timeout", error: string): ResultRecord {
  const r = baseRecord(job, started);
  r.status = status;
  r.error = error.slice(0, 500);
  r.timings.wall_s = (Date.now() - started.getTime()) / 1000;
  r.finished_at = new Date().toISOString();
  return r;
}
