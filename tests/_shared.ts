/**
 * Test helpers for the real models and data in ../shared: tests that need them skip with a clear
 * message when the folder is absent (users won't have it; CI always does).
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** Where ../shared is: $PEOPLEBENCH_SHARED, else the folder beside the repository. */
export const SHARED_DIR: string = Deno.env.get("PEOPLEBENCH_SHARED") ?? join(REPO_ROOT, "..", "shared");

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when ../shared (or $PEOPLEBENCH_SHARED) exists. */
export const HAS_SHARED: boolean = exists(join(SHARED_DIR, "README.md"));

/** Path of a file inside ../shared. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

let warned = false;

/**
 * Registers a test that needs ../shared; when it is missing the test is ignored and a one-line
 * reason is printed once.
 */
export function sharedTest(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void {
  if (!HAS_SHARED && !warned) {
    warned = true;
    console.warn(`skipping tests that need ../shared: ${SHARED_DIR} not found (set PEOPLEBENCH_SHARED)`);
  }
  Deno.test({ name, ignore: !HAS_SHARED, fn, sanitizeResources: false, sanitizeOps: false });
}

/** Creates a fresh temporary folder for a test and returns its path. */
export async function tempDir(prefix = "pb-test-"): Promise<string> {
  return await Deno.makeTempDir({ prefix });
}
