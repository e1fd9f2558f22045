/**
 * Errors that the CLI turns into one clear line.
 * @module
 */

/** Bad command-line usage (unknown option, bad value): the CLI exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A file that cannot be used as it is (truncated, wrong type, NaN, missing column): exit code 1. */
export class DataFileError extends Error {
  override name = "DataFileError";
  /**
   * @param file the offending file's path
   * @param problem what is wrong with it, in one sentence
   */
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
  }
}
