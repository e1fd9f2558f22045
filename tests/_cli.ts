/**
 * Runs `pb` in-process for CLI tests, capturing what it prints.
 * @module
 */
/** What one `pb` call returned and printed. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `fn` with console.log/console.error captured. */
export async function capture(fn: () => Promise<number>): Promise<CliRun> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await fn(), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}
