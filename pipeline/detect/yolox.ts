/**
 * YOLOX-nano person detector (COCO class 0): letterbox to 416×416 (pad 114), BGR 0–255; output
 * `[1, 3549, 85]` with sigmoid scores but raw grid offsets, decoded here for strides 8/16/32.
 * @module
 */
import { resizeRgb, type RgbImage } from "../image/decode.ts";
import { packChw, type PixelNorm } from "../image/tensor.ts";
import { loadModel, type LoadModelOptions, type ModelSession, runModel } from "../onnx/backends.ts";
import { centreBox, type Detection, type InputFrame, nms } from "./nms.ts";

const NORM: PixelNorm = { order: "bgr", mean: [0, 0, 0], std: [1, 1, 1] };
const SIZE = 416;
const STRIDES = [8, 16, 32] as const;

/** Options for {@link YoloxPersonDetector.load}. */
export interface YoloxOptions extends LoadModelOptions {
  /** Minimum obj × cls score for a person [0.4]. */
  scoreThreshold?: number;
  /** NMS IoU threshold [0.45]. */
  nmsThreshold?: number;
}

/** Person boxes from YOLOX-nano. */
export class YoloxPersonDetector {
  readonly name = "yolox-nano";
  private constructor(readonly model: ModelSession, readonly scoreThreshold: number, readonly nmsThreshold: number) {}

  /**
   * Loads the model.
   * @param path `yolox-nano.onnx`
   * @param options thresholds and session options
   * @returns the detector
   */
  static async load(path: string, options: YoloxOptions = {}): Promise<YoloxPersonDetector> {
    const model = await loadModel(path, options);
    return new YoloxPersonDetector(model, options.scoreThreshold ?? 0.4, options.nmsThreshold ?? 0.45);
  }

  /**
   * Detects people.
   * @param image upright RGB image
   * @returns person boxes, best first, in the image's pixels (no landmarks)
   */
  async detect(image: RgbImage): Promise<Detection[]> {
    const r = Math.min(SIZE / image.width, SIZE / image.height);
    const rw = Math.max(1, Math.round(image.width * r)), rh = Math.max(1, Math.round(image.height * r));
    const small = await resizeRgb(image, rw, rh);
    const input = new Float32Array(3 * SIZE * SIZE);
    packChw(small, input, 0, SIZE, SIZE, NORM, 114);
    const out = await runModel(this.model, input, [1, 3, SIZE, SIZE]);
    const o = out[this.model.outputNames[0]!]!.data;
    const sx = image.width / rw, sy = image.height / rh;
    const frame: InputFrame = { sx, sy, width: image.width, height: image.height };
    const dets: Detection[] = [];
    let i = 0;
    for (const stride of STRIDES) {
      const g = SIZE / stride;
      for (let gy = 0; gy < g; gy++) {
        for (let gx = 0; gx < g; gx++, i++) {
          const p = i * 85;
          const score = o[p + 4]! * o[p + 5]!;
          if (score < this.scoreThreshold) continue;
          const cx = (o[p]! + gx) * stride, cy = (o[p + 1]! + gy) * stride;
          const w = Math.exp(o[p + 2]!) * stride, h = Math.exp(o[p + 3]!) * stride;
          dets.push(centreBox(frame, cx, cy, w, h, score, null));
        }
      }
    }
    return nms(dets.filter((d) => d.x2 > d.x1 && d.y2 > d.y1), this.nmsThreshold);
  }
}
