/**
 * Moments: photos grouped by capture time and place. Sorted by time, a new moment starts when the gap
 * to the previous photo exceeds `maxGapMs`, or when both have GPS and are more than `maxDistanceKm`
 * apart. Photos without a time are each their own moment. O(n log n).
 * @module
 */

/** Options for {@link groupMoments}. */
export interface MomentOptions {
  /** Largest time gap inside a moment, ms [3 h]. */
  maxGapMs?: number;
  /** Largest distance between consecutive photos of a moment, km [1]. */
  maxDistanceKm?: number;
}

/**
 * Great-circle distance (haversine, Earth radius 6371 km).
 * @returns kilometres
 */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Assigns a moment id to each photo.
 * @param time capture time per photo, ms (NaN: unknown)
 * @param lat latitude per photo (NaN: unknown)
 * @param lon longitude per photo (NaN: unknown)
 * @param options gap and distance limits
 * @returns moment ids 0… numbered in time order, untimed photos last in input order
 * @throws {RangeError} on length mismatch or negative limits
 */
export function groupMoments(
  time: Float64Array,
  lat: Float64Array,
  lon: Float64Array,
  options: MomentOptions = {},
): Int32Array {
  const n = time.length;
  if (lat.length !== n || lon.length !== n) throw new RangeError("groupMoments(): time, lat and lon lengths differ");
  const maxGap = options.maxGapMs ?? 3 * 3600 * 1000;
  const maxKm = options.maxDistanceKm ?? 1;
  if (!(maxGap >= 0) || !(maxKm >= 0)) throw new RangeError("groupMoments(): limits must be ≥ 0");
  const timed: number[] = [], untimed: number[] = [];
  for (let i = 0; i < n; i++) (Number.isFinite(time[i]!) ? timed : untimed).push(i);
  timed.sort((a, b) => time[a]! - time[b]! || a - b);
  const out = new Int32Array(n);
  let moment = -1, prev = -1;
  for (const i of timed) {
    let split = prev < 0 || time[i]! - time[prev]! > maxGap;
    if (!split && Number.isFinite(lat[i]!) && Number.isFinite(lat[prev]!)) {
      split = haversineKm(lat[prev]!, lon[prev]!, lat[i]!, lon[i]!) > maxKm;
    }
    if (split) moment++;
    out[i] = moment;
    prev = i;
  }
  for (const i of untimed) out[i] = ++moment;
  return out;
}
