/**
 * Ingest benchmark (issue 14, "Ingest at full speed"): photos/s of `embedImages()` — decode at the
 * detector's scale, detect in inference workers, crops from full-resolution regions, embeddings batched
 * across photos — against a bare ONNX Runtime loop over the same detector and embedder calls, measured in
 * the same run.
 *
 * For each photo set and round: (1) `embedImages()` with every `session.run` logged (model and input
 * shape); its time is the pipeline's wall time from listing the folder to the last embedding (model loading
 * and writing the dataset excluded, printed apart). (2) The bare loop: a fresh pool of the same workers and
 * sessions runs exactly the logged calls — same models, shapes and batch sizes — on constant inputs, all
 * queued at once so every worker stays busy, with no decoding, cropping or packing. ratio = ours / bare
 * (1.00 = the pipeline costs nothing beyond inference). Rounds alternate ours / bare, so load from other
 * processes hits both alike; each pair's ratio is printed with the load average. The CPU seconds of both
 * (every thread of this process, over the same spans: the pipeline from listing to last embedding, the bare
 * loop on its started pool) say how much work decoding and cropping add, whatever the load: when
 * inference already fills every core, that work cannot hide and the wall ratio follows the CPU ratio.
 *
 * Sets: `shared` (../shared/data/photos deepface + group, 93 photos), `deepface`, `group`, and `phone`: 18
 * synthetic 20-megapixel phone photos (5472×3648, made once into .cache/ingest-phone/ from shared photos;
 * see ingest_photos.ts).
 *
 * Run: `deno run -A benchmarks/ingest_bench.ts [--sets shared,phone] [--rounds 2] [--phone 18] [--workers N]
 *       [--sequential-baseline] [--quick] [--json FILE] [--models DIR] [--data DIR]`
 * `--sequential-baseline` adds a third loop: the same calls through one session per model in this thread,
 * each with intra-op threads = all cores (the layout before the worker pool).
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../base/atomic.ts";
import { embedImages, type EmbedImagesResult, planIngest } from "../pipeline/embed_images.ts";
import { LocalRunner, WorkerPool } from "../pipeline/ingest/runner.ts";
import type { InferenceRunner } from "../pipeline/ingest/runner.ts";
import type { SessionCall } from "../pipeline/ingest/protocol.ts";
import { resolveModelsDir } from "../pipeline/models.ts";
import { makePhonePhotos } from "./ingest_photos.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    models: { type: "string" },
    data: { type: "string" },
    sets: { type: "string", default: "shared,phone" },
    rounds: { type: "string", default: "2" },
    phone: { type: "string", default: "18" },
    workers: { type: "string" },
    "sequential-baseline": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
  },
}).values;

const modelsDir = resolveModelsDir(args.models);
const dataDir = args.data ?? join(modelsDir, "..", "data");
const rounds = args.quick ? 1 : Number(args.rounds);
const phoneCount = args.quick ? 4 : Number(args.phone);
const sets = (args.quick ? "deepface,phone" : args.sets!).split(",").map((s) => s.trim()).filter((s) => s !== "");
const workers = args.workers !== undefined ? Number(args.workers) : navigator.hardwareConcurrency;
const load = () => Deno.loadavg().map((x) => x.toFixed(1)).join(" ");
const repo = new URL("..", import.meta.url).pathname;

/** Copies shared photo folders into one temporary folder (the run reads every image under it). */
async function sharedSet(subs: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pb-ingest-bench-" });
  for (const sub of subs) {
    await Deno.mkdir(join(dir, sub));
    for (const e of Deno.readDirSync(join(dataDir, "photos", sub))) {
      if (e.isFile && !e.name.endsWith(".csv")) {
        await Deno.copyFile(join(dataDir, "photos", sub, e.name), join(dir, sub, e.name));
      }
    }
  }
  return dir;
}

async function setFolder(name: string): Promise<{ dir: string; temporary: boolean }> {
  if (name === "shared") return { dir: await sharedSet(["deepface", "group"]), temporary: true };
  if (name === "deepface" || name === "group") return { dir: await sharedSet([name]), temporary: true };
  if (name === "phone") {
    const dir = join(repo, ".cache", "ingest-phone");
    await makePhonePhotos(join(dataDir, "photos"), dir, phoneCount);
    // Only the first phoneCount files are part of the run.
    const sub = await Deno.makeTempDir({ prefix: "pb-ingest-phone-" });
    for (let i = 0; i < phoneCount; i++) {
      const f = `phone-${String(i).padStart(2, "0")}.jpg`;
      await Deno.link(join(dir, f), join(sub, f)).catch(() => Deno.copyFile(join(dir, f), join(sub, f)));
    }
    return { dir: sub, temporary: true };
  }
  throw new Error(`unknown set "${name}" (shared, deepface, group, phone)`);
}

/** CPU seconds of this process so far, every thread (workers, libvips, ONNX Runtime) included. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs the logged calls through a runner, all queued at once; returns wall and CPU seconds. */
async function bareLoop(
  runner: InferenceRunner,
  calls: readonly SessionCall[],
): Promise<{ wall: number; cpu: number }> {
  const t = performance.now(), c = cpuSeconds();
  await Promise.all(calls.map((call) => runner.bare(call.role, call.dims)));
  return { wall: (performance.now() - t) / 1000, cpu: cpuSeconds() - c };
}

