/**
 * Embed stage: face and body crops queue up across photos and go to the embedders in batches; each
 * observation gets its row (in queue order, so rows follow photo order), its face's unclear score and
 * kind. Batches may run concurrently (a bounded number in flight); the vectors are kept until the
 * write stage.
 * @module
 */
import { flipHorizontal } from "../../algorithms/training/augment.ts";
import type { EmbedResult } from "../embed/embedder.ts";
import type { RgbImage } from "../image/decode.ts";
import { combineUnclear, type ConfidenceMode, type ConfidenceModelFile, faceConfidence } from "../confidence_model.ts";
import { type UnclearCalibration, unclearScore } from "../quality.ts";
import type { PhotoObservations } from "./detect_align.ts";
import type { PendingObservation } from "./types.ts";

/** Runs the embedders (in this thread or in inference workers). */
export interface EmbedRunner {
  embedFaces(crops: RgbImage[]): Promise<EmbedResult>;
  embedBodies(crops: RgbImage[]): Promise<EmbedResult>;
}

/** Options of the {@link EmbedStage}. */
export interface EmbedStageOptions {
  /** Crops per batch. */
  batch: number;
  faceDim: number;
  /** Body embedding width (0 without bodies). */
  bodyDim: number;
  calibration: UnclearCalibration;
  unclearThreshold: number;
  /** The confidence branch and how its score meets the cues [none]. */
  confidence?: { model: ConfidenceModelFile; mode: ConfidenceMode };
  /** Embed each face crop with its mirror image and average the two raw embeddings [false]. */
  flipTta?: boolean;
  /** Batches allowed in flight before {@link EmbedStage.add} waits [1: one at a time]. */
  maxInFlight?: number;
}

/** Embeddings of a finished run, rows in order. */
export interface EmbeddedRows {
  face: Float32Array[];
  body: Float32Array[];
  faces: number;
  bodies: number;
}

type Queued = { p: PendingObservation; crop: RgbImage };

/** Batches crops across photos and collects their embeddings in row order. */
export class EmbedStage {
  #faces: Queued[] = [];
  #bodies: Queued[] = [];
  #faceChunks: Float32Array[] = [];
  #bodyChunks: Float32Array[] = [];
  #faceRows = 0;
  #bodyRows = 0;
  #inFlight = new Set<Promise<void>>();
  #error: unknown = null;
  /** Seconds spent waiting for embedders (wall time of the calls, summed). */
  seconds = 0;

  /**
   * @param runner the embedders
   * @param options batching, dimensions and the unclear-score calibration
   */
  constructor(readonly runner: EmbedRunner, readonly options: EmbedStageOptions) {}

  /** Queues a photo's crops and sends every full batch (waiting while too many batches are in flight). */
  async add(photo: PhotoObservations): Promise<void> {
    for (const f of photo.faces) this.#faces.push(f);
    for (const b of photo.bodies) this.#bodies.push(b);
    while (this.#faces.length >= this.options.batch) await this.#send("face");
    while (this.#bodies.length >= this.options.batch) await this.#send("body");
  }

  /** Sends what is queued, waits for every batch and returns the vectors in row order. */
  async finish(): Promise<EmbeddedRows> {
    while (this.#faces.length > 0) await this.#send("face");
    while (this.#bodies.length > 0) await this.#send("body");
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
    if (this.#error) throw this.#error;
    return { face: this.#faceChunks, body: this.#bodyChunks, faces: this.#faceRows, bodies: this.#bodyRows };
  }

  async #send(kind: "face" | "body"): Promise<void> {
    const queue = kind === "face" ? this.#faces : this.#bodies;
    if (queue.length === 0) return;
    // At most one batch: a photo with 130 faces must not make one oversized call (it would fall out of cache).
    const q = queue.splice(0, Math.min(queue.length, this.options.batch));
    const chunk = kind === "face" ? this.#faceChunks.length : this.#bodyChunks.length;
    (kind === "face" ? this.#faceChunks : this.#bodyChunks).push(new Float32Array(0));
    // Rows are given at send time, in queue order: the same rows whatever order batches finish in.
    for (const { p } of q) {
      if (kind === "face") p.record.faceRow = this.#faceRows++;
      else p.record.bodyRow = this.#bodyRows++;
    }
    const t = performance.now();
    const flip = kind === "face" && this.options.flipTta === true;
    const crops = q.map((x) => x.crop);
    const call = kind === "face"
      ? this.runner.embedFaces(flip ? [...crops, ...crops.map(flipHorizontal)] : crops)
        .then((r) => (flip ? averageWithMirror(r, q.length, this.options.faceDim) : r))
      : this.runner.embedBodies(crops);
    const done = call.then((r) => {
      this.seconds += (performance.now() - t) / 1000;
      if (kind === "face") {
        this.#faceChunks[chunk] = r.vectors;
        this.#score(q, r.vectors, r.norms);
      } else this.#bodyChunks[chunk] = r.vectors;
    }).catch((e) => {
      this.#error ??= e;
    }).finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
    while (this.#inFlight.size >= (this.options.maxInFlight ?? 1)) await Promise.race(this.#inFlight);
    if (this.#error) throw this.#error;
  }

  #score(q: Queued[], vectors: Float32Array, norms: Float32Array): void {
    const { calibration, unclearThreshold, confidence } = this.options;
    const branch = confidence ? faceConfidence(confidence.model, vectors, norms) : null;
    for (let i = 0; i < q.length; i++) {
      const { p } = q[i]!;
      const cues = unclearScore({ ...p.cues!, embeddingNorm: norms[i]! }, calibration);
      const u = branch ? combineUnclear(cues, branch[i]!, confidence!.mode) : cues;
      // face_quality is "higher = clearer" in format v1 (consumers keep the highest): store 1 − unclear.
      p.record.faceQuality = 1 - u;
      p.record.kind = u >= unclearThreshold ? "unclear" : "clear";
    }
  }
}

/**
 * Rows 0..n−1 are crops, rows n..2n−1 their mirror images: each output row is the unit direction of the sum of the
 * two raw embeddings (the standard flip test-time augmentation); its norm is the mean of the two raw norms, the
 * scale the unclear score's norm cue is calibrated on.
 */
function averageWithMirror(r: EmbedResult, n: number, dim: number): EmbedResult {
  const vectors = new Float32Array(n * dim), norms = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.norms[i]!, b = r.norms[n + i]!;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = r.vectors[i * dim + d]! * a + r.vectors[(n + i) * dim + d]! * b;
      vectors[i * dim + d] = v;
      s += v * v;
    }
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) vectors[i * dim + d]! *= inv;
    norms[i] = (a + b) / 2;
  }
  return { vectors, norms };
}
