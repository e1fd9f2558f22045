/**
 * `pb bench`: the project's performance benchmarks (the same as `deno task bench`).
 * @module
 */
import { type Command, flag, optStr } from "../command.ts";

/** The `pb bench` command. */
export const benchCommand: Command = {
  name: "bench",
  summary: "performance benchmarks: CI sweep through the regression gate, then every benchmarks/*_bench.ts",
  usage: "[--only NAME] [--full]",
  description: [
    "Steps: ci (experiments/ci.json through pb gate), and one per benchmarks/<name>_bench.ts",
    "(hac, assign, embed, …), each in its own process, in its quick mode unless --full.",
    "Every benchmark prints ratios against a baseline measured in the same run.",
  ].join("\n"),
  options: {
    only: { type: "string", value: "NAME", help: "run only steps whose name contains NAME [all]" },
    full: { type: "boolean", help: "full sizes instead of each benchmark's quick mode" },
  },
  async run(args) {
    // Loaded lazily: the benchmarks pull in onnxruntime and the harness.
    const { runBenchmarks } = await import("../../benchmarks/bench.ts");
    return (await runBenchmarks({ only: optStr(args, "only"), full: flag(args, "full") })) === 0 ? 0 : 1;
  },
};
