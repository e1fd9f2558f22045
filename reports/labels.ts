/**
 * Static point labels for scatter figures: plotly names points only on hover, so a printed figure needs its labels
 * placed as annotations. A greedy placer tries positions around each point, nearest first, and keeps the first
 * whose text box overlaps no other label, no marker and stays inside the plot; crowded points get a leader line.
 * @module
 */

/** A point to label, in pixels of the plot area (x right, y down). */
export interface LabelPoint {
  x: number;
  y: number;
  text: string;
}

/** Where a label went: the offset of its centre from the point, in pixels (y down). */
export interface LabelOffset {
  dx: number;
  dy: number;
  /** The label is far enough from its point to need a leader line. */
  leader: boolean;
}

/** Sizes the placer assumes. */
export interface LabelMetrics {
  /** Plot area size in pixels. */
  width: number;
  height: number;
  /** Average character width and line height of the label font [6.8, 14] (DejaVu Sans 11 px). */
  charWidth?: number;
  lineHeight?: number;
  /** Marker radius [6]. */
  markerRadius?: number;
}

/** A rectangle in plot pixels (y down) that labels should avoid, e.g. a segment of a drawn line. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Places one label per point without overlaps where it can (deterministic: same input, same offsets).
 * @param points the points, in pixels
 * @param metrics plot size and font estimates
 * @param obstacles other things drawn (line segments) that labels should avoid, at a lower priority than markers
 * @returns one offset per point, in input order
 * @example
 * ```ts
 * import { placeLabels } from "./labels.ts";
 * const [a, b] = placeLabels([{ x: 100, y: 100, text: "single" }, { x: 104, y: 100, text: "average" }], {
 *   width: 400,
 *   height: 300,
 * });
 * if (a!.dx === b!.dx && a!.dy === b!.dy) throw new Error("labels on top of each other");
 * ```
 */
export function placeLabels(
  points: readonly LabelPoint[],
  metrics: LabelMetrics,
  obstacles: readonly Box[] = [],
): LabelOffset[] {
  const cw = metrics.charWidth ?? 6.8, lh = metrics.lineHeight ?? 14, r = metrics.markerRadius ?? 6;
  // Other points' markers get a wide berth, so a label never sits next to a point it does not name.
  const berth = r + 6;
  const markers: Box[] = points.map((p) => ({ x0: p.x - berth, y0: p.y - berth, x1: p.x + berth, y1: p.y + berth }));
  const own = (p: LabelPoint): Box => ({ x0: p.x - r, y0: p.y - r, x1: p.x + r, y1: p.y + r });
  const placed: Box[] = [];
  const out: LabelOffset[] = new Array(points.length);
  // Points high on the plot first (their labels go above), then left to right.
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.y - points[b]!.y || points[a]!.x - points[b]!.x);
  for (const i of order) {
    const p = points[i]!;
    const w = p.text.length * cw + 4, h = lh;
    // Candidate centres, nearest first; each carries a penalty so that a far spot wins only over a real clash.
    const candidates: [number, number, number][] = [];
    for (const ring of [1, 2, 3, 4]) {
      const gap = r + 3 + (ring - 1) * (h + 2);
      const side = w / 2 + r + 3 + (ring - 1) * 12;
      const base = (ring - 1) * 80;
      candidates.push(
        [0, -(gap + h / 2), base],
        [0, gap + h / 2, base + 5],
        [side, 0, base + 10],
        [-side, 0, base + 10],
        [side, -(gap + h / 2), base + 30],
        [-side, -(gap + h / 2), base + 30],
        [side, gap + h / 2, base + 35],
        [-side, gap + h / 2, base + 35],
      );
    }
    let best = candidates[0]!, bestCost = Infinity;
    for (const c of candidates) {
      const [dx, dy, penalty] = c;
      const box = { x0: p.x + dx - w / 2, y0: p.y + dy - h / 2, x1: p.x + dx + w / 2, y1: p.y + dy + h / 2 };
      const outside = Math.max(0, -box.x0) + Math.max(0, box.x1 - metrics.width) + Math.max(0, -box.y0) +
        Math.max(0, box.y1 - metrics.height);
      let cost = penalty + outside * h * 10;
      for (const b of placed) cost += overlap(box, b) * 2;
      markers.forEach((m, j) => cost += j === i ? overlap(box, own(p)) * 4 : overlap(box, m) * 2);
      for (const o of obstacles) cost += overlap(box, o) * 0.5;
      if (cost < bestCost) {
        best = c;
        bestCost = cost;
      }
    }
    const [dx, dy] = best;
    placed.push({ x0: p.x + dx - w / 2, y0: p.y + dy - h / 2, x1: p.x + dx + w / 2, y1: p.y + dy + h / 2 });
    // A leader line when the label's nearest edge is not right beside its marker.
    const gapX = Math.max(0, Math.abs(dx) - w / 2), gapY = Math.max(0, Math.abs(dy) - h / 2);
    out[i] = { dx, dy, leader: Math.hypot(gapX, gapY) > r + 4 };
  }
  return out;
}
