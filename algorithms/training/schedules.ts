/**
 * Learning-rate schedules as pure functions of the step: constant, cosine annealing, and one-cycle
 * (Smith & Topin 2019, as PyTorch's `OneCycleLR` with cosine phases).
 * @module
 */

/** The schedule variants' ids. */
export const SCHEDULE_IDS = ["constant", "cosine", "one-cycle"] as const;
/** One schedule id. */
export type ScheduleId = typeof SCHEDULE_IDS[number];

/** Schedule hyper-parameters. */
export interface ScheduleOptions {
  /** Peak (one-cycle) or initial (cosine) or fixed (constant) learning rate. */
  maxLr: number;
  /** Total number of steps. */
  totalSteps: number;
  /** One-cycle: fraction of steps spent rising. Default 0.3. */
  pctStart?: number;
  /** One-cycle: the start is maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** One-cycle: the end is start / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Cosine: the last learning rate. Default 0. */
  minLr?: number;
}

function cosineBetween(from: number, to: number, fraction: number): number {
  return to + ((from - to) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, fraction))))) / 2;
}

/**
 * The learning rate at `step` (0-based) of the schedule.
 *
 * @example
 * ```ts
 * import { learningRate } from "./schedules.ts";
 * const peak = learningRate("one-cycle", 30, { maxLr: 0.1, totalSteps: 100 });
 * if (Math.abs(peak - 0.1) > 1e-3) throw new Error("one-cycle peaks at pctStart");
 * ```
 */
export function learningRate(id: ScheduleId, step: number, options: ScheduleOptions): number {
  const { maxLr, totalSteps } = options;
  if (!(totalSteps >= 1)) throw new RangeError(`learningRate: totalSteps must be ≥ 1, got ${totalSteps}`);
  if (id === "constant") return maxLr;
  if (id === "cosine") return cosineBetween(maxLr, options.minLr ?? 0, step / Math.max(1, totalSteps - 1));
  if (id !== "one-cycle") throw new RangeError(`Unknown schedule "${id}" (allowed: ${SCHEDULE_IDS.join(", ")})`);
  const initial = maxLr / (options.divFactor ?? 25);
  const final = initial / (options.finalDivFactor ?? 1e4);
  const rise = Math.max(1, (options.pctStart ?? 0.3) * totalSteps - 1); // PyTorch: phase end pct·total − 1
  const last = totalSteps - 1;
  if (step <= rise) return cosineBetween(initial, maxLr, step / rise);
  return cosineBetween(maxLr, final, (step - rise) / Math.max(1, last - rise));
}
