/**
 * `deno task bench`: the project's performance benchmarks.
 *
 * 1. The harness sweep `experiments/ci.json` (reference workload, linkages, face vs face+body) into
 *    `out/bench/ci`, printed as the summary table and checked with the regression gate against
 *    `benchmarks/baselines/ci.json` (latencies as ratios to the reference measured in the same run).
 * 2. Each helper benchmark file found beside this one (`*_bench.ts`: assignment solvers, embedding
 *    throughput, …) in its quick mode when it has one, as its own process.
 *
 * Options: `--only NAME` (substring of a step: `ci`, `assign`, `embed`), `--full` (no quick modes).
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { main } from "../cli/main.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(HERE, "..");

async function runFile(file: string, quick: boolean): Promise<number> {
  const text = await Deno.readTextFile(join(HERE, file));
  const args = quick && text.includes("--quick") ? ["--quick"] : [];
  console.log(`\n== ${file} ${args.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", join(REPO, "deno.json"), join(HERE, file), ...args],
    cwd: REPO,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

/** Options of {@link runBenchmarks}. */
export interface BenchOptions {
  /** Run only the steps whose name contains this (`ci`, `assign`, `embed`, `hac`, …). */
  only?: string;
  /** Run the benchmark files in their full mode instead of their quick mode. */
  full?: boolean;
}

/**
 * Runs the project's performance benchmarks: the CI harness sweep through the regression gate, then
 * every `*_bench.ts` beside this file in its own process. Returns the number of failed steps.
 */
export async function runBenchmarks(options: BenchOptions = {}): Promise<number> {
  const wanted = (name: string) => !options.only || name.includes(options.only);
  let failures = 0;
  if (wanted("ci")) {
    console.log("== harness sweep experiments/ci.json → out/bench/ci");
    await Deno.remove(join(REPO, "out/bench/ci"), { recursive: true }).catch(() => {});
    const out = join(REPO, "out/bench/ci");
    if ((await main(["run", join(REPO, "experiments/ci.json"), "--out", out, "--quiet"])) !== 0) failures++;
    const gate = await main([
      "gate",
      "--baseline",
      join(REPO, "benchmarks/baselines/ci.json"),
      "--current",
      out,
      "--rules",
      join(REPO, "experiments/ci.rules.json"),
    ]);
    if (gate !== 0) failures++;
  }
  const files = [...Deno.readDirSync(HERE)].map((e) => e.name).filter((n) => n.endsWith("_bench.ts")).sort();
  for (const f of files) {
    if (wanted(f.replace(/_bench\.ts$/, ""))) { if ((await runFile(f, !options.full)) !== 0) failures++; }
  }
  console.log(`\nbench: ${failures === 0 ? "done" : `${failures} step(s) failed`}`);
  return failures;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { only: { type: "string" }, full: { type: "boolean" } } });
  Deno.exit((await runBenchmarks({ only: values.only, full: values.full })) === 0 ? 0 : 1);
}
