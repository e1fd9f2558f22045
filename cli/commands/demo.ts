/**
 * `pb demo` (`deno task demo`): runs the small default suite (experiments/demo.json) on the built-in synthetic
 * library — plus the shared real data when present — and prints the summary table, then the report path.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runSweep } from "../../benchmarks/runner/runner.ts";
import { experimentDescriptions, formatSummaryTable, summarise } from "../../benchmarks/summary.ts";
import { UsageError } from "../../base/errors.ts";
import { type Command, flag, optStr } from "../command.ts";

/** The demo suite shipped with the repository. */
export const DEMO_SPEC: string = fileURLToPath(new URL("../../experiments/demo.json", import.meta.url));

/**
 * Moves an earlier results folder out of the way instead of deleting it: `DIR` → `DIR.previous-<UTC time>`.
 * @param out the results folder about to be written
 * @param now the time that names the kept folder
 * @returns where the earlier folder went, or null when there was nothing to keep (absent or empty)
 * @throws {UsageError} when `out` is a file
 */
export async function keepAside(out: string, now: Date = new Date()): Promise<string | null> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(out);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  if (!info.isDirectory) throw new UsageError(`--out ${out} is a file, not a results folder`);
  for await (const _ of Deno.readDir(out)) {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    let aside = `${out.replace(/[\/]+$/, "")}.previous-${stamp}`;
    for (let k = 2; await exists(aside); k++) aside = `${out.replace(/[\/]+$/, "")}.previous-${stamp}-${k}`;
    await Deno.rename(out, aside);
    return aside;
  }
  return null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Hook for the reports module: builds the HTML report of a results folder (and PNG figures when Chromium can run);
 * says on stderr why PNGs were not drawn. Returns the report's path, or null with a note when it could not be built.
 * @param resultsDir the demo's results folder
 * @param chromium the Chromium binary [the report's default: `$PB_CHROMIUM` or /usr/bin/chromium]
 */
export async function demoReport(resultsDir: string, chromium?: string): Promise<string | null> {
  try {
    const reports = await import("../../reports/mod.ts");
    const out = await reports.buildReport(resultsDir, join(resultsDir, "report"), {
      allowMissingBrowser: true,
      ...(chromium ? { chromium } : {}),
    });
    if (out.staticSkipped) {
      console.error(`PNG figures not drawn: ${out.staticSkipped}. The HTML report has every figure.`);
    }
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
    out: {
      type: "string",
      value: "DIR",
      help: "results folder; earlier results there are moved to DIR.previous-<time> unless --resume [out/demo]",
    },
    spec: { type: "string", value: "FILE", help: "suite to run [experiments/demo.json]" },
    resume: { type: "boolean", help: "keep DIR's results and run only what is missing" },
    "no-report": { type: "boolean", help: "skip the HTML report" },
  },
  async run(args) {
    const out = optStr(args, "out") ?? "out/demo";
    if (!flag(args, "resume")) {
      // Never delete earlier results: a fresh run moves them aside and says where.
      const aside = await keepAside(out);
      if (aside) console.error(`earlier results in ${out} kept aside in ${aside} (--resume continues them instead)`);
    }
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
