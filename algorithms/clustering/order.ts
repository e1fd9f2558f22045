/**
 * Processing order of order-dependent stages (the greedy first pass). Capture time is a real signal and is kept;
 * rows without a time have no order of their own, and their row order often is the answer (`pb embed --layout
 * identity-folders` writes faces sorted by identity), so they are shuffled with a seed instead.
 * @module
 */
import { Rng } from "../random/rng.ts";

/**
 * Order of the rows without a capture time: `shuffled` (seeded; the default) or `file` (their row order, as before
 * issue 12 — kept to reproduce older results, not to be trusted on data sorted by identity).
 */
export type UntimedOrder = "shuffled" | "file";

/** Every {@link UntimedOrder}, for option parsers. */
export const UNTIMED_ORDERS: readonly UntimedOrder[] = ["shuffled", "file"];

/**
 * Capture time ascending (ties by row), then every row without a time in a seeded random order (or in row order).
 *
 * @param time capture time per row (NaN: unknown)
 * @param seed seed of the shuffle of the rows without a time
 * @param untimed order of the rows without a time [shuffled]
 * @returns a permutation of 0..n−1
 * @example
 * ```ts
 * import { timeOrder } from "./order.ts";
 * const order = timeOrder(Float64Array.of(NaN, 5, NaN, 1), 7);
 * if (order[0] !== 3 || order[1] !== 1) throw new Error("timed rows first, by time");
 * ```
 */
export function timeOrder(time: Float64Array, seed: number, untimed: UntimedOrder = "shuffled"): Int32Array {
  const timed: number[] = [], rest: number[] = [];
  for (let i = 0; i < time.length; i++) (Number.isNaN(time[i]!) ? rest : timed).push(i);
  timed.sort((a, b) => time[a]! - time[b]! || a - b);
  if (untimed === "shuffled") shuffleInPlace(rest, seed);
  return Int32Array.from([...timed, ...rest]);
}

/**
 * Fisher–Yates shuffle driven by a generator seeded from `seed` (same seed, same permutation).
 * @param items array to permute in place
 * @param seed any integer
 * @returns the same array
 */
export function shuffleInPlace<T>(items: T[], seed: number): T[] {
  const rng = new Rng(`row-order/${seed}`);
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
