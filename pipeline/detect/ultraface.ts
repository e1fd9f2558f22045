/**
 * UltraFace RFB-320 face detector (boxes only, already decoded): input 320×240 RGB, (x − 127)/128;
 * outputs `scores [1, 4420, 2]` (background, face) and `boxes [1, 4420, 4]` normalised x1 y1 x2 y2.
 * Without landmarks, {@link templateLandmarks} places the 5 points from the box geometry.
 * @module
 */
import { resizeRgb, type RgbImage } from "../image/decode.ts";
import { packChw, type PixelNorm } from "../image/tensor.ts";
import { loadModel, type LoadModelOptions, type ModelSession, runModel } from "../onnx/backends.ts";
import { type Detection, nms } from "./nms.ts";
import type { FaceDetector } from "./yunet.ts";

const NORM: PixelNorm = { order: "rgb", mean: [127, 127, 127], std: [128, 128, 128] };
const W = 320, H = 240;

/** Options for {@link UltraFaceDetector.load}. */
export interface UltraFaceOptions extends LoadModelOptions {
  /** Minimum face probability [0.7]. */
  scoreThreshold?: number;
  /** NMS IoU threshold [0.3]. */
  nmsThreshold?: number;
}

/** UltraFace with score threshold and NMS. */
export class UltraFaceDetector implements FaceDetector {
  readonly name = "ultraface";
  readonly landmarks = false;
  private constructor(readonly model: ModelSession, readonly scoreThreshold: number, readonly nmsThreshold: number) {}

  /**
   * Loads the model.
   * @param path `ultraface-rfb-320.onnx`
   * @param options thresholds and session options
   * @returns the detector
   */
  static async load(path: string, options: UltraFaceOptions = {}): Promise<UltraFaceDetector> {
    const model = await loadModel(path, options);
    return new UltraFaceDetector(model, options.scoreThreshold ?? 0.7, options.nmsThreshold ?? 0.3);
  }

  /**
   * Detects faces (the image is stretched to 320×240, as the model was trained).
   * @param image upright RGB image
   * @returns faces with template landmarks, best first, in the image's pixels
   */
  async detect(image: RgbImage): Promise<Detection[]> {
    const small = await resizeRgb(image, W, H);
    const input = new Float32Array(3 * W * H);
    packChw(small, input, 0, W, H, NORM);
    const out = await runModel(this.model, input, [1, 3, H, W]);
    const scores = out.scores!.data, boxes = out.boxes!.data;
    const n = scores.length / 2;
    const dets: Detection[] = [];
    for (let i = 0; i < n; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < this.scoreThreshold) continue;
      const d: Detection = {
        x1: Math.max(0, boxes[i * 4]! * image.width),
        y1: Math.max(0, boxes[i * 4 + 1]! * image.height),
        x2: Math.min(image.width, boxes[i * 4 + 2]! * image.width),
        y2: Math.min(image.height, boxes[i * 4 + 3]! * image.height),
        score,
        landmarks: null,
      };
      if (d.x2 > d.x1 && d.y2 > d.y1) dets.push(d);
    }
    return nms(dets, this.nmsThreshold).map((d) => ({ ...d, landmarks: templateLandmarks(d) }));
  }
}

/**
 * Five landmarks placed inside a face box at the mean positions of a frontal face (the ArcFace
 * template's points relative to a typical detector box); a fallback for detectors without landmarks.
 * @param d a face box
 * @returns x0 y0 … x4 y4
 */
export function templateLandmarks(d: Detection): Float32Array {
  // Fractions of box width/height for eyes, nose, mouth corners on a frontal face.
  const fx = [0.32, 0.68, 0.5, 0.35, 0.65], fy = [0.4, 0.4, 0.57, 0.74, 0.74];
  const w = d.x2 - d.x1, h = d.y2 - d.y1;
  const lm = new Float32Array(10);
  for (let k = 0; k < 5; k++) {
    lm[2 * k] = d.x1 + fx[k]! * w;
    lm[2 * k + 1] = d.y1 + fy[k]! * h;
  }
  return lm;
}
