import { assert, assertEquals, assertNotEquals, assertThrows } from "../_assert.ts";
import { type ExperimentSpec, SpecError, validateSpec } from "../../benchmarks/spec/spec.ts";
import {
  configId,
  expandConfigs,
  expandRuns,
  inShard,
  matchesOnly,
  parseShard,
  runId,
} from "../../benchmarks/spec/expand.ts";
import { canonicalJson } from "../../benchmarks/_hash.ts";

function spec(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "t",
    datasets: { tiny: { preset: "tiny", seed: 1 }, other: { preset: "tiny", seed: 2 } },
    experiments: [{
      name: "linkage",
      datasets: ["tiny", "other"],
      seeds: [1, 2],
      repeats: 2,
      stages: {
        cluster: { variant: "hac", params: { linkage: ["average", "median-sampled"], threshold: [0.4, 0.5, 0.6] } },
      },
    }],
    ...over,
  };
}

function specError(value: unknown): SpecError {
  return assertThrows(() => validateSpec(value, "s.json"), SpecError);
}

Deno.test("validateSpec() names the JSON path and the problem", () => {
  const cases: [unknown, string, string][] = [
    [spec({ name: "" }), "name", "must be a name"],
    [spec({ extra: 1 }), "extra", "unknown field"],
    [spec({ datasets: { d: { preset: "tiny", path: "x" } } }), "datasets.d", "exactly one of"],
    [spec({ experiments: [] }), "experiments", "non-empty"],
    [
      spec({ experiments: [{ name: "e", datasets: ["nope"], stages: { cluster: { variant: "hac" } } }] }),
      "experiments[0].datasets[0]",
      "unknown dataset",
    ],
    [
      spec({ experiments: [{ name: "e", datasets: ["tiny"], stages: { cluster: { variant: "nope" } } }] }),
      "experiments[0].stages.cluster.variant",
      "unknown variant",
    ],
    [
      spec({ experiments: [{ name: "e", datasets: ["tiny"], stages: { cluster: { variant: "reference" } } }] }),
      "experiments[0].stages.cluster.variant",
      "is a reference variant",
    ],
    [
      spec({
        experiments: [{
          name: "e",
          datasets: ["tiny"],
          stages: { cluster: { variant: "hac", params: { linkage: ["average", "avg"] } } },
        }],
      }),
      "experiments[0].stages.cluster.params.linkage[1]",
      "must be one of",
    ],
    [
      spec({
        experiments: [{
          name: "e",
          datasets: ["tiny"],
          stages: { cluster: { variant: "hac", params: { threshold: -1 } } },
        }],
      }),
      "experiments[0].stages.cluster.params.threshold",
      "must be ≥ 0",
    ],
    [
      spec({
        experiments: [{ name: "e", datasets: ["tiny"], stages: { cluster: { variant: "hac", params: { bogus: 1 } } } }],
      }),
      "experiments[0].stages.cluster.params.bogus",
      "unknown parameter",
    ],
    [spec({ defaults: { repeats: 0 } }), "defaults.repeats", "integer ≥ 1"],
    [spec({ defaults: { seeds: [1, 1] } }), "defaults.seeds", "duplicates"],
    [spec({ metrics: { confidence: 1.5 } }), "metrics.confidence", "(0, 1)"],
  ];
  for (const [value, path, problem] of cases) {
    const e = specError(value);
    assertEquals(e.path, path, `path for ${problem}`);
    assert(e.problem.includes(problem), `"${e.problem}" should include "${problem}"`);
    assert(e.message.startsWith(`s.json: ${path}: `), e.message);
  }
});

Deno.test("expandConfigs() is the cartesian product datasets × grid × seeds, in spec order; runs interleave repeats", async () => {
  const s = validateSpec(spec(), "s.json") as ExperimentSpec;
  const configs = await expandConfigs(s);
  assertEquals(configs.length, 2 * 2 * 3 * 2);
  assertEquals(configs[0]!.label, "hac(linkage=average,threshold=0.4)");
  assertEquals(configs[0]!.dataset, "tiny");
  assertEquals([configs[0]!.seed, configs[1]!.seed], [1, 2]);
  assertEquals(configs[2]!.label, "hac(linkage=average,threshold=0.5)");
  assertEquals(configs[6]!.label, "hac(linkage=median-sampled,threshold=0.4)");
  assertEquals(configs[12]!.dataset, "other");
  // Defaults are filled into the resolved params.
  assertEquals(configs[0]!.stages.cluster!.params.sample_pairs, 64);
  assertEquals(new Set(configs.map((c) => c.config_id)).size, configs.length);
  const runs = expandRuns(configs);
  assertEquals(runs.length, configs.length * 2);
  assertEquals(runs.slice(0, configs.length).every((r) => r.repeat === 0), true);
  assertEquals(runs[configs.length]!.config_id, configs[0]!.config_id);
});

