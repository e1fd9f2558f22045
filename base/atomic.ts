/**
 * Atomic file writes: a run never leaves a half-written results or dataset file behind.
 * @module
 */

/** Writes bytes to `path` atomically: a sibling temporary file, then rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${Math.floor(performance.now() * 1000)}`;
  if (typeof data === "string") await Deno.writeTextFile(tmp, data);
  else await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}
