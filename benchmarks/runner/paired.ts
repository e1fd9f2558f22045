/**
 * Paired, interleaved timing: inside one run's process the fixed reference workload (A) and the candidate (B)
 * alternate, A B A B … A, and each candidate repeat is divided by the geometric mean of the two reference runs
 * around it. Load that changes between runs, shards or machines hits both sides of a pair alike and cancels in
 * the ratio. Pairs are added (pyperf/criterion style) until the sign-test interval of the median log-ratio is
 * narrow enough, or the pair or time budget is spent. The time budget counts the CPU seconds of the measured calls,
 * not wall seconds: under load a run gets as many pairs as on an idle machine (it takes longer), instead of fewer
 * exactly when more are needed.
 * @module
 */
import process from "node:process";
import { Rng } from "../../algorithms/random/rng.ts";
import type { PairedTimings, TimingMeasure } from "../results/schema.ts";
import { logRatios, medianInterval } from "../stats/paired.ts";
import { type ReferenceParams, referenceVariant } from "../variants/builtin/reference.ts";

/** How a run is timed (`timing` in a spec); every field optional there. */
export interface TimingSettings {
  /** Pair each candidate repeat with the reference workload [true]. */
  paired: boolean;
  /** Parameters of the reference workload (see `pb variants`, stage reference) [n 600, dim 128, rounds 1]. */
  reference: ReferenceParams;
  /** Pairs measured at least [1]. */
  min_pairs: number;
  /** Pairs measured at most [1]; above min_pairs, pairs are added until the interval is narrow enough. */
  max_pairs: number;
  /** Stop adding pairs when the median ratio's interval is within ×(1 ± target_ci) [0.02]. */
  target_ci: number;
  /** Stop adding pairs after this many CPU seconds of measured calls, both sides (once min_pairs are done) [10]. */
  budget_s: number;
  /** Measure whose ratio decides when to stop [cpu]. */
  measure: TimingMeasure;
  /** Confidence level of the stopping interval [0.95]. */
  confidence: number;
}

/** Defaults of {@link TimingSettings}: one pair per run, so that every record carries a same-process ratio. */
export const DEFAULT_TIMING: TimingSettings = {
  paired: true,
  reference: { n: 600, dim: 128, rounds: 1 },
  min_pairs: 1,
  max_pairs: 1,
  target_ci: 0.02,
  budget_s: 10,
  measure: "cpu",
  confidence: 0.95,
};

/** The fields of a spec's `timing`, for validation. */
export const TIMING_FIELDS = [
  "paired",
  "reference",
  "min_pairs",
  "max_pairs",
  "target_ci",
  "budget_s",
  "measure",
  "confidence",
] as const;

/**
 * Checks a spec's `timing` object.
 * @param value the parsed value
 * @returns the first problem as `[field, problem]`, or null
 */
export function checkTiming(value: unknown): [string, string] | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["", "must be an object"];
  const t = value as Record<string, unknown>;
  for (const k of Object.keys(t)) {
    if (!(TIMING_FIELDS as readonly string[]).includes(k)) {
      return [k, `unknown field (allowed: ${TIMING_FIELDS.join(", ")})`];
    }
  }
  const int = (k: string, min: number) =>
    t[k] !== undefined && (typeof t[k] !== "number" || !Number.isInteger(t[k]) || (t[k] as number) < min)
      ? [k, `must be an integer ≥ ${min}, got ${JSON.stringify(t[k])}`] as [string, string]
      : null;
  const pos = (k: string, max = Infinity) =>
    t[k] !== undefined && (typeof t[k] !== "number" || !((t[k] as number) > 0 && (t[k] as number) < max))
      ? [k, `must be a number in (0, ${max}), got ${JSON.stringify(t[k])}`] as [string, string]
      : null;
  const problem = int("min_pairs", 1) ?? int("max_pairs", 1) ?? pos("target_ci", 1) ?? pos("budget_s") ??
    pos("confidence", 1);
  if (problem) return problem;
  if (t.paired !== undefined && typeof t.paired !== "boolean") return ["paired", "must be true or false"];
  if (t.measure !== undefined && t.measure !== "cpu" && t.measure !== "wall") {
    return ["measure", `must be "cpu" or "wall", got ${JSON.stringify(t.measure)}`];
  }
  const min = (t.min_pairs as number | undefined) ?? DEFAULT_TIMING.min_pairs;
  const max = (t.max_pairs as number | undefined) ?? Math.max(min, DEFAULT_TIMING.max_pairs);
  if (max < min) return ["max_pairs", `must be ≥ min_pairs (${min}), got ${max}`];
  if (t.reference !== undefined) {
    if (typeof t.reference !== "object" || t.reference === null) return ["reference", "must be an object"];
    for (const [k, v] of Object.entries(t.reference)) {
      const spec = referenceVariant.params[k as keyof ReferenceParams];
      if (!spec) {
        return [`reference.${k}`, `unknown parameter (has ${Object.keys(referenceVariant.params).join(", ")})`];
      }
      if (typeof v !== "number" || !Number.isInteger(v) || v < spec.min! || v > spec.max!) {
        return [`reference.${k}`, `must be an integer in [${spec.min}, ${spec.max}], got ${JSON.stringify(v)}`];
      }
    }
  }
  return null;
}

