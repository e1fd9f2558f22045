import { join } from "node:path";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { tempDir } from "../_shared.ts";
import { DataFileError } from "../../base/errors.ts";
import { RecordError, validateResultRecord } from "../../benchmarks/results/schema.ts";
import { mergeResults, readResults, ResultsWriter } from "../../benchmarks/results/store.ts";
import { queryResults } from "../../benchmarks/results/duckdb.ts";
import { sampleRecord } from "./_fixtures.ts";

Deno.test("validateResultRecord() accepts a full record and names the path of a problem", () => {
  validateResultRecord(sampleRecord());
  const bad: [unknown, string][] = [
    [{ ...sampleRecord(), status: "weird" }, "status"],
    [{ ...sampleRecord(), status: "failed", error: null }, "error"],
    [{ ...sampleRecord(), metrics: { x: NaN } }, "metrics.x"],
    [{ ...sampleRecord(), metrics: { x: 1 }, metric_directions: {} }, "metric_directions.x"],
    [{ ...sampleRecord(), timings: { ...sampleRecord().timings, samples: { m: [1, "a"] } } }, "timings.samples.m[1]"],
    [{ ...sampleRecord(), curves: { c: { x: [1], y: [], x_label: "", y_label: "" } } }, "curves.c"],
    [{ ...sampleRecord(), dataset: { ...sampleRecord().dataset, n: -1 } }, "dataset.n"],
  ];
  for (const [value, path] of bad) {
    assertEquals(assertThrows(() => validateResultRecord(value), RecordError).path, path);
  }
});

Deno.test("a crash mid-append leaves a torn line that is never read as a record, and is cut before the next append", async () => {
  const dir = await tempDir();
  const w = await ResultsWriter.open(dir);
  await w.append(sampleRecord({ run_id: "a" }));
  await w.append(sampleRecord({ run_id: "b" }));
  w.close();
  // Simulate a process killed in the middle of writing the third line.
  const full = JSON.stringify(sampleRecord({ run_id: "c" })) + "\n";
  await Deno.writeTextFile(join(dir, "results.jsonl"), full.slice(0, Math.floor(full.length / 2)), { append: true });
  const r1 = await readResults(dir);
  assertEquals(r1.records.map((r) => r.run_id), ["a", "b"]);
  assert(r1.tornTail);
  const w2 = await ResultsWriter.open(dir);
  await w2.append(sampleRecord({ run_id: "c" }));
  w2.close();
  const r2 = await readResults(dir);
  assertEquals(r2.records.map((r) => r.run_id), ["a", "b", "c"]);
  assertEquals(r2.tornTail, false);
  assert((await Deno.readTextFile(join(dir, "results.jsonl.torn"))).length > 0, "torn bytes are kept aside");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a corrupt complete line is an error naming the file and line", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(join(dir, "results.jsonl"), JSON.stringify(sampleRecord()) + "\n{not json}\n");
  const e = await assertRejects(() => readResults(dir), DataFileError, "line 2");
  assert(e.message.includes("results.jsonl"));
  const w = await ResultsWriter.open(dir);
  await assertRejects(() => w.append({ ...sampleRecord(), status: "nope" } as never), RecordError);
  w.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("mergeResults() unions shards by run id; DuckDB answers SQL over the merged folder", async () => {
  const [a, b, out] = [await tempDir(), await tempDir(), await tempDir()];
  const wa = await ResultsWriter.open(a), wb = await ResultsWriter.open(b);
  await wa.append(
    sampleRecord({ run_id: "1", metrics: { "bcubed.f1": 0.5 }, metric_directions: { "bcubed.f1": "higher" } }),
  );
  await wa.append(sampleRecord({ run_id: "2" }));
  await wb.append(sampleRecord({ run_id: "2" }));
  await wb.append(sampleRecord({ run_id: "3", status: "failed", error: "boom", metrics: {}, metric_directions: {} }));
  wa.close();
  wb.close();
  assertEquals(await mergeResults([a, b], out), { added: 3, duplicates: 1 });
  const q = await queryResults(out, "SELECT run_id, status, error FROM runs ORDER BY run_id");
  assertEquals(q.rows.map((r) => r.run_id), ["1", "2", "3"]);
  assertEquals(q.rows[2]!.error, "boom");
  const m = await queryResults(out, "SELECT avg(value) AS f FROM metrics WHERE metric = 'bcubed.f1'");
  assertEquals(Math.round((m.rows[0]!.f as number) * 1000), 700);
  const s = await queryResults(out, "SELECT count(*)::INTEGER AS n FROM samples WHERE name = 'merge_seconds'");
  assertEquals(s.rows[0]!.n, 6);
  for (const d of [a, b, out]) await Deno.remove(d, { recursive: true });
});
