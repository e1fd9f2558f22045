/**
 * Sweeps on a Slurm cluster: `pb slurm submit` writes a job array (one shard per task, `--resume`) and a merge job
 * that runs after it (`--dependency=afterok`), `status` says which shards are done, running or failed, `resubmit`
 * sends the unfinished shards again, and `merge` merges the shards once each has recorded every planned run.
 *
 * Slurm's word is never taken alone: a task it reports COMPLETED 0:0 may not have run its script at all (seen with
 * `proctrack/cgroup` where cgroups are unavailable), so a shard counts as done only when its results folder holds a
 * record of every run its plan lists.
 * @module
 */
import { resolve } from "node:path";
import { DataFileError, UsageError } from "../../base/errors.ts";
import { writeFileAtomic } from "../../base/atomic.ts";
import { mergeResults } from "../results/store.ts";
import { runSweep } from "../runner/runner.ts";
import { REPO_ROOT } from "../runner/env.ts";
import { loadSpec } from "../spec/spec.ts";
import { arrayScript, mergeScript, type ScriptOptions, shardDir, type SweepLayout, sweepLayout } from "./scripts.ts";

/** State file tag. */
export const SLURM_SWEEP_SCHEMA = "peoplebench-slurm-sweep";

/** One `sbatch` round: the array and its merge job. */
export interface Submission {
  array_job: string | null;
  merge_job: string | null;
  /** 0-based array task ids of this round. */
  task_ids: number[];
  submitted_at: string;
}

/** `DIR/slurm/sweep.json`: what was submitted, so `status` and `resubmit` need only DIR. */
export interface SweepState {
  schema: typeof SLURM_SWEEP_SCHEMA;
  version: 1;
  spec: string;
  shards: number;
  options: Omit<ScriptOptions, "taskIds">;
  submissions: Submission[];
}

/** Options of {@link submitSweep}. */
export interface SubmitOptions {
  out: string;
  shards: number;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  /** Write and return the scripts, submit nothing [false]. */
  dryRun?: boolean;
  /** Command that runs Deno in the job [this process's deno binary]. */
  deno?: string;
  /** Runs `sbatch`/`squeue`/`scontrol`/`scancel` (tests inject a fake) [the real binaries]. */
  exec?: SlurmExec;
}

/** Runs one Slurm client command and returns its stdout; throws with stderr's first line on failure. */
export type SlurmExec = (cmd: string, args: string[]) => Promise<string>;

/** The real Slurm clients, through `Deno.Command`. */
export const systemSlurm: SlurmExec = async (cmd, args) => {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`${cmd} not found: Slurm's client commands must be on PATH (Debian: slurm-client)`);
    }
    throw e;
  }
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    throw new UsageError(`${cmd} ${args.join(" ")} failed: ${stderr.split("\n").at(-1) || `exit ${out.code}`}`);
  }
  return new TextDecoder().decode(out.stdout);
};

/** What {@link submitSweep} did. */
export interface SubmitResult {
  layout: SweepLayout;
  arrayScript: string;
  mergeScript: string;
  arrayJob: string | null;
  mergeJob: string | null;
}

function statePath(layout: SweepLayout): string {
  return `${layout.slurmDir}/sweep.json`;
}

/** Reads `DIR/slurm/sweep.json`. @throws {DataFileError} when DIR holds no submitted sweep */
export async function readSweepState(dir: string): Promise<SweepState> {
  const path = statePath(sweepLayout(resolve(dir)));
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataFileError(path, "missing: DIR is not a `pb slurm submit` sweep");
    }
    throw e;
  }
  let state: SweepState;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new DataFileError(path, `not JSON (${(e as Error).message})`);
  }
  if (state?.schema !== SLURM_SWEEP_SCHEMA || !Number.isInteger(state.shards)) {
    throw new DataFileError(path, `not a ${SLURM_SWEEP_SCHEMA} file`);
  }
  return state;
}

async function writeScripts(layout: SweepLayout, opts: ScriptOptions): Promise<{ array: string; merge: string }> {
  await Deno.mkdir(`${layout.slurmDir}/logs`, { recursive: true });
  await Deno.mkdir(layout.shardsDir, { recursive: true });
  const array = arrayScript(layout, opts), merge = mergeScript(layout, opts);
  const suffix = opts.taskIds ? `-${Date.now()}` : "";
  await writeFileAtomic(`${layout.slurmDir}/array${suffix}.sh`, array);
  await writeFileAtomic(`${layout.slurmDir}/merge${suffix}.sh`, merge);
  await Deno.chmod(`${layout.slurmDir}/array${suffix}.sh`, 0o755);
  await Deno.chmod(`${layout.slurmDir}/merge${suffix}.sh`, 0o755);
  return { array: `${layout.slurmDir}/array${suffix}.sh`, merge: `${layout.slurmDir}/merge${suffix}.sh` };
}

async function sbatch(exec: SlurmExec, args: string[]): Promise<string> {
  // --parsable prints "jobid" or "jobid;cluster".
  return (await exec("sbatch", ["--parsable", ...args])).trim().split(";")[0]!;
}

