/**
 * Integration tests of the runner: real sweeps in child processes on a small generated library.
 * Acceptance: kill -9 mid-sweep + --resume gives the same records (timings aside) and reruns nothing;
 * a deliberately slowed or degraded variant makes `pb gate` fail.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { REPO_ROOT, tempDir } from "../_shared.ts";
import { runSweep } from "../../benchmarks/runner/runner.ts";
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { recordEssence } from "../../benchmarks/results/compare.ts";
import { mergeResults, readResults } from "../../benchmarks/results/store.ts";

const CACHE = join(REPO_ROOT, ".cache");
const DATASET = { preset: "tiny", seed: 3, generator: { observations: 400, identities: 20 } };

function specFor(plugin: string | null, repeats: number, extra: object[] = []): object {
  return {
    name: "itest",
    ...(plugin ? { plugins: [plugin] } : {}),
    defaults: { repeats, warmups: 1, seeds: [1], timeout_s: 60 },
    metrics: { bootstrap: 50 },
    datasets: { small: DATASET },
    experiments: [
      { name: "reference", datasets: ["small"], stages: { reference: { variant: "reference", params: { n: 300 } } } },
      ...extra,
    ],
  };
}

async function writeSpec(dir: string, spec: object): Promise<string> {
  const path = join(dir, "spec.json");
  await Deno.writeTextFile(path, JSON.stringify(spec));
  return path;
}

/** What must be identical between two sweeps of the same code: the run ids and what each run computed. */
function essence(r: ResultRecord): unknown {
  return { run_id: r.run_id, config_id: r.config_id, ...recordEssence(r) };
}

const byId = (rs: ResultRecord[]) => [...rs].sort((a, b) => (a.run_id < b.run_id ? -1 : 1)).map(essence);

async function pb(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", join(REPO_ROOT, "deno.json"), join(REPO_ROOT, "cli/main.ts"), ...args],
    cwd: REPO_ROOT,
    env: { PB_CACHE_DIR: CACHE, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, out: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr) };
}

