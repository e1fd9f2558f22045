/**
 * Assertions for tests (JSR's @std/assert is not reachable here): thin wrappers on node:assert with
 * the @std/assert names, plus a float comparison with tolerance.
 * @module
 */
import nodeAssert from "node:assert";

/** Asserts that `condition` is truthy. */
export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Asserts deep, strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts deep inequality. */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Asserts |actual − expected| ≤ tolerance (NaN equals NaN). */
export function assertAlmostEquals(actual: number, expected: number, tolerance = 1e-7, message?: string): void {
  if (Number.isNaN(actual) && Number.isNaN(expected)) return;
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new nodeAssert.AssertionError({
      message: `${message ? message + ": " : ""}expected ${expected} ± ${tolerance}, got ${actual}`,
      actual,
      expected,
    });
  }
}

/** Asserts `fn` throws an instance of `ErrorClass` whose message includes `includes`; returns the error. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => E,
  includes?: string,
): E {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  return checkThrown(thrown, ErrorClass, includes);
}

/** Async version of {@link assertThrows}. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  return checkThrown(thrown, ErrorClass, includes);
}

function checkThrown<E extends Error>(
  thrown: unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => E,
  includes?: string,
): E {
  if (thrown === undefined) throw new nodeAssert.AssertionError({ message: "expected the function to throw" });
  if (ErrorClass && !(thrown instanceof ErrorClass)) {
    throw new nodeAssert.AssertionError({
      message: `expected ${ErrorClass.name}, got ${(thrown as Error)?.constructor?.name}: ${
        (thrown as Error)?.message
      }`,
    });
  }
  const msg = (thrown as Error).message ?? "";
  if (includes !== undefined && !msg.includes(includes)) {
    throw new nodeAssert.AssertionError({ message: `expected error message to include "${includes}", got "${msg}"` });
  }
  return thrown as E;
}
