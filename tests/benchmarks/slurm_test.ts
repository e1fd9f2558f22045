/**
 * `pb slurm`: the generated scripts, and submit / status / resubmit / merge driven through a fake Slurm client
 * (the real single-node cluster is exercised in slurm_cluster_test.ts).
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { REPO_ROOT, tempDir } from "../_shared.ts";
import { DataFileError, UsageError } from "../../base/errors.ts";
import { arrayScript, arraySpec, mergeScript, shellQuote, sweepLayout } from "../../benchmarks/slurm/scripts.ts";
import {
  mergeShards,
  readSweepState,
  resubmitSweep,
  type SlurmExec,
  submitSweep,
  sweepStatus,
} from "../../benchmarks/slurm/slurm.ts";
import { runSweep } from "../../benchmarks/runner/runner.ts";

const CACHE = join(REPO_ROOT, ".cache");

Deno.test("arraySpec compresses task ids into Slurm's --array syntax", () => {
  assertEquals(arraySpec([0, 1, 2, 3]), "0-3");
  assertEquals(arraySpec([5, 0, 2, 6, 7, 2]), "0,2,5-7");
  assertEquals(arraySpec([4]), "4");
});

Deno.test("shellQuote leaves plain words and quotes the rest for bash", () => {
  assertEquals(shellQuote("/a/b-c_d.json"), "/a/b-c_d.json");
  assertEquals(shellQuote("my dir/it's"), `'my dir/it'\\''s'`);
});

Deno.test("the array script runs under bash, maps 0-based task ids to 1-based shards and resumes", () => {
  const layout = sweepLayout("/shared/sweep");
  const o = {
    spec: "/repo/experiments/ci.json",
    shards: 4,
    repoRoot: "/repo",
    deno: "/usr/bin/deno",
    partition: "gpu",
    time: "01:00:00",
    cpusPerTask: 2,
    jobName: "pb-ci",
  };
  const array = arrayScript(layout, o);
  assert(array.startsWith("#!/usr/bin/env bash\n"), "bash shebang (sbatch honours it; /bin/sh lacks $(( )) on some)");
  for (
    const line of [
      "#SBATCH --array=0-3",
      "#SBATCH --partition=gpu",
      "#SBATCH --time=01:00:00",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --requeue",
      "shard=$((SLURM_ARRAY_TASK_ID + 1))",
      '--shard "${shard}/4" --resume',
      "out=/shared/sweep/shards/shard-${shard}-of-4",
    ]
  ) assert(array.includes(line), `array script lacks ${line}:\n${array}`);
  assertEquals(arrayScript(layout, { ...o, taskIds: [1, 3] }).match(/--array=(\S+)/)?.[1], "1,3");
  const merge = mergeScript(layout, o);
  assert(merge.startsWith("#!/usr/bin/env bash\n"));
  assert(merge.includes("cli/main.ts slurm merge /shared/sweep"), merge);
});

/** A fake Slurm: sbatch hands out ids and remembers its arguments; scontrol answers from a table. */
function fakeSlurm(tasks: Map<string, string>): { exec: SlurmExec; calls: string[][] } {
  const calls: string[][] = [];
  let next = 100;
  const exec: SlurmExec = (cmd, args) => {
    calls.push([cmd, ...args]);
    if (cmd === "sbatch") return Promise.resolve(`${next++};cluster\n`);
    if (cmd === "scontrol") {
      const text = tasks.get(args.at(-1)!);
      return text === undefined ? Promise.reject(new Error("Invalid job id")) : Promise.resolve(text);
    }
    return Promise.resolve("");
  };
  return { exec, calls };
}

async function smallSpec(dir: string): Promise<string> {
  const spec = {
    name: "slurm-unit",
    defaults: { repeats: 1, warmups: 0, seeds: [1, 2, 3], timeout_s: 60 },
    metrics: { bootstrap: 20 },
    datasets: { small: { preset: "tiny", seed: 3, generator: { observations: 200, identities: 10 } } },
    experiments: [
      { name: "ref", datasets: ["small"], stages: { reference: { variant: "reference", params: { n: 100 } } } },
    ],
  };
  const path = join(dir, "spec.json");
  await Deno.writeTextFile(path, JSON.stringify(spec));
  return path;
}

