/**
 * YuNet face detector (OpenCV zoo export): anchor-free heads at strides 8/16/32 giving
 * `cls`, `obj`, `bbox` (cx, cy offsets in cells, log w/h) and `kps` (5 landmarks in cells).
 * Input BGR 0–255, sides multiples of 32 (we pad bottom/right).
 * @module
 */
import { resizeRgb, type RgbImage } from "../image/decode.ts";
import { packChw, type PixelNorm } from "../image/tensor.ts";
import { loadModel, type LoadModelOptions, type ModelSession, runModel } from "../onnx/backends.ts";
import { centreBox, type Detection, type InputFrame, nms } from "./nms.ts";

const NORM: PixelNorm = { order: "bgr", mean: [0, 0, 0], std: [1, 1, 1] };
const STRIDES = [8, 16, 32] as const;

/** Options for {@link YuNetDetector.load}. */
export interface YuNetOptions extends LoadModelOptions {
  /** The longer image side is scaled down to this before detection [640]. */
  inputSize?: number;
  /** Minimum score sqrt(cls·obj) [0.6]. */
  scoreThreshold?: number;
  /** NMS IoU threshold [0.3]. */
  nmsThreshold?: number;
}

/** A face detector: image in, boxes (and landmarks when it has them) out, in the image's pixels. */
export interface FaceDetector {
  readonly name: string;
  readonly model: ModelSession;
  /** Whether detections carry 5-point landmarks. */
  readonly landmarks: boolean;
  detect(image: RgbImage): Promise<Detection[]>;
}

/** YuNet with score threshold and NMS. */
export class YuNetDetector implements FaceDetector {
  readonly name = "yunet";
  readonly landmarks = true;
  private constructor(
    readonly model: ModelSession,
    readonly inputSize: number,
    readonly scoreThreshold: number,
    readonly nmsThreshold: number,
  ) {}

  /**
   * Loads the model.
   * @param path `yunet.onnx`
   * @param options sizes, thresholds and session options
   * @returns the detector
   */
  static async load(path: string, options: YuNetOptions = {}): Promise<YuNetDetector> {
    const model = await loadModel(path, options);
    return new YuNetDetector(
      model,
      options.inputSize ?? 640,
      options.scoreThreshold ?? 0.6,
      options.nmsThreshold ?? 0.3,
    );
  }

  /**
   * Detects faces.
   * @param image upright RGB image
   * @returns faces with landmarks, best first, in the image's pixel coordinates
   */
  async detect(image: RgbImage): Promise<Detection[]> {
    const s = Math.min(1, this.inputSize / Math.max(image.width, image.height));
    const rw = Math.max(1, Math.round(image.width * s)), rh = Math.max(1, Math.round(image.height * s));
    const small = await resizeRgb(image, rw, rh);
    const W = Math.ceil(rw / 32) * 32, H = Math.ceil(rh / 32) * 32;
    const input = new Float32Array(3 * W * H);
    packChw(small, input, 0, W, H, NORM, 0);
    const out = await runModel(this.model, input, [1, 3, H, W]);
    const sx = image.width / rw, sy = image.height / rh;
    const frame: InputFrame = { sx, sy, width: image.width, height: image.height };
    const dets: Detection[] = [];
    for (const stride of STRIDES) {
      const cls = out[`cls_${stride}`]!.data, obj = out[`obj_${stride}`]!.data;
      const bbox = out[`bbox_${stride}`]!.data, kps = out[`kps_${stride}`]!.data;
      const cols = W / stride, rows = H / stride;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
          if (score < this.scoreThreshold) continue;
          const cx = (c + bbox[i * 4]!) * stride, cy = (r + bbox[i * 4 + 1]!) * stride;
          const w = Math.exp(bbox[i * 4 + 2]!) * stride, h = Math.exp(bbox[i * 4 + 3]!) * stride;
          const lm = new Float32Array(10);
          for (let k = 0; k < 5; k++) {
            lm[2 * k] = (kps[i * 10 + 2 * k]! + c) * stride * sx;
            lm[2 * k + 1] = (kps[i * 10 + 2 * k + 1]! + r) * stride * sy;
          }
          dets.push(centreBox(frame, cx, cy, w, h, score, lm));
        }
      }
    }
    return nms(dets, this.nmsThreshold);
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
