/**
 * `pb bench`: the project's performance benchmarks (the same as `deno task bench`).
 * @module
 */
import { type Command, flag, optStr } from "../command.ts";
import { dedent } from "../help.ts";

/** The `pb bench` command. */
export const benchCommand: Command = {
  name: "bench",
  summary: "performance benchmarks: CI sweep through the regression gate, then every benchmarks/*_bench.ts",
  usage: "[--only NAME] [--full] [--references]",
  description: dedent`
    Steps: ci (experiments/ci.json through pb gate), and one per benchmarks/<name>_bench.ts
    (hac, assign, embed, references, …), each in its own process, in its quick mode unless --full.
    Every benchmark prints ratios against a baseline measured in the same run.
    --references runs only the comparisons with SciPy, fastcluster and scikit-learn on the same data in
    the same run (pb cluster's defaults vs linkage; our lasso vs Lasso, LassoLars, SparseCoder): both
    timings, both outputs and their agreement. Needs Debian's python3-scipy, python3-fastcluster and
    python3-sklearn (bash .ci/install-references.sh); without them each step says so in one line.
  `,
  options: {
    only: { type: "string", value: "NAME", help: "run only steps whose name contains NAME [all]" },
    full: { type: "boolean", help: "full sizes instead of each benchmark's quick mode [off]" },
    references: { type: "boolean", help: "only the same-run comparisons with SciPy/fastcluster/scikit-learn [off]" },
  },
  async run(args) {
    // Loaded lazily: the benchmarks pull in onnxruntime and the harness.
    const { runBenchmarks } = await import("../../benchmarks/bench.ts");
    const options = { only: optStr(args, "only"), full: flag(args, "full"), references: flag(args, "references") };
    return (await runBenchmarks(options)) === 0 ? 0 : 1;
  },
};
