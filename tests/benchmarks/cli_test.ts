import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_shared.ts";
import { main } from "../../cli/main.ts";
import { ResultsWriter } from "../../benchmarks/results/store.ts";
import { sampleRecord } from "./_fixtures.ts";

/** Runs the CLI in-process, capturing console output. */
async function pb(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await main(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

Deno.test("pb variants lists every stage's variants with parameters and defaults", async () => {
  const r = await pb(["variants"]);
  assertEquals(r.code, 0);
  for (
    const id of [
      "cluster/hac",
      "cluster/two-pass",
      "cluster/greedy",
      "assign/gallery-assign",
      "embed/onnx-embed",
      "reference/reference",
    ]
  ) {
    assert(r.out.includes(id), id);
  }
  assert(/linkage\s+default "average"\s+single \| complete \| average \| median \| median-sampled/.test(r.out));
  const json = JSON.parse((await pb(["variants", "--json"])).out);
  assert(json.some((v: { id: string }) => v.id === "two-pass"));
});

Deno.test("pb results query answers SQL, export writes CSV, bad SQL and bad usage exit 2", async () => {
  const dir = await tempDir();
  const w = await ResultsWriter.open(dir);
  await w.append(sampleRecord({ run_id: "a" }));
  await w.append(sampleRecord({ run_id: "b", status: "failed", error: "boom", metrics: {}, metric_directions: {} }));
  w.close();
  const q = await pb(["results", "query", dir, "SELECT status, count(*) AS n FROM runs GROUP BY 1 ORDER BY 1"]);
  assertEquals(q.code, 0, q.err);
  assert(/failed\s+1/.test(q.out) && /ok\s+1/.test(q.out), q.out);
  const j = await pb(["results", "query", dir, "SELECT run_id FROM runs ORDER BY 1", "--json"]);
  assertEquals(JSON.parse(j.out), [{ run_id: "a" }, { run_id: "b" }]);
  const csv = join(dir, "x.csv");
  assertEquals((await pb(["results", "export", dir, "--out", csv])).code, 0);
  assert((await Deno.readTextFile(csv)).startsWith("run_id,experiment,dataset,variant_label"));
  assertEquals((await pb(["results", "query", dir, "SELEC nonsense"])).code, 2);
  assertEquals((await pb(["results", "frobnicate", dir])).code, 2);
  assertEquals((await pb(["results", "query", join(dir, "missing"), "SELECT 1"])).code, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pb run rejects a bad spec in one line naming the path, and a bad --shard", async () => {
  const dir = await tempDir();
  const spec = join(dir, "s.json");
  await Deno.writeTextFile(
    spec,
    JSON.stringify({
      name: "x",
      datasets: { d: { preset: "tiny" } },
      experiments: [{
        name: "e",
        datasets: ["d"],
        stages: { cluster: { variant: "hac", params: { linkage: "avg" } } },
      }],
    }),
  );
  const r = await pb(["run", spec, "--out", join(dir, "o")]);
  assertEquals(r.code, 1);
  assert(r.err.includes("experiments[0].stages.cluster.params.linkage: must be one of"), r.err);
  assertEquals(r.err.split("\n").length, 1);
  assertEquals((await pb(["run", spec, "--out", join(dir, "o"), "--shard", "3/2"])).code, 2);
  await Deno.remove(dir, { recursive: true });
});