/**
 * Timing settings after defaults (a spec giving only `min_pairs` above the default `max_pairs` raises it).
 * @param given the spec's `timing`
 */
export function timingSettings(given: Partial<TimingSettings> | undefined): TimingSettings {
  const t = { ...DEFAULT_TIMING, ...given, reference: { ...DEFAULT_TIMING.reference, ...given?.reference } };
  if (given?.max_pairs === undefined) t.max_pairs = Math.max(t.max_pairs, t.min_pairs);
  return t;
}

/** Wall and CPU seconds of one call. */
export interface Measured<T> {
  value: T;
  wall_s: number;
  cpu_s: number;
}

/** Times one call: wall clock and this process's CPU time (all threads). */
export async function measure<T>(f: () => Promise<T> | T): Promise<Measured<T>> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wall_s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, wall_s, cpu_s: (cpu.user + cpu.system) / 1e6 };
}

/** A prepared reference workload: call it to run the kernel once. */
export function referenceWorkload(params: ReferenceParams): () => void {
  // Fixed data and seed: the reference must not depend on the run, the code under test or its seed.
  const ctx = { seed: 1, rng: new Rng(1).fork("reference"), clock: () => performance.now() / 1000, warmup: false };
  const input = { dataset: undefined as never, previous: {} };
  const state = referenceVariant.prepare!(input, params, ctx);
  return () => void referenceVariant.run(input, params, ctx, state);
}

/** Unrecorded A B pairs before the recorded ones: at least, and at most while they are not yet steady. */
const MIN_WARM_PAIRS = 2;
const MAX_WARM_PAIRS = 6;

/** Outcome of {@link measurePaired}: the first candidate output (for metrics) and the paired timings. */
export interface PairedOutcome<T> {
  first: Measured<T>;
  timings: PairedTimings;
}

/**
 * Measures a candidate interleaved with the reference workload: A B A B … A.
 * @param candidate one measured repetition of the run (its first output is kept)
 * @param settings pairs, stopping rule and reference parameters
 * @returns the first output and every pair's times and ratios
 */
export async function measurePaired<T>(
  candidate: () => Promise<T>,
  settings: TimingSettings,
): Promise<PairedOutcome<T>> {
  const ref = referenceWorkload(settings.reference);
  // Background threads count in the process's CPU time: V8's concurrent GC (the dataset's parse garbage) and
  // compilers tiering the kernels up over their first calls; measured, the first recorded pairs' ratios were off
  // by up to 7×. So: collect now, then run unrecorded pairs (through the same measuring code) until two in a
  // row agree within 10% on both sides — at most MAX_WARM_PAIRS, and at most half the time budget.
  (globalThis as { gc?: () => void }).gc?.();
  let warmCpu = 0;
  let prev: [number, number] | null = null;
  for (let w = 0; w < MAX_WARM_PAIRS; w++) {
    const a = await measure(ref), b = await measure(candidate);
    const steady = prev !== null && Math.abs(Math.log(a.cpu_s / prev[0])) < 0.1 &&
      Math.abs(Math.log(b.cpu_s / prev[1])) < 0.1;
    warmCpu += a.cpu_s + b.cpu_s;
    const spent = warmCpu >= settings.budget_s / 2;
    if ((steady || spent) && w + 1 >= MIN_WARM_PAIRS) break;
    prev = [a.cpu_s, b.cpu_s];
  }
  const t: PairedTimings = {
    reference: { ...settings.reference },
    measure: settings.measure,
    wall_s: [],
    cpu_s: [],
    ref_wall_s: [],
    ref_cpu_s: [],
    ratio_wall: [],
    ratio_cpu: [],
    stopped: "max_pairs",
  };
  let spentCpu = 0;
  const a0 = await measure(ref);
  t.ref_wall_s.push(a0.wall_s);
  t.ref_cpu_s.push(a0.cpu_s);
  let first: Measured<T> | null = null;
  for (let i = 0; i < settings.max_pairs; i++) {
    const b = await measure(candidate);
    first ??= b;
    const a = await measure(ref);
    t.wall_s.push(b.wall_s);
    t.cpu_s.push(b.cpu_s);
    t.ref_wall_s.push(a.wall_s);
    t.ref_cpu_s.push(a.cpu_s);
    t.ratio_wall.push(b.wall_s / Math.sqrt(t.ref_wall_s[i]! * a.wall_s));
    t.ratio_cpu.push(b.cpu_s / Math.sqrt(t.ref_cpu_s[i]! * a.cpu_s));
    spentCpu += a.cpu_s + b.cpu_s;
    const done = i + 1;
    if (done < settings.min_pairs || done === settings.max_pairs) continue;
    const ratios = settings.measure === "cpu" ? t.ratio_cpu : t.ratio_wall;
    const ci = medianInterval(logRatios(ratios, ratios.map(() => 1)), settings.confidence);
    if (ci.coverage >= settings.confidence && Math.max(ci.median - ci.low, ci.high - ci.median) <= settings.target_ci) {
      t.stopped = "target";
      break;
    }
    if (spentCpu >= settings.budget_s) {
      t.stopped = "budget";
      break;
    }
  }
  return { first: first!, timings: t };
}
