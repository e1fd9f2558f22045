/**
 * Compares the records of two sweeps timings aside — e.g. the CI suite run at an older commit and at this one —
 * and says which runs computed something else, field by field (metrics, counters, subgroups, curves, status,
 * labels bytes). Runs are matched by configuration, not run id (which hashes the code version).
 *
 * Run: `deno run -A benchmarks/tools/compare_records.ts A B [--ignore-params p,q] [--json]` with A and B results
 * folders (or `.jsonl` files). `--ignore-params`: settings one side pins explicitly that the other code does not
 * know (docs/structure.md shows a use). Exit 0 when every run matched and none differs, 1 otherwise, 2 on bad
 * arguments.
 * @module
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { compareRecords, type RecordComparison } from "../results/compare.ts";
import { readResults } from "../results/store.ts";

/** Values shown at most this wide. */
const SHOW = 60;

function show(v: unknown): string {
  const s = v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);
  return s.length > SHOW ? `${s.slice(0, SHOW - 1)}…` : s;
}

/**
 * The comparison as text: a summary line, then each differing run with up to `perRun` of its fields.
 * @param c the comparison
 * @param perRun fields listed per run (the rest are counted)
 * @returns lines to print
 */
export function formatComparison(c: RecordComparison, perRun = 12): string[] {
  const lines = [
    `${c.matched} run(s) matched: ${c.identical} identical, ${c.differing.length} differing; ` +
    `${c.onlyA.length} only in A, ${c.onlyB.length} only in B`,
  ];
  if (c.paramsOnlyA.length) lines.push(`parameters only in A: ${c.paramsOnlyA.join(", ")}`);
  if (c.paramsOnlyB.length) lines.push(`parameters only in B: ${c.paramsOnlyB.join(", ")}`);
  for (const run of c.onlyA) lines.push(`only in A: ${run}`);
  for (const run of c.onlyB) lines.push(`only in B: ${run}`);
  for (const d of c.differing) {
    lines.push(`differs: ${d.run} (${d.differences.length} field(s))`);
    for (const f of d.differences.slice(0, perRun)) lines.push(`  ${f.field}: ${show(f.a)} → ${show(f.b)}`);
    if (d.differences.length > perRun) lines.push(`  … ${d.differences.length - perRun} more`);
  }
  return lines;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { "ignore-params": { type: "string" }, json: { type: "boolean" }, all: { type: "boolean" } },
  });
  if (positionals.length !== 2) {
    console.error("usage: compare_records.ts A B [--ignore-params p,q] [--json] [--all]");
    Deno.exit(2);
  }
  const [a, b] = await Promise.all(positionals.map((p) => readResults(p)));
  const dirOf = (p: string) => (p.endsWith(".jsonl") ? dirname(p) : p);
  const comparison = await compareRecords(a!.records, b!.records, {
    ignoreParams: values["ignore-params"]?.split(",").map((s) => s.trim()).filter(Boolean) ?? [],
    dirs: [dirOf(positionals[0]!), dirOf(positionals[1]!)],
  });
  if (values.json) console.log(JSON.stringify(comparison, null, 2));
  else console.log(formatComparison(comparison, values.all ? Infinity : 12).join("\n"));
  const same = comparison.differing.length === 0 && comparison.onlyA.length === 0 && comparison.onlyB.length === 0;
  Deno.exit(same ? 0 : 1);
}
