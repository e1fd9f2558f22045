/**
 * `pb demo` (`deno task demo`): runs the small default suite (experiments/demo.json) on the built-in synthetic
 * library — plus the shared real data when present — and prints the summary table, then the report path.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSweep } from "../../benchmarks/runner/runner.ts";
import { experimentDescriptions, formatSummaryTable, summarise } from "../../benchmarks/summary.ts";
import { type Command, flag, optStr } from "../command.ts";

/** The demo suite shipped with the repository. */
export const DEMO_SPEC: string = fileURLToPath(new URL("../../experiments/demo.json", import.meta.url));

/**
 * Hook for the reports module: builds the HTML report of a results folder when `reports/` provides
 * `buildReport(resultsDir, outDir, options)`; returns its path, or null with a note when unavailable.
 */
export async function demoReport(resultsDir: string): Promise<string | null> {
  try {
    const reports = await import("../../reports/mod.ts");
    const out = await reports.buildReport(resultsDir, join(resultsDir, "report"), { allowMissingBrowser: true });
    return out.htmlPath;
  } catch (e) {
    console.error(`report not built: ${(e as Error).message.split("\n")[0]}`);
    return null;
  }
}

/** `pb demo`. */
export const demoCommand: Command = {
  name: "demo",
  summary: "run the small default benchmark suite on built-in synthetic data and print the summary",
  usage: "[--out DIR] [--spec FILE] [--resume] [--no-report]",
  options: {
    out: { type: "string", value: "DIR", help: "results folder, replaced unless --resume [out/demo]" },
    spec: { type: "string", value: "FILE", help: "suite to run [experiments/demo.json]" },
    resume: { type: "boolean", help: "keep DIR's results and run only what is missing" },
    "no-report": { type: "boolean", help: "skip the HTML report" },
  },
  async run(args) {
    const out = optStr(args, "out") ?? "out/demo";
    if (!flag(args, "resume")) await Deno.remove(out, { recursive: true }).catch(() => {});
    console.error(`PeopleBench demo: suite ${optStr(args, "spec") ?? "experiments/demo.json"} → ${out}`);
    const spec = optStr(args, "spec") ?? DEMO_SPEC;
    const r = await runSweep(spec, { out, resume: true });
    console.log(formatSummaryTable(summarise(r.records), { descriptions: await experimentDescriptions(spec) }));
    for (const s of r.skipped) console.log(`skipped dataset ${s.dataset}: ${s.reason}`);
    console.log(`${r.executed} run(s) in ${r.wall_s.toFixed(1)} s; results: ${join(out, "results.jsonl")}`);
    console.log(
      `query them: deno task pb results query ${out} "SELECT variant_label, median(wall_s) FROM runs GROUP BY 1"`,
    );
    if (!flag(args, "no-report")) {
      const report = await demoReport(out);
      if (report) console.log(`report: ${report}`);
    }
    return r.failed + r.timedOut > 0 ? 1 : 0;
  },
};
