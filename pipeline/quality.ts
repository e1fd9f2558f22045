/**
 * The unclear-face score: how likely a detected face is unusable for recognition (blurred, tiny,
 * turned away, or not a face at all), in [0, 1] (1 = unclear). It combines five cues, each mapped to
 * a clarity in [0, 1] by a linear ramp, as a weighted geometric mean (so one very bad cue suffices).
 * @module
 */
import type { RgbImage } from "./image/decode.ts";

/** The cues measured for one face. NaN means "not available" and is left out of the score. */
export interface FaceCues {
  /** Detector confidence in [0, 1]. */
  detectorScore: number;
  /** Shorter side of the face box in original pixels. */
  faceSize: number;
  /** Variance of the Laplacian of the aligned grey crop. */
  sharpness: number;
  /** Yaw proxy: |nose x − eye midpoint x| / eye distance (0 frontal, ≈ 0.5 strong profile). */
  yaw: number;
  /** Norm of the raw face embedding before normalisation. */
  embeddingNorm: number;
}

/** Ramp ends for each cue: clarity 0 at `lo`, 1 at `hi` (reversed when lo > hi); and the weight. */
export interface UnclearCalibration {
  detectorScore: [number, number, number];
  faceSize: [number, number, number];
  sharpness: [number, number, number];
  yaw: [number, number, number];
  embeddingNorm: [number, number, number];
}

/**
 * Default ramps: detector score 0.5→0.85, face size 16→48 px, log Laplacian variance ln 15 → ln 150,
 * yaw 0.6→0.25, embedding norm by model (see {@link normRampFor}). Weights follow how well each cue
 * separated real faces from false detections on the shared photos (benchmarks/unclear_cues.ts, ROC AUC):
 * embedding norm 0.93–0.95 (weight 2), face size 0.85 and detector score (weight 1), yaw 0.61
 * (weight 0.5), sharpness ≈ 0.5 (weight 0.25: it flags blur, not non-faces).
 */
export const DEFAULT_CALIBRATION: UnclearCalibration = {
  detectorScore: [0.5, 0.85, 1],
  faceSize: [16, 48, 1],
  sharpness: [Math.log(15), Math.log(150), 0.25],
  yaw: [0.6, 0.25, 0.5],
  embeddingNorm: [NaN, NaN, 2],
};

/**
 * Embedding-norm ramps measured on real photos: the raw (pre-normalisation) norm is small for crops in
 * which the model finds little face evidence.
 * @param model face model id
 * @returns [lo, hi] or NaNs when unknown (the cue is then skipped)
 */
export function normRampFor(model: string): [number, number] {
  // Measured by benchmarks/unclear_cues.ts on ../shared/data/photos: real faces median 12.8 (p10 9.8),
  // weak detections median 9.0 (p90 10.5), random background patches median 8.6 (p90 9.9).
  if (model === "mobilefacenet") return [8.5, 11.5];
  return [NaN, NaN]; // not calibrated: the cue is left out
}

function ramp(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v) || !Number.isFinite(lo) || !Number.isFinite(hi)) return NaN;
  const t = (v - lo) / (hi - lo);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/**
 * Computes the unclear score.
 * @param cues measured cues (NaN entries are skipped)
 * @param calibration ramps and weights [DEFAULT_CALIBRATION]
 * @returns a value in [0, 1]; 1 = unclear
 */
export function unclearScore(cues: FaceCues, calibration: UnclearCalibration = DEFAULT_CALIBRATION): number {
  const parts: [number, number][] = [
    [
      ramp(cues.detectorScore, calibration.detectorScore[0], calibration.detectorScore[1]),
      calibration.detectorScore[2],
    ],
    [ramp(cues.faceSize, calibration.faceSize[0], calibration.faceSize[1]), calibration.faceSize[2]],
    [
      ramp(Math.log(Math.max(1e-6, cues.sharpness)), calibration.sharpness[0], calibration.sharpness[1]),
      calibration.sharpness[2],
    ],
    [ramp(cues.yaw, calibration.yaw[0], calibration.yaw[1]), calibration.yaw[2]],
    [
      ramp(cues.embeddingNorm, calibration.embeddingNorm[0], calibration.embeddingNorm[1]),
      calibration.embeddingNorm[2],
    ],
  ];
  let logSum = 0, wSum = 0;
  for (const [c, w] of parts) {
    if (Number.isNaN(c) || w <= 0) continue;
    if (c <= 0) return 1; // one cue at its worst makes the face unclear
    logSum += w * Math.log(c);
    wSum += w;
  }
  if (wSum === 0) return NaN;
  const clarity = Math.exp(logSum / wSum);
  return Math.min(1, Math.max(0, 1 - clarity));
}

/**
 * Variance of the 4-neighbour Laplacian of the grey image (0.299 R + 0.587 G + 0.114 B): a standard
 * focus measure (Pech-Pacheco et al. 2000). O(w·h).
 * @param image RGB image (at least 3×3)
 * @returns the variance (0 for tiny images)
 */
export function laplacianVariance(image: RgbImage): number {
  const { width: w, height: h, data } = image;
  if (w < 3 || h < 3) return 0;
  const g = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) g[i] = 0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!;
  let s = 0, s2 = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = g[i - 1]! + g[i + 1]! + g[i - w]! + g[i + w]! - 4 * g[i]!;
      s += l;
      s2 += l * l;
      n++;
    }
  }
  const mean = s / n;
  return s2 / n - mean * mean;
}

/**
 * Yaw proxy from 5 landmarks: horizontal offset of the nose from the eyes' midpoint, over the eye
 * distance.
 * @param lm x0 y0 … x4 y4 (left eye, right eye, nose, …)
 * @returns ≥ 0; NaN when the eyes coincide
 */
export function yawProxy(lm: ArrayLike<number>): number {
  const ex = lm[2]! - lm[0]!, ey = lm[3]! - lm[1]!;
  const d = Math.hypot(ex, ey);
  if (!(d > 1e-6)) return NaN;
  const mx = (lm[0]! + lm[2]!) / 2, my = (lm[1]! + lm[3]!) / 2;
  // Project the nose offset onto the eye axis so head roll does not count as yaw.
  return Math.abs(((lm[4]! - mx) * ex + (lm[5]! - my) * ey) / d) / d;
}
