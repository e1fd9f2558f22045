/**
 * `pb gate`: the CI regression gate (accuracy tolerances, latency ratios with a significance test).
 * @module
 */
import { dirname, join } from "node:path";
import { UsageError } from "../../base/errors.ts";
import { writeFileAtomic } from "../../base/atomic.ts";
import {
  buildBaseline,
  formatGateReport,
  type GateRules,
  runGate,
  toBmf,
  toGithubActionBenchmark,
  validateBaseline,
} from "../../benchmarks/gate/gate.ts";
import { readResults } from "../../benchmarks/results/store.ts";
import { type Command, flag, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`${what} ${path}: ${e instanceof Deno.errors.NotFound ? "not found" : (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${path}: invalid JSON: ${(e as Error).message}`);
  }
}

/** `pb gate`. */
export const gateCommand: Command = {
  name: "gate",
  summary: "compare results with a baseline: exit 0 pass, 1 regression, 2 usage error",
  usage: "--baseline FILE --current RESULTS [--rules FILE] [--bmf FILE] [--all] | --update-baseline [--aa RESULTS]…",
  description: dedent`
    Accuracy: a metric may not get worse by more than its tolerance. Latency: each run times its
    candidate paired with the reference workload in its own process (A B A B …); a slow-down fails only when
    the whole confidence interval of the median per-pair ratio's change lies beyond the noise band, calibrated
    from A/A sweeps in the baseline. Merged results are gated per host and shard.
    --update-baseline writes FILE from RESULTS instead; each --aa RESULTS is another sweep of the same code
    (pooled, and used to calibrate the noise band).
  `,
  options: {
    baseline: { type: "string", value: "FILE", help: "baseline JSON (required)" },
    current: { type: "string", value: "RESULTS", help: "results folder of the current sweep (required)" },
    rules: { type: "string", value: "FILE", help: "tolerances, noise band, alpha (JSON) [built-in defaults]" },
    bmf: { type: "string", value: "FILE", help: "Bencher BMF JSON output [RESULTS/gate.bmf.json]" },
    gab: {
      type: "string",
      value: "FILE",
      help: "github-action-benchmark JSON output [RESULTS/gate.github-benchmark.json]",
    },
    all: { type: "boolean", help: "show unchanged comparisons too" },
    "update-baseline": { type: "boolean", help: "write the baseline from RESULTS (deliberately) and exit 0" },
    aa: {
      type: "string",
      multiple: true,
      value: "RESULTS",
      help: "with --update-baseline: another sweep of the same code, for the A/A noise band (repeatable)",
    },
  },
  async run(args) {
    const baselinePath = str(args, "baseline");
    const currentDir = str(args, "current");
    const { records } = await readResults(currentDir).catch((e) => {
      throw new UsageError((e as Error).message);
    });
    if (records.length === 0) throw new UsageError(`${currentDir}: no results`);
    const aaDirs = (args.values.aa as string[] | undefined) ?? [];
    if (flag(args, "update-baseline")) {
      const sweeps = [records];
      for (const dir of aaDirs) {
        const aa = await readResults(dir).catch((e) => {
          throw new UsageError((e as Error).message);
        });
        if (aa.records.length === 0) throw new UsageError(`${dir}: no results`);
        sweeps.push(aa.records);
      }
      sweeps.forEach((s, k) => {
        const failed = s.filter((r) => r.status !== "ok").length;
        const dir = k === 0 ? currentDir : aaDirs[k - 1];
        if (failed) throw new UsageError(`${dir}: ${failed} run(s) failed; refusing to baseline failures`);
      });
      const b = buildBaseline(...sweeps);
      await Deno.mkdir(dirname(baselinePath), { recursive: true });
      await writeFileAtomic(baselinePath, JSON.stringify(b, null, 2) + "\n");
      console.log(
        `wrote baseline ${baselinePath}: ${Object.keys(b.configs).length} configuration(s), ${b.sweeps} sweep(s)` +
          (b.sweeps > 1 ? " (A/A noise calibration recorded)" : " (no A/A calibration: pass --aa RESULTS)"),
      );
      return 0;
    }
    if (aaDirs.length) throw new UsageError("--aa only applies with --update-baseline");
    const baseline = validateBaseline(await readJson(baselinePath, "baseline"), baselinePath);
    const rulesPath = optStr(args, "rules");
    const rules = rulesPath ? (await readJson(rulesPath, "rules")) as GateRules : {};
    const report = runGate(baseline, records, rules);
    console.log(formatGateReport(report, flag(args, "all")));
    const bmf = optStr(args, "bmf") ?? join(currentDir, "gate.bmf.json");
    await writeFileAtomic(bmf, JSON.stringify(toBmf(records), null, 2) + "\n");
    const gab = optStr(args, "gab") ?? join(currentDir, "gate.github-benchmark.json");
    await writeFileAtomic(gab, JSON.stringify(toGithubActionBenchmark(records), null, 2) + "\n");
    return report.passed ? 0 : 1;
  },
};