Deno.test("stage alternatives multiply with other stages", async () => {
  const s = validateSpec(
    spec({
      experiments: [{
        name: "e",
        datasets: ["tiny"],
        stages: {
          cluster: [{ variant: "hac", params: { linkage: ["single", "average"] } }, { variant: "greedy" }],
          reference: { variant: "reference", params: { n: [10, 20] } },
        },
      }],
    }),
    "s.json",
  );
  const configs = await expandConfigs(s);
  assertEquals(configs.length, 3 * 2);
  assertEquals(configs.map((c) => c.label)[0], "hac(linkage=single) + reference(n=10)");
  assertEquals(configs.map((c) => c.label)[5], "greedy + reference(n=20)");
});

Deno.test("run ids are stable, and change with code version, manifest and repeat; config ids ignore them", async () => {
  const s = validateSpec(spec(), "s.json");
  const [a, b] = [await expandConfigs(s), await expandConfigs(s)];
  assertEquals(a.map((c) => c.config_id), b.map((c) => c.config_id));
  const r0 = { ...a[0]!, repeat: 0 }, r1 = { ...a[0]!, repeat: 1 };
  const id = await runId(r0, "m1", "v1");
  assertEquals(await runId({ ...b[0]!, repeat: 0 }, "m1", "v1"), id);
  assertNotEquals(await runId(r0, "m2", "v1"), id);
  assertNotEquals(await runId(r0, "m1", "v2"), id);
  assertNotEquals(await runId(r1, "m1", "v1"), id);
  // Key order in the spec does not matter (canonical JSON); a description does not change the config.
  assertEquals(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  const described = { ...a[0]!, datasetEntry: { ...a[0]!.datasetEntry, description: "x" } };
  assertEquals(await configId(described), a[0]!.config_id);
  // Defaults are not part of the config id (a new parameter with a default keeps baselines comparable), but
  // they are part of the run id.
  const explicitDefault = validateSpec(
    spec({
      experiments: [{
        name: "linkage",
        datasets: ["tiny", "other"],
        seeds: [1, 2],
        repeats: 2,
        stages: {
          cluster: {
            variant: "hac",
            params: { linkage: ["average", "median-sampled"], threshold: [0.4, 0.5, 0.6], sample_pairs: 64 },
          },
        },
      }],
    }),
    "s.json",
  );
  const withDefault = (await expandConfigs(explicitDefault))[0]!;
  assertEquals(withDefault.stages, a[0]!.stages);
  assertNotEquals(withDefault.config_id, a[0]!.config_id);
  const changedDefault = {
    ...r0,
    stages: { cluster: { variant: "hac", params: { ...r0.stages.cluster!.params, curve_points: 5 } } },
  };
  assertEquals(changedDefault.config_id, r0.config_id);
  assertNotEquals(await runId(changedDefault, "m1", "v1"), id);
  // The order of a dataset entry's keys does not matter either.
  assertEquals(
    await configId({ experiment: "e", dataset: "d", datasetEntry: { preset: "tiny", seed: 1 }, given: {}, seed: 1 }),
    await configId({ experiment: "e", dataset: "d", datasetEntry: { seed: 1, preset: "tiny" }, given: {}, seed: 1 }),
  );
});

Deno.test("--only matches globs or substrings; --shard partitions configurations", async () => {
  const configs = await expandConfigs(validateSpec(spec(), "s.json"));
  const c = configs[0]!;
  assert(matchesOnly(c, "linkage/tiny/*"));
  assert(matchesOnly(c, "average"));
  assert(!matchesOnly(c, "median"));
  assert(matchesOnly(c, "*threshold=0.4*seed=1"));
  assertEquals(parseShard("2/3"), { index: 2, count: 3 });
  assertEquals(parseShard("0/3"), null);
  assertEquals(parseShard("4/3"), null);
  assertEquals(parseShard("a/b"), null);
  const shards = [1, 2, 3].map((i) => configs.filter((x) => inShard(x.config_id, { index: i, count: 3 })));
  assertEquals(shards.reduce((s, x) => s + x.length, 0), configs.length);
  assertEquals(new Set(shards.flat().map((x) => x.config_id)).size, configs.length);
});

Deno.test("loadSpec() reads YAML specs like their JSON twin and names YAML syntax errors", async () => {
  const { loadSpec } = await import("../../benchmarks/spec/spec.ts");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify(spec()));
    const yaml = [
      "name: t",
      "datasets:",
      "  tiny: {preset: tiny, seed: 1}",
      "  other: {preset: tiny, seed: 2}",
      "experiments:",
      "  - name: linkage",
      "    datasets: [tiny, other]",
      "    seeds: [1, 2]",
      "    repeats: 2",
      "    stages:",
      "      cluster:",
      "        variant: hac",
      "        params: {linkage: [average, median-sampled], threshold: [0.4, 0.5, 0.6]}",
    ].join("\n");
    await Deno.writeTextFile(`${dir}/s.yaml`, yaml);
    const a = await loadSpec(`${dir}/s.json`), b = await loadSpec(`${dir}/s.yaml`);
    assertEquals(canonicalJson(b.spec), canonicalJson(a.spec));
    await Deno.writeTextFile(`${dir}/bad.yml`, "name: [unclosed\n");
    let err: unknown;
    try {
      await loadSpec(`${dir}/bad.yml`);
    } catch (e) {
      err = e;
    }
    assert(err instanceof SpecError && err.message.includes("invalid YAML"), String(err));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