const fmt = (v: number, d = 2) => v.toFixed(d);
const report: Record<string, unknown>[] = [];

for (const set of sets) {
  const { dir, temporary } = await setFolder(set);
  const out = await Deno.makeTempDir({ prefix: "pb-ingest-bench-out-" });
  const options = { images: dir, out, models: modelsDir, backend: "cpu" as const, workers, recordCalls: true };
  const plan = await planIngest(options);
  for (let round = 1; round <= rounds; round++) {
    const loadBefore = load();
    const cpu0 = cpuSeconds();
    const r: EmbedImagesResult = await embedImages(options);
    // CPU of the pipeline (listing to last embedding, as its wall time; the bare loop's pool is started
    // before its clock too), and of the whole call (model loading and writing included).
    const callCpu = cpuSeconds() - cpu0;
    const oursCpu = r.inference.pipelineCpuSeconds;
    const ours = r.inference.pipelineSeconds;
    const calls = r.inference.calls;
    const loadMid = load();
    const pool = workers > 0 ? await WorkerPool.start(plan.models, workers) : await LocalRunner.load(plan.models);
    let bareRun: { wall: number; cpu: number };
    try {
      bareRun = await bareLoop(pool, calls);
    } finally {
      pool.close();
    }
    let sequential = NaN;
    if (args["sequential-baseline"]) {
      const local = await LocalRunner.load({
        ...plan.models,
        session: { ...plan.models.session, threads: navigator.hardwareConcurrency },
      });
      try {
        sequential = (await bareLoop(local, calls)).wall;
      } finally {
        local.close();
      }
    }
    const s = r.stageSeconds, bare = bareRun.wall;
    const row = {
      set,
      round,
      files: r.files,
      photos: r.photos,
      faces: r.faces,
      bodies: r.bodies,
      workers,
      lanes: r.inference.lanes,
      calls: calls.length,
      oursSeconds: ours,
      bareSeconds: bare,
      ratio: ours / bare,
      photosPerS: r.files / ours,
      barePhotosPerS: r.files / bare,
      oursCpuSeconds: oursCpu,
      callCpuSeconds: callCpu,
      bareCpuSeconds: bareRun.cpu,
      cpuRatio: oursCpu / bareRun.cpu,
      // Photos/s if the process had the cores to itself and kept them busy: a load-independent estimate
      // (conservative: CPU time grows under contention for caches and memory bandwidth).
      photosPerCoreBoundS: r.files / (oursCpu / navigator.hardwareConcurrency),
      sequentialBareSeconds: sequential,
      loadSeconds: s.load,
      writeSeconds: s.write,
      stageSeconds: s,
      cropSources: r.cropSources,
      ortSeconds: r.inference.ortSeconds,
      loadavg: [loadBefore, loadMid, load()],
    };
    report.push(row);
    console.log(
      `${set} round ${round}: ${r.files} photos, ${r.faces} faces, ${r.bodies} bodies, ${calls.length} model calls | ` +
        `ours ${fmt(ours)} s = ${fmt(row.photosPerS)} photos/s (${fmt(r.faces / ours, 1)} faces/s) | bare loop ` +
        `${fmt(bare)} s = ${fmt(row.barePhotosPerS)} photos/s | ratio ours/bare ${fmt(row.ratio, 3)} | CPU s ` +
        `${fmt(oursCpu, 1)} / ${fmt(bareRun.cpu, 1)} = ${fmt(row.cpuRatio, 3)} (${
          fmt(row.photosPerCoreBoundS)
        } photos/s on ` +
        `${navigator.hardwareConcurrency} idle cores at this CPU cost)` +
        (Number.isNaN(sequential) ? "" : ` | sequential one-thread-pool loop ${fmt(sequential)} s`) +
        ` | load ${row.loadavg.join(" → ")}`,
    );
    console.log(
      `  stages, busy seconds (overlapping): decode ${fmt(s.decode)} · detect ${fmt(s.detect)} · crop+align ` +
        `${fmt(s.align)} · embed ${fmt(s.embed)} · of detect+embed in session.run ${fmt(r.inference.ortSeconds)} ` +
        `(${
          fmt((100 * r.inference.ortSeconds) / (r.inference.lanes * ours), 0)
        }% of ${r.inference.lanes} lanes × wall) · ` +
        `outside the pipeline: load ${fmt(s.load)} · write ${fmt(s.write)} (CPU s of the whole call ${
          fmt(callCpu, 1)
        })`,
    );
    console.log(`  crops cut from (photos): ${Object.entries(r.cropSources).map(([k, n]) => `${k} ${n}`).join(" · ")}`);
  }
  await Deno.remove(out, { recursive: true });
  if (temporary) await Deno.remove(dir, { recursive: true });
}

if (args.json) await writeFileAtomic(args.json, JSON.stringify(report, null, 2) + "\n");
