/**
 * Frozen-backbone features: the shared MobileFaceNet cut at its 512×7×7 map (before its own GDConv head),
 * run by onnxruntime on aligned 112×112 crops.
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../base/atomic.ts";
import { FACE_MODELS } from "../pipeline/embed/embedder.ts";
import { decodeImage, resizeRgb, type RgbImage } from "../pipeline/image/decode.ts";
import { packChw } from "../pipeline/image/tensor.ts";
import { loadModel, type ModelSession, runModel } from "../pipeline/onnx/backends.ts";
import { cutGraph } from "../pipeline/onnx/cut.ts";
import { MOBILEFACENET_HEAD } from "./head.ts";

/** MobileFaceNet's last feature map before its GDConv head (after conv2's ReLU6 clip). */
export const FEATURE_TENSOR = "/conv2/conv2.2/Clip_output_0";
/** Values per crop in that map. */
export const FEATURE_SIZE: number = MOBILEFACENET_HEAD.channels * MOBILEFACENET_HEAD.side ** 2;

/** The backbone model's bytes cut so that the feature map is its only output. */
export function backboneBytes(model: Uint8Array): Uint8Array {
  const { channels, side } = MOBILEFACENET_HEAD;
  return cutGraph(model, { output: FEATURE_TENSOR, dims: ["batch", channels, side, side] });
}

/** A loaded frozen backbone. */
export interface Backbone {
  session: ModelSession;
}

/** Loads the cut backbone from a MobileFaceNet ONNX file (the cut graph is written beside `cacheDir`). */
export async function loadBackbone(
  modelPath: string,
  options: { cacheDir: string; threads?: number },
): Promise<Backbone> {
  const cut = backboneBytes(await Deno.readFile(modelPath));
  await Deno.mkdir(options.cacheDir, { recursive: true });
  const path = join(options.cacheDir, "mobilefacenet-backbone.onnx");
  await writeFileAtomic(path, cut);
  return { session: await loadModel(path, { backend: "cpu", threads: options.threads ?? 1 }) };
}

/** Decodes a crop and resizes it to 112×112 when it is not already. */
export async function readCrop(path: string): Promise<RgbImage> {
  const image = await decodeImage(path);
  return image.width === 112 && image.height === 112 ? image : await resizeRgb(image, 112, 112);
}

/** Feature maps of `crops` (n × 512·7·7, float32), run `batch` at a time. */
export async function extractFeatures(
  backbone: Backbone,
  crops: readonly RgbImage[],
  options: { batch?: number; onBatch?: (done: number) => void } = {},
): Promise<Float32Array> {
  const batch = options.batch ?? 32, slot = 3 * 112 * 112;
  const norm = FACE_MODELS.mobilefacenet!.norm;
  const out = new Float32Array(crops.length * FEATURE_SIZE);
  for (let start = 0; start < crops.length; start += batch) {
    const end = Math.min(crops.length, start + batch);
    const input = new Float32Array((end - start) * slot);
    for (let i = start; i < end; i++) packChw(crops[i]!, input, (i - start) * slot, 112, 112, norm);
    const result = await runModel(backbone.session, input, [end - start, 3, 112, 112]);
    out.set(result[backbone.session.outputNames[0]!]!.data, start * FEATURE_SIZE);
    options.onBatch?.(end);
  }
  return out;
}
