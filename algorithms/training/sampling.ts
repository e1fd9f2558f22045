/**
 * Seeded initialisation and batch sampling for training.
 * @module
 */
import type { Rng } from "../random/rng.ts";

/** The sampling variants' ids: uniform shuffle, or inverse-frequency weighting by class or by subgroup. */
export const SAMPLING_IDS = ["shuffle", "class-balanced", "subgroup-balanced"] as const;
/** One sampling id. */
export type SamplingId = typeof SAMPLING_IDS[number];

/**
 * Fills a new array with N(0, std²) draws, std = gain·√(1 / fanIn) (He/Kaiming-normal for gain √2,
 * LeCun for 1).
 */
export function normalInit(length: number, options: { fanIn: number; rng: Rng; gain?: number }): Float64Array {
  const std = (options.gain ?? Math.SQRT2) / Math.sqrt(options.fanIn);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = std * options.rng.normal();
  return out;
}

/**
 * One epoch's sample order (`count` indices, default all of them).
 *
 * - `shuffle`: a permutation of every sample.
 * - `class-balanced`: draws with replacement, each sample weighted 1 / (size of its class), so every class is
 *   equally likely per draw.
 * - `subgroup-balanced`: the same with `groups` (e.g. gender), so every subgroup is equally likely per draw.
 *
 * @example
 * ```ts
 * import { Rng } from "../random/rng.ts";
 * import { epochOrder } from "./sampling.ts";
 * const order = epochOrder("class-balanced", { labels: new Int32Array([0, 0, 0, 1]), rng: new Rng(1), count: 1000 });
 * const ones = order.filter((i) => i === 3).length;
 * if (ones < 400 || ones > 600) throw new Error("class 1 should be drawn about half the time");
 * ```
 */
export function epochOrder(
  id: SamplingId,
  options: { labels: Int32Array; rng: Rng; groups?: Int32Array; count?: number },
): Int32Array {
  const { labels, rng } = options;
  const n = labels.length;
  const count = options.count ?? n;
  if (id === "shuffle") {
    const all = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = all[i % n]!;
    return out;
  }
  const keys = id === "class-balanced" ? labels : options.groups;
  if (!keys) throw new TypeError(`epochOrder: "${id}" needs groups`);
  if (keys.length !== n) throw new RangeError(`epochOrder: ${keys.length} groups for ${n} samples`);
  const sizes = new Map<number, number>();
  for (const k of keys) sizes.set(k, (sizes.get(k) ?? 0) + 1);
  // Cumulative weights for inverse-CDF draws.
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += 1 / sizes.get(keys[i]!)!;
  const out = new Int32Array(count);
  for (let d = 0; d < count; d++) {
    const u = rng.float() * total;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    out[d] = lo;
  }
  return out;
}
