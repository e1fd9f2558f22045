/**
 * From-scratch training (training/scratch): loss goes down on real crops, same seed → same loss curve, the
 * exported ONNX equals tfjs to 1e-4 through the pipeline's embedder, and the WebGPU backend (skipped without an
 * adapter). A tiny net at 32×32 so that each test takes seconds.
 */
import { assert, assertEquals } from "../../_assert.ts";
import { HAS_SHARED, sharedPath } from "../../_shared.ts";
import { ARTICLE_BACKBONE, type BackboneSpec, buildBackbone } from "../../../pipeline/onnx/backbone.ts";
import { Embedder, FACE_MODELS } from "../../../pipeline/embed/embedder.ts";
import { loadCropDataset } from "../../../training/data.ts";
import { readCrop } from "../../../training/features.ts";
import { selectBackend, webgpuUnavailable } from "../../../training/scratch/backend.ts";
import { CROP_SIDE, trainingPixels } from "../../../training/scratch/study.ts";
import { embedScratch, type ScratchConfig, type ScratchData, trainScratch } from "../../../training/scratch/train.ts";

const TINY: BackboneSpec = {
  ...ARTICLE_BACKBONE,
  name: "tiny",
  inputSize: 32,
  width: 0.25,
  depth: 0.25,
  head: 128,
  embedding: 32,
};

const CONFIG: ScratchConfig = {
  spec: TINY,
  loss: "arcface",
  optimizer: "adamw",
  schedule: "constant",
  maxLr: 0.005,
  steps: 20,
  batch: 16,
  seed: 3,
};

let cached: { data: ScratchData; crops: Awaited<ReturnType<typeof readCrop>>[] } | null = null;

/** 6 identities × 6 crops of celeb24. */
async function crops(): Promise<NonNullable<typeof cached>> {
  if (cached) return cached;
  const set = await loadCropDataset(sharedPath("data", "celeb24"), { perIdentity: 6, seed: 1 });
  const rows = set.paths.flatMap((_, r) => (set.identity[r]! < 6 ? [r] : []));
  const images = await Promise.all(rows.map((r) => readCrop(set.paths[r]!)));
  cached = {
    crops: images,
    data: {
      images: await trainingPixels(images, TINY.inputSize!),
      labels: Int32Array.from(rows, (r) => set.identity[r]!),
      classes: 6,
    },
  };
  return cached;
}

const ignore = !HAS_SHARED;
if (ignore) console.warn("skipping from-scratch training tests: ../shared (celeb24 crops) is missing");

Deno.test({
  name: "scratch training (wasm): loss goes down over 20 steps; the same seed gives the same loss curve",
  ignore,
  async fn() {
    await selectBackend("wasm");
    const { data } = await crops();
    const a = await trainScratch(data, CONFIG);
    const losses = a.steps.map((s) => s.loss);
    const head = (losses[0]! + losses[1]! + losses[2]!) / 3, tail = (losses[17]! + losses[18]! + losses[19]!) / 3;
    assert(tail < 0.8 * head, `loss did not go down: first three ${head.toFixed(3)}, last three ${tail.toFixed(3)}`);
    a.net.dispose();
    const b = await trainScratch(data, { ...CONFIG, steps: 5 });
    assertEquals(b.steps.map((s) => s.loss), losses.slice(0, 5));
    b.net.dispose();
    const c = await trainScratch(data, { ...CONFIG, steps: 5, seed: 4 });
    assert(c.steps[4]!.loss !== losses[4], "another seed gave the same curve");
    c.net.dispose();
  },
});

Deno.test({
  name: "scratch training: a batch augmentation hook gets each batch's rows and its images are trained on",
  ignore,
  async fn() {
    await selectBackend("wasm");
    const { data } = await crops();
    const pixels = TINY.inputSize! ** 2 * 3;
    const seen: number[][] = [];
    const identity = async (rows: Int32Array) => {
      seen.push([...rows]);
      const out = new Float32Array(rows.length * pixels);
      rows.forEach((r, b) => out.set(data.images.subarray(r * pixels, (r + 1) * pixels), b * pixels));
      return await Promise.resolve(out);
    };
    const config = { ...CONFIG, steps: 2 };
    const plain = await trainScratch(data, config);
    const hooked = await trainScratch(data, config, { augment: identity });
    const blank = await trainScratch(data, config, {
      augment: (rows) => Promise.resolve(new Float32Array(rows.length * pixels)),
    });
    assertEquals(seen.length, 2);
    assertEquals(seen[0]!.length, CONFIG.batch);
    assertEquals(hooked.steps.map((s) => s.loss), plain.steps.map((s) => s.loss));
    assert(blank.steps[0]!.loss !== plain.steps[0]!.loss, "the hook's images were not used");
    for (const r of [plain, hooked, blank]) r.net.dispose();
  },
});

Deno.test({
  name: "scratch export: the ONNX graph (112×112 input, Resize in the graph) equals tfjs to 1e-4 via the Embedder",
  ignore,
  async fn() {
    await selectBackend("wasm");
    const { data, crops: images } = await crops();
    const { net } = await trainScratch(data, { ...CONFIG, steps: 3 });
    const path = await Deno.makeTempFile({ suffix: ".onnx" });
    try {
      await Deno.writeFile(
        path,
        buildBackbone(TINY, { weights: await net.onnxWeights(), resizeFrom: CROP_SIDE }).bytes,
      );
      const embedder = await Embedder.load(path, { ...FACE_MODELS.mobilefacenet!, name: "tiny", file: path });
      const onnx = (await embedder.embed(images)).vectors;
      const ours = await embedScratch(net, data.images);
      assertEquals(onnx.length, ours.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(onnx[i]! - ours[i]!));
      assert(worst <= 1e-4, `max |ONNX − tfjs| = ${worst}`);
      // Not trivially equal: embeddings differ between identities.
      assert(Math.abs(ours[0]! - ours[ours.length - 1]!) > 1e-3);
    } finally {
      net.dispose();
      await Deno.remove(path);
    }
  },
});

const noGpu = ignore ? "no ../shared" : await webgpuUnavailable();
if (noGpu) console.warn(`skipping the WebGPU from-scratch test: ${noGpu}`);

Deno.test({
  name: "scratch training (webgpu): same forward as wasm, training runs (a software adapter is fine)",
  ignore: noGpu !== null,
  async fn() {
    await selectBackend("wasm");
    const { data } = await crops();
    const config: ScratchConfig = { ...CONFIG, steps: 2, batch: 8, optimizer: "sgd", maxLr: 0.01 };
    const w = await trainScratch(data, config);
    w.net.dispose();
    await selectBackend("webgpu");
    try {
      const g = await trainScratch(data, config);
      assertEquals((await g.net.onnxWeights()).size, g.net.infos.length);
      g.net.dispose();
      // The first loss is the same net on the same batch: equal to float32 rounding. After one step the weights
      // differ by lr × float32 differences of the gradients, which batch norm chains amplify (cpu vs wasm differ
      // as much): only a loose bound.
      const [a0, b0] = [w.steps[0]!.loss, g.steps[0]!.loss];
      assert(Math.abs(a0 - b0) <= 1e-4 * Math.abs(a0), `first loss: wasm ${a0} vs webgpu ${b0}`);
      const [a1, b1] = [w.steps[1]!.loss, g.steps[1]!.loss];
      assert(Math.abs(a1 - b1) <= 0.02 * Math.abs(a1), `second loss: wasm ${a1} vs webgpu ${b1}`);
    } finally {
      await selectBackend("wasm");
    }
  },
});
