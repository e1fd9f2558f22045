import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { tempDir } from "../_shared.ts";
import { DataFileError } from "../../base/errors.ts";
import { loadResults } from "../../reports/load.ts";
import { fixtureRecords, writeResults } from "./_fixtures.ts";

Deno.test("loadResults() validates every line, skips and lists bad ones, splits by status", async () => {
  const dir = await tempDir();
  const records = fixtureRecords({ experiments: ["assignment"], failures: true });
  const broken = { ...records[0]!, timings: { ...records[0]!.timings, wall_s: "fast" } };
  await writeResults(dir, records, ["{cut short", JSON.stringify(broken)]);
  const r = await loadResults(dir);
  assertEquals(r.files, ["results.jsonl"]);
  assertEquals(r.records.length, records.length);
  assertEquals(r.failed.length, 2);
  assertEquals(r.ok.length, records.length - 2);
  assertEquals(r.skipped.map((s) => s.where), [
    `results.jsonl:${records.length + 1}`,
    `results.jsonl:${records.length + 2}`,
  ]);
  assert(r.skipped[0]!.problem.includes("invalid JSON"));
  assert(r.skipped[1]!.problem.includes("timings.wall_s"), r.skipped[1]!.problem);
});

Deno.test("loadResults() reads per-run JSONL files in subfolders; a repeated run id keeps its last record", async () => {
  const dir = await tempDir();
  const [a, b] = fixtureRecords({ experiments: ["unclear"] });
  await Deno.mkdir(join(dir, "runs", "x"), { recursive: true });
  await Deno.writeTextFile(join(dir, "runs", "x", "result.jsonl"), JSON.stringify(a) + "\n");
  const rerun = { ...a!, metrics: { ...a!.metrics, "bcubed.f1": 0.5 } };
  await Deno.writeTextFile(join(dir, "results.jsonl"), JSON.stringify(b) + "\n" + JSON.stringify(rerun) + "\n");
  const r = await loadResults(dir);
  assertEquals(r.files, ["results.jsonl", "runs/x/result.jsonl"]);
  assertEquals(r.records.length, 2);
  // runs/x/result.jsonl is read last, so its copy of the run wins.
  assertEquals(r.records.find((x) => x.run_id === a!.run_id)!.metrics["bcubed.f1"], a!.metrics["bcubed.f1"]);
});

Deno.test("loadResults() names the folder when it is missing, a file, or empty", async () => {
  const dir = await tempDir();
  await assertRejects(() => loadResults(join(dir, "nope")), DataFileError, "not found");
  await Deno.writeTextFile(join(dir, "f.txt"), "x");
  await assertRejects(() => loadResults(join(dir, "f.txt")), DataFileError, "not a folder");
  await Deno.mkdir(join(dir, "empty"));
  await assertRejects(() => loadResults(join(dir, "empty")), DataFileError, "no result records");
});
