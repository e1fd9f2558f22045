/**
 * `deno task bench` (and `pb bench`): the project's performance benchmarks.
 *
 * 1. The harness sweep `experiments/ci.json` (reference workload, linkages, face vs face+body) into
 *    `out/bench/ci`, printed as the summary table and checked with the regression gate against
 *    `benchmarks/baselines/ci.json` (latencies as ratios to the reference measured in the same run).
 * 2. Each helper benchmark file found beside this one (`*_bench.ts`: assignment solvers, embedding
 *    throughput, HAC, the same-run references, …) in its quick mode when it has one, as its own process.
 *
 * `references: true` runs only the same-run comparisons with SciPy, fastcluster and scikit-learn
 * (`references_bench.ts` and `assign_bench.ts`, which measures scikit-learn beside ours).
 *
 * Options: `--only NAME` (substring of a step: `ci`, `assign`, `embed`), `--full` (no quick modes),
 * `--references`.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatGateReport, type GateRules, runGate, validateBaseline } from "./gate/gate.ts";
import { readResults } from "./results/store.ts";
import { runSweep } from "./runner/runner.ts";
import { formatSummaryTable, summarise } from "./summary.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(HERE, "..");

/** The benchmark files `references: true` runs: each compares ours with a reference library in one run. */
export const REFERENCE_STEPS = ["references_bench.ts", "assign_bench.ts"];

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
  /** Run only the steps whose name contains this (`ci`, `assign`, `embed`, `hac`, `references`, …). */
  only?: string;
  /** Run the benchmark files in their full mode instead of their quick mode. */
  full?: boolean;
  /** Run only the same-run comparisons with SciPy, fastcluster and scikit-learn ({@link REFERENCE_STEPS}). */
  references?: boolean;
}

/** The CI sweep and its gate, through the harness. Returns the number of failed steps (0–2). */
async function ciSweep(): Promise<number> {
  console.log("== harness sweep experiments/ci.json → out/bench/ci");
  const out = join(REPO, "out/bench/ci");
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const sweep = await runSweep(join(REPO, "experiments/ci.json"), { out, progress: false });
  console.log(formatSummaryTable(summarise(sweep.records)));
  let failures = sweep.failed + sweep.timedOut > 0 ? 1 : 0;
  const baselinePath = join(REPO, "benchmarks/baselines/ci.json");
  const baseline = validateBaseline(JSON.parse(await Deno.readTextFile(baselinePath)), baselinePath);
  const rules = JSON.parse(await Deno.readTextFile(join(REPO, "experiments/ci.rules.json"))) as GateRules;
  const report = runGate(baseline, (await readResults(out)).records, rules);
  console.log(formatGateReport(report, false));
  if (!report.passed) failures++;
  return failures;
}

/**
 * Runs the project's performance benchmarks: the CI harness sweep through the regression gate, then
 * every `*_bench.ts` beside this file in its own process. Returns the number of failed steps.
 */
export async function runBenchmarks(options: BenchOptions = {}): Promise<number> {
  const wanted = (name: string) => !options.only || name.includes(options.only);
  let failures = 0;
  if (!options.references && wanted("ci")) failures += await ciSweep();
  const files = options.references
    ? REFERENCE_STEPS
    : [...Deno.readDirSync(HERE)].map((e) => e.name).filter((n) => n.endsWith("_bench.ts")).sort();
  for (const f of files) {
    if (wanted(f.replace(/_bench\.ts$/, ""))) { if ((await runFile(f, !options.full)) !== 0) failures++; }
  }
  console.log(`\nbench: ${failures === 0 ? "done" : `${failures} step(s) failed`}`);
  return failures;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { only: { type: "string" }, full: { type: "boolean" }, references: { type: "boolean" } },
  });
  const failures = await runBenchmarks({ only: values.only, full: values.full, references: values.references });
  Deno.exit(failures === 0 ? 0 : 1);
}
