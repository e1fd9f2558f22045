/**
 * The machine's available cores: the default thread count of every command and variant that can use threads
 * (their results do not depend on the count).
 * @module
 */

/** Logical cores this process may use (`navigator.hardwareConcurrency`), at least 1. */
export function availableCores(): number {
  const n = typeof navigator === "undefined" ? 1 : navigator.hardwareConcurrency;
  return Number.isInteger(n) && n > 0 ? n : 1;
}
