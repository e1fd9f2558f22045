/**
 * `pb slurm submit|status|resubmit|merge`: benchmark sweeps as Slurm job arrays.
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import {
  mergeShards,
  resubmitSweep,
  submitSweep,
  type SweepStatus,
  sweepStatus,
} from "../../benchmarks/slurm/slurm.ts";
import { type Command, flag, num, optNum, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

function formatStatus(s: SweepStatus): string {
  const lines = ["shard  state    recorded  slurm                      note"];
  for (const sh of s.shards) {
    lines.push(
      `${String(sh.shard).padStart(5)}  ${sh.state.padEnd(7)}  ${`${sh.recorded}/${sh.planned}`.padStart(8)}  ` +
        `${(sh.slurm ?? "-").padEnd(25)}  ${sh.reason ?? ""}`.trimEnd(),
    );
  }
  lines.push(
    `merge job ${s.mergeJob ?? "-"}: ${s.mergeState ?? "-"}; ${s.merged} record(s) merged; ` +
      (s.complete ? "sweep complete" : "sweep not complete"),
  );
  return lines.join("\n");
}

async function waitForSweep(dir: string, timeoutS: number): Promise<SweepStatus> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = await sweepStatus(dir);
    const busy = s.shards.some((sh) => sh.state === "running" || sh.state === "pending") ||
      (s.mergeState !== null && /^(PENDING|RUNNING|COMPLETING)/.test(s.mergeState) &&
        !s.shards.some((sh) => sh.state === "failed"));
    if (s.complete || !busy || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** `pb slurm`. */
export const slurmCommand: Command = {
  name: "slurm",
  summary: "run a benchmark sweep on a Slurm cluster: one shard per array task, merged by a dependent job",
  usage: "submit SPEC --out DIR --shards N [--partition P] [--time T] [--cpus-per-task C] [--dry-run] | " +
    "status DIR [--wait [--timeout S]] [--json] | resubmit DIR | merge DIR",
  positionals: true,
  description: dedent`
    submit writes DIR/slurm/array.sh (a job array: task i runs \`pb run SPEC --shard i+1/N --resume\` into
    DIR/shards/) and DIR/slurm/merge.sh (runs after every task succeeded, --dependency=afterok), then submits
    both with sbatch. DIR must be on storage every node sees. status: done = every planned run recorded (a task
    Slurm calls COMPLETED that wrote nothing is failed); exit 1 while any shard failed. resubmit: the failed
    shards again (finished runs are not run again) and a new merge job. merge: what the merge job runs.
  `,
  options: {
    out: { type: "string", value: "DIR", help: "submit: the sweep folder on shared storage (required)" },
    shards: { type: "string", value: "N", help: "submit: number of shards = array tasks (required)" },
    partition: { type: "string", value: "P", help: "submit: Slurm partition [the cluster's default]" },
    time: { type: "string", value: "T", help: "submit: time limit per array task, e.g. 02:00:00 [partition's]" },
    "cpus-per-task": { type: "string", value: "C", help: "submit: CPUs per array task [1]" },
    "dry-run": { type: "boolean", help: "submit: write and print the scripts, submit nothing" },
    wait: { type: "boolean", help: "status: wait until nothing is queued or running any more" },
    timeout: { type: "string", value: "S", help: "status --wait: give up after S seconds [3600]" },
    json: { type: "boolean", help: "status: JSON output" },
  },
  async run(args) {
    const [sub, target, ...extra] = args.positionals;
    if (!sub || !target || extra.length > 0) {
      throw new UsageError("pb slurm: give a sub-command (submit SPEC | status DIR | resubmit DIR | merge DIR)");
    }
    if (sub === "submit") {
      const r = await submitSweep(target, {
        out: str(args, "out"),
        shards: num(args, "shards", undefined, { min: 1, max: 10000, integer: true }),
        partition: optStr(args, "partition"),
        time: optStr(args, "time"),
        cpusPerTask: optNum(args, "cpus-per-task", { min: 1, max: 1024, integer: true }),
        dryRun: flag(args, "dry-run"),
      });
      if (flag(args, "dry-run")) {
        console.log(
          `# ${r.layout.slurmDir}/array.sh\n${r.arrayScript}\n# ${r.layout.slurmDir}/merge.sh\n${r.mergeScript}`,
        );
        console.log("dry run: nothing submitted");
      } else {
        console.log(
          `submitted array job ${r.arrayJob} and merge job ${r.mergeJob} (afterok); results: ` +
            `${r.layout.mergedDir}; follow with: pb slurm status ${r.layout.dir}`,
        );
      }
      return 0;
    }
    if (sub === "status") {
      const s = flag(args, "wait")
        ? await waitForSweep(target, optNum(args, "timeout", { min: 1 }) ?? 3600)
        : await sweepStatus(target);
      console.log(flag(args, "json") ? JSON.stringify(s, null, 2) : formatStatus(s));
      return s.shards.some((sh) => sh.state === "failed") ? 1 : 0;
    }
    if (sub === "resubmit") {
      const r = await resubmitSweep(target);
      console.log(
        r.shards.length === 0
          ? "no failed shard: nothing resubmitted"
          : `resubmitted shard(s) ${r.shards.join(", ")} as array job ${r.arrayJob}, merge job ${r.mergeJob}`,
      );
      return 0;
    }
    if (sub === "merge") {
      const r = await mergeShards(target);
      console.log(`merged ${r.added} record(s) into ${r.out} (${r.duplicates} already there)`);
      return 0;
    }
    throw new UsageError(`pb slurm: sub-command must be submit, status, resubmit or merge, got ${JSON.stringify(sub)}`);
  },
};