/**
 * Writes the array and merge scripts for SPEC and submits them (array first, then the merge job with
 * `--dependency=afterok:ARRAY`).
 * @throws {UsageError} for a bad shard count, a DIR that already holds a sweep, or a failing `sbatch`
 */
export async function submitSweep(specPath: string, options: SubmitOptions): Promise<SubmitResult> {
  if (!Number.isInteger(options.shards) || options.shards < 1) {
    throw new UsageError(`--shards must be a positive integer, got ${options.shards}`);
  }
  const spec = resolve(specPath);
  const { spec: parsed } = await loadSpec(spec); // validates before anything is queued
  const layout = sweepLayout(resolve(options.out));
  const exec = options.exec ?? systemSlurm;
  try {
    await Deno.stat(statePath(layout));
    if (!options.dryRun) {
      throw new UsageError(`${layout.dir} already holds a Slurm sweep: use \`pb slurm resubmit\` or another --out`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const scriptOptions: ScriptOptions = {
    spec,
    shards: options.shards,
    repoRoot: REPO_ROOT,
    deno: options.deno ?? Deno.execPath(),
    partition: options.partition,
    time: options.time,
    cpusPerTask: options.cpusPerTask,
    jobName: `pb-${parsed.name}`.replace(/[^A-Za-z0-9_.-]/g, "_"),
  };
  const files = await writeScripts(layout, scriptOptions);
  const result: SubmitResult = {
    layout,
    arrayScript: await Deno.readTextFile(files.array),
    mergeScript: await Deno.readTextFile(files.merge),
    arrayJob: null,
    mergeJob: null,
  };
  if (options.dryRun) return result;
  result.arrayJob = await sbatch(exec, [files.array]);
  result.mergeJob = await sbatch(exec, [`--dependency=afterok:${result.arrayJob}`, files.merge]);
  const state: SweepState = {
    schema: SLURM_SWEEP_SCHEMA,
    version: 1,
    spec,
    shards: options.shards,
    options: scriptOptions,
    submissions: [{
      array_job: result.arrayJob,
      merge_job: result.mergeJob,
      task_ids: Array.from({ length: options.shards }, (_, i) => i),
      submitted_at: new Date().toISOString(),
    }],
  };
  await writeFileAtomic(statePath(layout), JSON.stringify(state, null, 2) + "\n");
  return result;
}

/** A shard's state. */
export type ShardState = "done" | "running" | "pending" | "failed";

/** One shard in {@link sweepStatus}. */
export interface ShardStatus {
  /** 1-based, as `pb run --shard`. */
  shard: number;
  state: ShardState;
  /** Runs the shard's plan lists, and how many of them are recorded. */
  planned: number;
  recorded: number;
  /** What Slurm last said of the task (e.g. `COMPLETED 0:0`, `CANCELLED`), when it still remembers it. */
  slurm: string | null;
  /** Why a failed shard failed, in one line. */
  reason: string | null;
  dir: string;
}

/** The whole sweep's status. */
export interface SweepStatus {
  shards: ShardStatus[];
  /** The latest merge job, and Slurm's state of it. */
  mergeJob: string | null;
  mergeState: string | null;
  /** Records in `DIR/results`. */
  merged: number;
  complete: boolean;
}

/** Slurm's view of a job's tasks: array task id (or -1 for a plain job) → `STATE` (+ exit code when ended). */
async function slurmTasks(exec: SlurmExec, job: string): Promise<Map<number, string>> {
  const states = new Map<number, string>();
  let text = "";
  try {
    text = await exec("scontrol", ["-o", "show", "job", job]);
  } catch {
    return states; // purged from the controller's memory (MinJobAge) or never existed
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const field = (k: string) => line.match(new RegExp(`(?:^|\\s)${k}=(\\S+)`))?.[1];
    const state = field("JobState") ?? "UNKNOWN";
    const exit = field("ExitCode");
    const ids = field("ArrayTaskId");
    const label = exit && !["PENDING", "RUNNING"].includes(state) ? `${state} ${exit}` : state;
    if (ids === undefined) states.set(-1, label);
    else {
      // A pending remainder prints as a range ("2-3" or "1,3%2").
      for (const part of ids.replace(/%\d+$/, "").split(",")) {
        const [a, b] = part.split("-").map(Number);
        for (let i = a!; i <= (b ?? a!); i++) states.set(i, label);
      }
    }
  }
  return states;
}

async function shardProgress(state: SweepState, dir: string, shard: number) {
  const r = await runSweep(state.spec, {
    out: dir,
    shard: { index: shard, count: state.shards },
    resume: true,
    dryRun: true,
    progress: false,
    log: () => {},
  });
  return { planned: r.planned, recorded: r.alreadyDone };
}

/** Which shards are done (every planned run recorded), running, pending in Slurm's queue, or failed. */
export async function sweepStatus(dir: string, exec: SlurmExec = systemSlurm): Promise<SweepStatus> {
  const state = await readSweepState(dir);
  const layout = sweepLayout(resolve(dir));
  // The latest submission that covered a task is the one whose Slurm state matters.
  const taskState = new Map<number, string>();
  for (const sub of state.submissions) {
    if (!sub.array_job) continue;
    const tasks = await slurmTasks(exec, sub.array_job);
    for (const id of sub.task_ids) taskState.set(id, tasks.get(id) ?? "UNKNOWN (no longer in Slurm's memory)");
  }
  const shards: ShardStatus[] = [];
  for (let shard = 1; shard <= state.shards; shard++) {
    const sdir = shardDir(layout, shard, state.shards);
    const { planned, recorded } = await shardProgress(state, sdir, shard);
    const slurm = taskState.get(shard - 1) ?? null;
    let s: ShardState, reason: string | null = null;
    if (recorded >= planned) s = "done";
    else if (slurm?.startsWith("RUNNING") || slurm?.startsWith("COMPLETING")) s = "running";
    else if (slurm?.startsWith("PENDING") || slurm?.startsWith("REQUEUED")) s = "pending";
    else {
      s = "failed";
      reason = slurm?.startsWith("COMPLETED")
        ? `Slurm says ${slurm} but the shard recorded ${recorded} of ${planned} runs (did the job script run?)`
        : `${slurm ?? "never submitted"}; ${recorded} of ${planned} runs recorded`;
    }
    shards.push({ shard, state: s, planned, recorded, slurm, reason, dir: sdir });
  }
  const last = state.submissions.at(-1);
  const mergeState = last?.merge_job ? ((await slurmTasks(exec, last.merge_job)).get(-1) ?? null) : null;
  let merged = 0;
  try {
    const text = await Deno.readTextFile(`${layout.mergedDir}/results.jsonl`);
    merged = text.split("\n").filter((l) => l.trim()).length;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const complete = shards.every((s) => s.state === "done") && merged >= shards.reduce((a, s) => a + s.planned, 0);
  return { shards, mergeJob: last?.merge_job ?? null, mergeState, merged, complete };
}

/**
 * Checks that every shard recorded every planned run, then merges the shards into `DIR/results`.
 * @throws {DataFileError} naming each incomplete shard (a task Slurm calls COMPLETED but that wrote nothing too)
 */
export async function mergeShards(dir: string): Promise<{ added: number; duplicates: number; out: string }> {
  const state = await readSweepState(dir);
  const layout = sweepLayout(resolve(dir));
  const missing: string[] = [];
  const inputs: string[] = [];
  for (let shard = 1; shard <= state.shards; shard++) {
    const sdir = shardDir(layout, shard, state.shards);
    const { planned, recorded } = await shardProgress(state, sdir, shard);
    if (recorded < planned) missing.push(`shard ${shard}/${state.shards} has ${recorded} of ${planned} runs`);
    else if (planned > 0) inputs.push(sdir);
  }
  if (missing.length > 0) throw new DataFileError(layout.shardsDir, `incomplete: ${missing.join("; ")}`);
  const r = await mergeResults(inputs, layout.mergedDir);
  return { ...r, out: layout.mergedDir };
}

/**
 * Resubmits the shards that failed (not done, not queued): a new array over just those task ids, with
 * `--resume` so runs already recorded are not run again, and a new merge job after it (the old merge job, whose
 * `afterok` can no longer be met, is cancelled).
 * @returns the shards resubmitted (1-based) and the new job ids; no shard → nothing submitted
 */
export async function resubmitSweep(
  dir: string,
  exec: SlurmExec = systemSlurm,
): Promise<{ shards: number[]; arrayJob: string | null; mergeJob: string | null }> {
  const state = await readSweepState(dir);
  const layout = sweepLayout(resolve(dir));
  const status = await sweepStatus(dir, exec);
  const failed = status.shards.filter((s) => s.state === "failed").map((s) => s.shard);
  if (failed.length === 0) return { shards: [], arrayJob: null, mergeJob: null };
  const last = state.submissions.at(-1);
  if (last?.merge_job && status.mergeState?.startsWith("PENDING")) await exec("scancel", [last.merge_job]);
  const files = await writeScripts(layout, { ...state.options, taskIds: failed.map((s) => s - 1) });
  const arrayJob = await sbatch(exec, [files.array]);
  // Tasks of earlier rounds still queued must end first; the merge itself checks completeness.
  const earlier = state.submissions.map((s) => s.array_job).filter((j): j is string => j !== null);
  const dependency = [`afterok:${arrayJob}`, ...earlier.map((j) => `afterany:${j}`)].join(",");
  const mergeJob = await sbatch(exec, [`--dependency=${dependency}`, files.merge]);
  state.submissions.push({
    array_job: arrayJob,
    merge_job: mergeJob,
    task_ids: failed.map((s) => s - 1),
    submitted_at: new Date().toISOString(),
  });
  await writeFileAtomic(statePath(layout), JSON.stringify(state, null, 2) + "\n");
  return { shards: failed, arrayJob, mergeJob };
}
