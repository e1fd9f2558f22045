/**
 * Planning-time availability: a configuration whose variant says it cannot run here (a backend missing on this
 * machine) is reported with its reason and not run — never recorded as a failed run.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { REPO_ROOT, tempDir } from "../_shared.ts";
import { runSweep } from "../../benchmarks/runner/runner.ts";
import { latencyVariant } from "../../benchmarks/variants/builtin/latency.ts";
import { embedVariant } from "../../benchmarks/variants/builtin/embed.ts";

Deno.test({
  name: "a configuration unavailable here is listed with its reason at planning time, not run, not failed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await tempDir();
    const spec = join(dir, "spec.json");
    await Deno.writeTextFile(
      spec,
      JSON.stringify({
        name: "unavailable",
        plugins: [join(REPO_ROOT, "tests/benchmarks/_plugin_unavailable.ts")],
        defaults: { repeats: 1, warmups: 0, seeds: [1], timeout_s: 60 },
        datasets: { tiny: { preset: "tiny", seed: 3, generator: { observations: 200, identities: 10 } } },
        experiments: [{
          name: "toy",
          datasets: ["tiny"],
          stages: { reference: { variant: "toy-unavailable", params: { n: [300, 600] } } },
        }],
      }),
    );
    const log: string[] = [];
    const r = await runSweep(spec, {
      out: join(dir, "out"),
      cacheDir: join(REPO_ROOT, ".cache"),
      progress: false,
      log: (l) => log.push(l),
    });
    assertEquals(r.unavailable.length, 1);
    assert(r.unavailable[0]!.config.includes("n=600"), r.unavailable[0]!.config);
    assertEquals(r.unavailable[0]!.reason, "this machine has no accelerator for n > 500");
    assert(log.some((l) => l.startsWith("unavailable here, not run:") && l.includes("n=600")));
    assertEquals([r.planned, r.executed, r.failed], [1, 1, 0]);
    assertEquals(r.records.map((x) => x.status), ["ok"]);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("model variants refuse backends that cannot run here at planning time, and software adapters unless allowed", async () => {
  const { probeBackend } = await import("../../pipeline/onnx/backends.ts");
  const coreml = await probeBackend("ort-node:coreml");
  const p = {
    backend: "ort-node:coreml",
    allow_software_adapter: false,
    model: "mobilefacenet",
    activation: "prelu",
    batch: 1,
    calls: 1,
    threads: 0,
    prelu_rewrite: true,
    op_profile: false,
    models: "",
  };
  const reason = await latencyVariant.unavailable!(p);
  assertEquals(reason, coreml.usable ? null : coreml.reason);
  assertEquals(await latencyVariant.unavailable!({ ...p, backend: "cpu" }), null);
  assertEquals(await latencyVariant.unavailable!({ ...p, backend: "auto" }), null);
  const gpu = await probeBackend("ort-web:webgpu");
  const strict = await embedVariant.unavailable!({
    backend: "webgpu",
    allow_software_adapter: false,
    model: "mobilefacenet",
    batch: 1,
    threads: 0,
    crops: 1,
    prelu_rewrite: true,
    images: "",
    models: "",
  });
  if (!gpu.usable) assertEquals(strict, gpu.reason);
  else if (gpu.software_adapter) assert(strict !== null && strict.includes("software adapter"), String(strict));
  else assertEquals(strict, null);
  assertEquals(
    await latencyVariant.unavailable!({ ...p, backend: "webgpu", allow_software_adapter: true }),
    gpu.usable ? null : gpu.reason,
  );
});