Deno.test({
  name: "a sweep killed with SIGKILL and resumed gives the same records as an uninterrupted one, rerunning nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await tempDir();
    const env = { PB_CODE_VERSION: "resume-test" }; // pinned: other work in the tree must not change run ids mid-test
    const spec = await writeSpec(
      dir,
      specFor(null, 2, [{
        name: "linkage",
        datasets: ["small"],
        stages: { cluster: { variant: "two-pass", params: { linkage: ["average", "complete"], curve_points: 3 } } },
      }]),
    );
    for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
    try {
      const full = await runSweep(spec, { out: join(dir, "full"), progress: false, cacheDir: CACHE });
      assertEquals([full.planned, full.executed, full.failed], [6, 6, 0]);
      for (const r of full.records) {
        // The child's own peak memory: a fresh Deno process holding a 400-observation dataset.
        assert(r.timings.peak_rss_mb > 20 && r.timings.peak_rss_mb < 1000, `peak RSS ${r.timings.peak_rss_mb}`);
        assert(r.timings.wall_s > 0 && r.timings.cpu_s > 0);
      }
      assert(full.records.some((r) => (r.timings.samples.merge_seconds?.length ?? 0) > 0), "per-merge samples kept");
      assert(full.records.some((r) => r.curves["threshold.bcubed.f1"]?.x.length === 3), "threshold curves kept");

      // Kill the CLI sweep once at least two records are on disk.
      const out = join(dir, "killed");
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          join(REPO_ROOT, "deno.json"),
          join(REPO_ROOT, "cli/main.ts"),
          "run",
          spec,
          "--out",
          out,
          "--quiet",
        ],
        cwd: REPO_ROOT,
        env: { PB_CACHE_DIR: CACHE, ...env },
        stdout: "null",
        stderr: "null",
      }).spawn();
      let seen = 0;
      for (let t = 0; t < 600 && seen < 2; t++) {
        await new Promise((r) => setTimeout(r, 100));
        seen = (await readResults(out, { missingOk: true })).records.length;
      }
      child.kill("SIGKILL");
      await child.status;
      const before = (await readResults(out)).records;
      assert(before.length >= 2 && before.length < 6, `killed after ${before.length} records`);

      const resumed = await runSweep(spec, { out, resume: true, progress: false, cacheDir: CACHE });
      assertEquals(resumed.alreadyDone, before.length);
      assertEquals(resumed.executed, 6 - before.length, "nothing finished runs again");
      const after = (await readResults(out)).records;
      assertEquals(after.length, 6);
      assertEquals(new Set(after.map((r) => r.run_id)).size, 6);
      assertEquals(byId(after), byId(full.records));
      // A second resume has nothing left to do.
      assertEquals((await runSweep(spec, { out, resume: true, progress: false, cacheDir: CACHE })).executed, 0);

      // Shards 1/2 and 2/2 partition the runs; merged, they equal the uninterrupted sweep.
      const shards = [];
      for (const index of [1, 2]) {
        const o = join(dir, `shard${index}`);
        shards.push(o);
        const dry = await runSweep(spec, {
          out: o,
          shard: { index, count: 2 },
          dryRun: true,
          progress: false,
          cacheDir: CACHE,
        });
        const ran = await runSweep(spec, { out: o, shard: { index, count: 2 }, progress: false, cacheDir: CACHE });
        assertEquals(ran.records.map((r) => r.run_id), dry.plan.map((x) => x.run_id));
      }
      const merged = join(dir, "merged");
      const m = await mergeResults(shards, merged);
      assertEquals(m.added, 6);
      assertEquals(byId((await readResults(merged)).records), byId(full.records));
      // Each record knows its shard (the gate compares latencies per host and shard); every run is paired.
      assert((await readResults(merged)).records.every((r) => r.shard?.count === 2 && r.shard.index >= 1));
      assert(full.records.every((r) => r.shard === null));
      const clustered = full.records.filter((r) => !("reference" in r.variant.stages));
      assert(clustered.length === 4 && clustered.every((r) => r.timings.paired?.ratio_cpu.length === 1));
    } finally {
      for (const k of Object.keys(env)) Deno.env.delete(k);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "pb gate fails a deliberately slowed variant and a degraded one, and passes the unchanged code",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await tempDir();
    const toy = {
      name: "toy",
      datasets: ["small"],
      stages: { cluster: { variant: "toy-hac", params: { linkage: "average", threshold: 0.5 } } },
    };
    const sweep = async (name: string, plugin: string, repeats: number) => {
      const sub = join(dir, name);
      await Deno.mkdir(sub);
      const spec = await writeSpec(sub, specFor(join(REPO_ROOT, "tests/benchmarks", plugin), repeats, [toy]));
      const r = await pb(["run", spec, "--out", join(sub, "results"), "--quiet"]);
      assertEquals(r.code, 0, r.out);
      return join(sub, "results");
    };
    try {
      const good = await sweep("good", "_plugin_fast.ts", 4);
      const baseline = join(dir, "baseline.json");
      assertEquals((await pb(["gate", "--baseline", baseline, "--current", good, "--update-baseline"])).code, 0);
      const same = await pb(["gate", "--baseline", baseline, "--current", good]);
      assertEquals(same.code, 0, same.out);

      const slow = await sweep("slow", "_plugin_slow.ts", 4);
      const s = await pb(["gate", "--baseline", baseline, "--current", slow]);
      assertEquals(s.code, 1, s.out);
      assert(/REGRESSION\s+toy\/small\/toy-hac.*cpu\/reference/.test(s.out), s.out);
      assert(s.out.includes("sign-test interval"), s.out);
      assert(s.out.includes("gate: FAIL"));
      const bmf = JSON.parse(await Deno.readTextFile(join(slow, "gate.bmf.json")));
      assert(Object.values(bmf).some((e) => "latency" in (e as object)));

      const degraded = await sweep("degraded", "_plugin_degraded.ts", 1);
      const d = await pb([
        "gate",
        "--baseline",
        baseline,
        "--current",
        degraded,
        "--rules",
        join(REPO_ROOT, "experiments/ci.rules.json"),
      ]);
      assertEquals(d.code, 1, d.out);
      assert(/REGRESSION\s+toy\/small\/toy-hac.*bcubed\.recall/.test(d.out), d.out);

      assertEquals((await pb(["gate", "--baseline", join(dir, "missing.json"), "--current", good])).code, 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a failing run and a run past its time limit are recorded with their reason, and the sweep goes on",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await tempDir();
    try {
      const spec = await writeSpec(dir, {
        ...specFor(join(REPO_ROOT, "tests/benchmarks/_plugin_broken.ts"), 1, [
          {
            name: "broken",
            datasets: ["small"],
            stages: { cluster: [{ variant: "toy-throws" }, { variant: "toy-hangs" }] },
          },
        ]),
        defaults: { repeats: 1, warmups: 0, seeds: [1], timeout_s: 3 },
      });
      const r = await runSweep(spec, { out: join(dir, "out"), progress: false, cacheDir: CACHE });
      assertEquals([r.executed, r.failed, r.timedOut], [3, 1, 1]);
      const byLabel = new Map(r.records.map((x) => [x.variant.label, x]));
      assertEquals(byLabel.get("reference(n=300)")!.status, "ok");
      assertEquals(byLabel.get("toy-throws")!.status, "failed");
      assert(byLabel.get("toy-throws")!.error!.includes("RangeError: deliberate failure"));
      assertEquals(byLabel.get("toy-hangs")!.status, "timeout");
      assert(byLabel.get("toy-hangs")!.error!.includes("time limit of 3 s"));
      assertEquals((await readResults(join(dir, "out"))).records.length, 3);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
