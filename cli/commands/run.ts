/**
 * `pb run SPEC --out DIR`: runs (or resumes) a benchmark sweep and prints its summary table.
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import { runSweep } from "../../benchmarks/runner/runner.ts";
import { parseShard } from "../../benchmarks/spec/expand.ts";
import { experimentDescriptions, formatSummaryTable, summarise } from "../../benchmarks/summary.ts";
import { type Command, flag, optNum, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

/** `pb run`. */
export const runCommand: Command = {
  name: "run",
  summary: "run a benchmark sweep: spec → isolated runs → results.jsonl (+ summary table)",
  usage: "SPEC --out DIR [--resume] [--shard i/n] [--only PATTERN] [--dry-run] [--jobs N] [--json]",
  positionals: true,
  description: dedent`
    Each run (configuration × repeat) executes in its own process with warm-ups, a time limit and
    peak-memory measurement; one JSON record per run is appended to DIR/results.jsonl. A failed run is
    recorded and the sweep continues. Exit code 1 when any run failed or timed out.
  `,
  options: {
    out: { type: "string", value: "DIR", help: "results folder (required)" },
    resume: { type: "boolean", help: "continue a sweep in DIR: runs already recorded are not run again" },
    shard: { type: "string", value: "i/n", help: "run only shard i of n (by configuration id)" },
    only: {
      type: "string",
      value: "PATTERN",
      help: "only configurations named like experiment/dataset/variant/seed=N (glob or substring)",
    },
    "dry-run": { type: "boolean", help: "print the plan (runs, ids, done or not) and run nothing" },
    jobs: { type: "string", value: "N", help: "child processes at once (timings get noisier above 1) [1]" },
    "cache-dir": { type: "string", value: "DIR", help: "cache of generated datasets [.cache]" },
    "no-artifacts": { type: "boolean", help: "do not keep raw labels/assignments under DIR/runs/" },
    quiet: { type: "boolean", help: "no progress bar" },
    json: { type: "boolean", help: "print the sweep outcome as JSON instead of the table" },
  },
  async run(args) {
    const spec = args.positionals[0];
    if (!spec || args.positionals.length > 1) throw new UsageError("pb run: give exactly one SPEC file");
    const shardText = optStr(args, "shard");
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    if (shard === null) throw new UsageError(`--shard must look like i/n with 1 ≤ i ≤ n, got "${shardText}"`);
    const r = await runSweep(spec, {
      out: str(args, "out"),
      resume: flag(args, "resume"),
      shard,
      only: optStr(args, "only"),
      dryRun: flag(args, "dry-run"),
      jobs: optNum(args, "jobs", { min: 1, max: 64, integer: true }),
      cacheDir: optStr(args, "cache-dir"),
      saveArtifacts: !flag(args, "no-artifacts"),
      progress: !flag(args, "quiet"),
    });
    if (flag(args, "json")) {
      const { records: _r, ...rest } = r;
      console.log(JSON.stringify({ ...rest, summary: summarise(r.records) }, null, 2));
    } else if (flag(args, "dry-run")) {
      for (const p of r.plan) console.log(`${p.done ? "done" : "todo"}  ${p.run_id}  ${p.name}#${p.repeat}`);
      console.log(`${r.planned} runs planned, ${r.alreadyDone} already done, ${r.planned - r.alreadyDone} to run`);
    } else {
      console.log(formatSummaryTable(summarise(r.records), { descriptions: await experimentDescriptions(spec) }));
      console.log(
        `${r.executed} run(s) executed, ${r.alreadyDone} already done, ${r.failed} failed, ${r.timedOut} timed out, ` +
          `${r.skipped.length} dataset(s) skipped, ${r.unavailable.length} configuration(s) unavailable here; ` +
          `${r.wall_s.toFixed(1)} s`,
      );
    }
    return r.failed + r.timedOut > 0 ? 1 : 0;
  },
};
