/**
 * Face ↔ body association as an assignment problem, and the upper-body rules.
 *
 * Score of face f with person box b (0 = impossible):
 * `inside · horizontal · vertical · size`, where `inside` is the share of the face box inside b,
 * `horizontal` falls from 1 (face centred in b) to 0 (face centre at b's edge), `vertical` is 1 while
 * the face centre lies in the top 30 % of b and falls to 0 at 60 %, and `size` is 1 while the face is
 * 12–70 % of b's width and falls off outside. The assignment maximising the total score (at most one
 * face per body, one body per face) is found with the Hungarian algorithm (Kuhn–Munkres, O(n²m)).
 * @module
 */

/** A box x1 y1 x2 y2. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Pairs scoring below this are never associated. */
export const MIN_ASSOCIATION_SCORE = 0.05;

function falloff(v: number, full: number, zero: number): number {
  // 1 up to `full`, linear to 0 at `zero` (works for both directions).
  if (full < zero) return v <= full ? 1 : v >= zero ? 0 : (zero - v) / (zero - full);
  return v >= full ? 1 : v <= zero ? 0 : (v - zero) / (full - zero);
}

/**
 * Plausibility that a face belongs to a person box.
 * @param face face box
 * @param person person box
 * @returns score in [0, 1]
 */
export function associationScore(face: Box, person: Box): number {
  const fw = face.x2 - face.x1, fh = face.y2 - face.y1;
  const bw = person.x2 - person.x1, bh = person.y2 - person.y1;
  if (fw <= 0 || fh <= 0 || bw <= 0 || bh <= 0) return 0;
  const iw = Math.min(face.x2, person.x2) - Math.max(face.x1, person.x1);
  const ih = Math.min(face.y2, person.y2) - Math.max(face.y1, person.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inside = (iw * ih) / (fw * fh);
  const fcx = (face.x1 + face.x2) / 2, fcy = (face.y1 + face.y2) / 2;
  const horizontal = Math.max(0, 1 - Math.abs(fcx - (person.x1 + person.x2) / 2) / (bw / 2));
  const vertical = falloff((fcy - person.y1) / bh, 0.3, 0.6);
  const ratio = fw / bw;
  const size = ratio < 0.12 ? falloff(ratio, 0.12, 0.04) : falloff(ratio, 0.7, 1.2);
  return inside * horizontal * vertical * size;
}

/**
 * Minimum-cost assignment of rows to columns (rows ≤ columns), Hungarian algorithm with potentials.
 * @param cost rows × cols, row-major
 * @param rows number of rows
 * @param cols number of columns (≥ rows)
 * @returns for each row, its column
 * @throws {RangeError} when rows > cols
 */
export function hungarian(cost: Float64Array, rows: number, cols: number): Int32Array {
  if (rows > cols) throw new RangeError(`hungarian() needs rows ≤ cols, got ${rows} × ${cols}`);
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(rows + 1), v = new Float64Array(cols + 1);
  const p = new Int32Array(cols + 1), way = new Int32Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(cols + 1).fill(INF);
    const used = new Uint8Array(cols + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = INF, j1 = 0;
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * cols + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Int32Array(rows).fill(-1);
  for (let j = 1; j <= cols; j++) if (p[j]! > 0) out[p[j]! - 1] = j - 1;
  return out;
}

/**
 * Associates faces with person boxes, maximising the total {@link associationScore}.
 * @param faces face boxes
 * @param persons person boxes
 * @param minScore pairs below this stay apart [MIN_ASSOCIATION_SCORE]
 * @returns for each face the index of its person box, or −1
 */
export function associateFaces(
  faces: readonly Box[],
  persons: readonly Box[],
  minScore = MIN_ASSOCIATION_SCORE,
): Int32Array {
  const n = faces.length, m = persons.length;
  const out = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return out;
  // Columns: m persons, then n "no body" slots at cost 0; impossible pairs cost more than no body.
  const cols = m + n;
  const cost = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const s = associationScore(faces[i]!, persons[j]!);
      cost[i * cols + j] = s >= minScore ? -s : 1;
    }
  }
  const a = hungarian(cost, n, cols);
  for (let i = 0; i < n; i++) if (a[i]! < m && cost[i * cols + a[i]!]! < 0) out[i] = a[i]!;
  return out;
}

/**
 * The upper body of a person box: its top 55 %, or the whole box when it is less than 1.6× as tall
 * as wide (the person is already framed from the waist up or sitting).
 * @param person person box
 * @returns upper-body box
 */
export function upperBody(person: Box): Box {
  const w = person.x2 - person.x1, h = person.y2 - person.y1;
  if (h < 1.6 * w) return { ...person };
  return { x1: person.x1, y1: person.y1, x2: person.x2, y2: person.y1 + 0.55 * h };
}

/**
 * An upper-body box grown from a face when no person box matched: 3.2 face widths wide centred on the
 * face, from 0.4 face heights above it down to 3.6 face heights, clipped to the image.
 * @param face face box
 * @param width image width
 * @param height image height
 * @returns upper-body box (may be short when the face is near the bottom)
 */
export function bodyFromFace(face: Box, width: number, height: number): Box {
  const fw = face.x2 - face.x1, fh = face.y2 - face.y1;
  const cx = (face.x1 + face.x2) / 2;
  return {
    x1: Math.max(0, cx - 1.6 * fw),
    x2: Math.min(width, cx + 1.6 * fw),
    y1: Math.max(0, face.y1 - 0.4 * fh),
    y2: Math.min(height, face.y1 + 3.2 * fh),
  };
}
