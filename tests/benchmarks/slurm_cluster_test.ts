/**
 * The CI suite as 4 shards on a real (single-node) Slurm: one shard is cancelled mid-run with `scancel`, resubmitted
 * and finished without rerunning its recorded runs; the merged results equal the unsharded run's (timings aside) and
 * pass the gate. Needs a running cluster (`eval "$(bash .ci/slurm-up.sh)"`, as .ci/run does); skipped otherwise.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { REPO_ROOT, tempDir } from "../_shared.ts";
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { recordEssence } from "../../benchmarks/results/compare.ts";
import { readResults } from "../../benchmarks/results/store.ts";

function slurmUp(): string | null {
  try {
    const o = new Deno.Command("sinfo", { args: ["-h", "-o", "%t"], stdout: "piped", stderr: "piped" }).outputSync();
    const state = new TextDecoder().decode(o.stdout).trim();
    return o.success && /^(idle|mix|alloc)/.test(state) ? null : `sinfo says "${state || "nothing"}"`;
  } catch {
    return "sinfo not found";
  }
}

const reason = slurmUp();
if (reason) {
  console.error(`slurm_cluster_test: skipped — no Slurm cluster answers (${reason}); start one with .ci/slurm-up.sh`);
}

const CACHE = join(REPO_ROOT, ".cache");
const ENV = { PB_CACHE_DIR: CACHE, PB_CODE_VERSION: "slurm-test" }; // run ids must not move while the tree changes

async function sh(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, { args, cwd: REPO_ROOT, env: ENV, stdout: "piped", stderr: "piped" }).output();
  return { code: o.code, out: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr) };
}

const pb = (...args: string[]) => sh(Deno.execPath(), ["run", "-A", join(REPO_ROOT, "cli/main.ts"), ...args]);

/** A run as the comparison sees it: its ids and what it computed (timings, machine and times aside). */
function essence(r: ResultRecord): string {
  return JSON.stringify([r.run_id, r.config_id, recordEssence(r)]);
}

async function lines(path: string): Promise<ResultRecord[]> {
  return (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "CI suite as 4 Slurm shards, one cancelled mid-run and resubmitted: same records as unsharded, gate passes",
  ignore: reason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await tempDir();
    const spec = join(REPO_ROOT, "experiments/ci.json");
    const single = join(dir, "single");
    const ran = await pb("run", spec, "--out", single, "--quiet");
    assertEquals(ran.code, 0, ran.out);

    const sweep = join(dir, "sweep");
    const sub = await pb("slurm", "submit", spec, "--out", sweep, "--shards", "4");
    assertEquals(sub.code, 0, sub.out);
    const arrayJob = sub.out.match(/array job (\d+)/)?.[1];
    assert(arrayJob, sub.out);

    // Cancel the first shard seen running once it has recorded a run (so the resubmission must resume it).
    let victim: number | null = null, recordedBefore = 0;
    for (let i = 0; i < 600 && victim === null; i++) {
      const q = await sh("squeue", ["-h", "-r", "-j", arrayJob, "-o", "%K %T"]);
      for (const m of q.out.matchAll(/^(\d+) RUNNING$/gm)) {
        const shard = Number(m[1]) + 1;
        const file = join(sweep, "shards", `shard-${shard}-of-4`, "results.jsonl");
        const n = await lines(file).then((r) => r.length, () => 0);
        if (n >= 1 && n < 5) {
          await sh("scancel", [`${arrayJob}_${m[1]}`]);
          victim = shard;
          await sleep(500);
          recordedBefore = (await lines(file)).length;
          break;
        }
      }
      if (victim === null) await sleep(200);
    }
    assert(victim !== null, "no shard was caught running with a partial record");

    // Wait for the rest to finish; the victim must show as failed, then be resubmitted.
    const waited = await pb("slurm", "status", sweep, "--wait", "--timeout", "600");
    assert(new RegExp(`^\\s+${victim}\\s+failed`, "m").test(waited.out), waited.out);
    assertEquals(waited.code, 1, "status exits 1 while a shard failed");
    const re = await pb("slurm", "resubmit", sweep);
    assertEquals(re.code, 0, re.out);
    assert(re.out.includes(`resubmitted shard(s) ${victim} `), re.out);
    const done = await pb("slurm", "status", sweep, "--wait", "--timeout", "600");
    assertEquals(done.code, 0, done.out);
    assert(done.out.includes("sweep complete"), done.out);

    // Nothing run twice: each run id once in the victim's results, and its early records kept.
    const victimRecords = await lines(join(sweep, "shards", `shard-${victim}-of-4`, "results.jsonl"));
    assertEquals(new Set(victimRecords.map((r) => r.run_id)).size, victimRecords.length);
    assert(recordedBefore >= 1 && victimRecords.length > recordedBefore);
    const log = await Deno.readTextFile(join(sweep, "slurm", "logs", "merge.out"));
    assert(log.includes("merged"), log);

    const merged = (await readResults(join(sweep, "results"))).records;
    const unsharded = (await readResults(single)).records;
    assertEquals(merged.map(essence).sort(), unsharded.map(essence).sort());

    const gate = await pb(
      "gate",
      "--baseline",
      join(REPO_ROOT, "benchmarks/baselines/ci.json"),
      "--current",
      join(sweep, "results"),
      "--rules",
      join(REPO_ROOT, "experiments/ci.rules.json"),
    );
    assertEquals(gate.code, 0, gate.out);
  },
});