Deno.test({
  name: "submit → a shard Slurm calls COMPLETED 0:0 with no records is failed by name; resubmit and merge",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    Deno.env.set("PB_CACHE_DIR", CACHE);
    const dir = await tempDir();
    const spec = await smallSpec(dir);
    const out = join(dir, "sweep");
    const tasks = new Map<string, string>();
    const { exec, calls } = fakeSlurm(tasks);
    const sub = await submitSweep(spec, { out, shards: 2, exec });
    assertEquals([sub.arrayJob, sub.mergeJob], ["100", "101"]);
    assertEquals(calls[1]!.slice(0, 3), ["sbatch", "--parsable", "--dependency=afterok:100"]);
    await assertRejects(() => submitSweep(spec, { out, shards: 2, exec }), UsageError, "already holds");

    // Shard 1 really runs; shard 2's task "completes" without having run its script.
    const layout = sweepLayout(out);
    await runSweep(spec, {
      out: join(layout.shardsDir, "shard-1-of-2"),
      shard: { index: 1, count: 2 },
      resume: true,
      progress: false,
    });
    tasks.set(
      "100",
      "JobId=100 ArrayTaskId=0 JobState=COMPLETED ExitCode=0:0\nJobId=102 ArrayTaskId=1 JobState=COMPLETED ExitCode=0:0\n",
    );
    tasks.set("101", "JobId=101 JobState=PENDING Reason=DependencyNeverSatisfied ExitCode=0:0\n");
    const status = await sweepStatus(out, exec);
    assertEquals(status.shards.map((s) => s.state), ["done", "failed"]);
    assert(status.shards[1]!.reason!.includes("COMPLETED 0:0 but the shard recorded 0 of"), status.shards[1]!.reason!);
    assert(!status.complete);
    await assertRejects(() => mergeShards(out), DataFileError, "shard 2/2 has 0 of");

    const re = await resubmitSweep(out, exec);
    assertEquals(re.shards, [2]);
    assert(calls.some((c) => c[0] === "scancel" && c[1] === "101"), "the stale merge job is cancelled");
    const last = calls.filter((c) => c[0] === "sbatch").at(-1)!;
    assertEquals(last[2], "--dependency=afterok:102,afterany:100");
    const arrayFile = calls.filter((c) => c[0] === "sbatch").at(-2)!.at(-1)!;
    assert((await Deno.readTextFile(arrayFile)).includes("#SBATCH --array=1\n"), "only the failed task is resubmitted");
    assertEquals((await readSweepState(out)).submissions.length, 2);

    await runSweep(spec, {
      out: join(layout.shardsDir, "shard-2-of-2"),
      shard: { index: 2, count: 2 },
      resume: true,
      progress: false,
    });
    const merged = await mergeShards(out);
    assertEquals(merged.added, 3);
    const again = await sweepStatus(out, exec);
    assert(again.complete);
    assertEquals((await mergeShards(out)).added, 0, "merging twice adds nothing");
  },
});

Deno.test("dry run writes the scripts and submits nothing; bad shard counts are usage errors", async () => {
  const dir = await tempDir();
  const spec = await smallSpec(dir);
  const { exec, calls } = fakeSlurm(new Map());
  const r = await submitSweep(spec, { out: join(dir, "s"), shards: 3, dryRun: true, exec });
  assertEquals(calls.length, 0);
  assert(r.arrayScript.includes("--array=0-2"));
  await assertRejects(() => submitSweep(spec, { out: join(dir, "t"), shards: 0, exec }), UsageError, "--shards");
  await assertRejects(() => sweepStatus(join(dir, "nothing"), exec), DataFileError, "not a `pb slurm submit` sweep");
});
