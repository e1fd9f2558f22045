/**
 * Boxes, intersection-over-union and greedy non-maximum suppression.
 * @module
 */

/** An axis-aligned detection in pixel coordinates, with optional 5-point landmarks. */
export interface Detection {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Detector confidence in [0, 1]. */
  score: number;
  /**
   * Five landmarks as x0 y0 … x4 y4 (left eye, right eye, nose, left mouth corner, right mouth corner,
   * as seen in the image), or null when the detector gives none.
   */
  landmarks: Float32Array | null;
}

/** How model-input pixels map back to the image: scale factors and the image's size (boxes are clipped to it). */
export interface InputFrame {
  sx: number;
  sy: number;
  width: number;
  height: number;
}

/**
 * A detection from a box given by its centre and size in model-input pixels, scaled back to the image and
 * clipped to it (the anchor-free decoders of YuNet and YOLOX).
 */
export function centreBox(
  frame: InputFrame,
  cx: number,
  cy: number,
  w: number,
  h: number,
  score: number,
  landmarks: Float32Array | null,
): Detection {
  return {
    x1: Math.max(0, (cx - w / 2) * frame.sx),
    y1: Math.max(0, (cy - h / 2) * frame.sy),
    x2: Math.min(frame.width, (cx + w / 2) * frame.sx),
    y2: Math.min(frame.height, (cy + h / 2) * frame.sy),
    score,
    landmarks,
  };
}

/**
 * Intersection over union of two boxes.
 * @param a first box
 * @param b second box
 * @returns IoU in [0, 1] (0 for empty boxes)
 */
export function iou(a: Detection, b: Detection): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy non-maximum suppression: keeps the highest-scoring box, drops boxes overlapping it by more
 * than `iouThreshold`, repeats. Ties in score go to the lower index. O(n²) in the worst case.
 * @param dets candidate detections
 * @param iouThreshold overlap above which the lower-scoring box is dropped
 * @param maxKeep keep at most this many [Infinity]
 * @returns the kept detections, best first
 */
export function nms(dets: readonly Detection[], iouThreshold: number, maxKeep = Infinity): Detection[] {
  const order = dets.map((_, i) => i).sort((i, j) => dets[j]!.score - dets[i]!.score || i - j);
  const removed = new Uint8Array(dets.length);
  const keep: Detection[] = [];
  for (let a = 0; a < order.length && keep.length < maxKeep; a++) {
    const i = order[a]!;
    if (removed[i]) continue;
    keep.push(dets[i]!);
    for (let b = a + 1; b < order.length; b++) {
      const j = order[b]!;
      if (!removed[j] && iou(dets[i]!, dets[j]!) > iouThreshold) removed[j] = 1;
    }
  }
  return keep;
}

/**
 * Maps detections from a resized frame back to original pixels (multiply by `scale`), clipping to
 * the image.
 * @param dets detections in the resized frame
 * @param scale original pixels per resized pixel
 * @param width original width
 * @param height original height
 * @returns new detections
 */
export function scaleDetections(dets: readonly Detection[], scale: number, width: number, height: number): Detection[] {
  return dets.map((d) => ({
    x1: Math.max(0, d.x1 * scale),
    y1: Math.max(0, d.y1 * scale),
    x2: Math.min(width, d.x2 * scale),
    y2: Math.min(height, d.y2 * scale),
    score: d.score,
    landmarks: d.landmarks ? d.landmarks.map((v) => v * scale) : null,
  }));
}
