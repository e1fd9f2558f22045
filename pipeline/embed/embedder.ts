/**
 * Batched embedding models (faces: MobileFaceNet, ArcFace R-512 or any 112×112 ONNX model; upper
 * bodies: OSNet x0.25 on 256×128), returning L2-normalised rows and the norms before normalisation.
 * @module
 */
import type { RgbImage } from "../image/decode.ts";
import { packChw, type PixelNorm } from "../image/tensor.ts";
import { loadModel, type LoadModelOptions, type ModelSession, runModel } from "../onnx/backends.ts";

/** What a model needs and gives. */
export interface EmbedderSpec {
  /** Model id recorded in the dataset (e.g. "mobilefacenet"). */
  name: string;
  /** File name inside the models folder. */
  file: string;
  /** Input height and width. */
  height: number;
  width: number;
  norm: PixelNorm;
}

/** Face models in ../shared/models, with the preprocessing each was trained with. */
export const FACE_MODELS: Record<string, EmbedderSpec> = {
  mobilefacenet: {
    name: "mobilefacenet",
    file: "mobilefacenet.onnx",
    height: 112,
    width: 112,
    norm: { order: "rgb", mean: [127.5, 127.5, 127.5], std: [128, 128, 128] },
  },
  "arcface-r-512": {
    name: "arcface-r-512",
    file: "arcface-r-512.onnx",
    height: 112,
    width: 112,
    norm: { order: "rgb", mean: [127, 127, 127], std: [128, 128, 128] },
  },
};

/** Body models. */
export const BODY_MODELS: Record<string, EmbedderSpec> = {
  osnet: {
    name: "osnet-x0.25",
    file: "osnet-x0.25.onnx",
    height: 256,
    width: 128,
    norm: {
      order: "rgb",
      mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
      std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
    },
  },
};

/** Embeddings of a batch. */
export interface EmbedResult {
  /** n × dim, each row unit length. */
  vectors: Float32Array;
  /** Norm of each raw output row before normalisation. */
  norms: Float32Array;
}

/** A batched embedding session. */
export class Embedder {
  private constructor(
    readonly spec: EmbedderSpec,
    readonly model: ModelSession,
    readonly dim: number,
    /** Largest batch the model accepts (1 when its batch dimension is fixed). */
    readonly maxBatch: number,
  ) {}

  /**
   * Loads a model and finds its output dimension with one dummy run.
   * @param path ONNX file
   * @param spec input size and preprocessing
   * @param options session options
   * @returns the embedder
   */
  static async load(path: string, spec: EmbedderSpec, options: LoadModelOptions = {}): Promise<Embedder> {
    // Models exported with batch 1 (arcface-r-512) are made batch-dynamic when that is provably safe.
    const model = await loadModel(path, { dynamicBatch: true, ...options });
    const b = model.inputShape[0];
    const maxBatch = typeof b === "number" && b > 0 ? b : Infinity;
    const one = new Float32Array(3 * spec.height * spec.width);
    const out = await runModel(model, one, [typeof b === "number" && b > 0 ? b : 1, 3, spec.height, spec.width]);
    const first = out[model.outputNames[0]!]!;
    const dim = first.dims[first.dims.length - 1]!;
    if (maxBatch !== Infinity && maxBatch !== 1) {
      throw new Error(`Cannot use model ${path}: fixed batch size ${maxBatch} (only 1 or dynamic are supported)`);
    }
    return new Embedder(spec, model, dim, maxBatch);
  }

  /**
   * Embeds crops (each must be exactly the model's input size).
   * @param crops RGB crops of spec.width × spec.height
   * @returns unit rows and raw norms
   * @throws {RangeError} when a crop has the wrong size
   */
  async embed(crops: readonly RgbImage[]): Promise<EmbedResult> {
    const { width: w, height: h } = this.spec;
    const n = crops.length;
    const vectors = new Float32Array(n * this.dim);
    const norms = new Float32Array(n);
    const slot = 3 * w * h;
    for (let start = 0; start < n; start += Math.min(n, this.maxBatch)) {
      const end = Math.min(n, start + this.maxBatch);
      const input = new Float32Array((end - start) * slot);
      for (let i = start; i < end; i++) {
        const c = crops[i]!;
        if (c.width !== w || c.height !== h) {
          throw new RangeError(`Cannot embed a ${c.width}×${c.height} crop with ${this.spec.name} (needs ${w}×${h})`);
        }
        packChw(c, input, (i - start) * slot, w, h, this.spec.norm);
      }
      const out = await runModel(this.model, input, [end - start, 3, h, w]);
      const raw = out[this.model.outputNames[0]!]!.data;
      normaliseRows(raw, this.dim, vectors, start * this.dim, norms, start);
    }
    return { vectors, norms };
  }
}

/**
 * L2-normalises rows of `src` into `dst` (from element `dstOffset`), writing each norm.
 * A zero row stays zero.
 */
function normaliseRows(
  src: Float32Array,
  dim: number,
  dst: Float32Array,
  dstOffset: number,
  norms: Float32Array,
  normOffset: number,
): void {
  const n = src.length / dim;
  for (let r = 0; r < n; r++) {
    let s = 0;
    const o = r * dim;
    for (let j = 0; j < dim; j++) s += src[o + j]! * src[o + j]!;
    const norm = Math.sqrt(s);
    norms[normOffset + r] = norm;
    const inv = norm > 0 ? 1 / norm : 0;
    for (let j = 0; j < dim; j++) dst[dstOffset + o + j] = src[o + j]! * inv;
  }
}
