/**
 * A progress line for sweeps: completed/total, percentage, elapsed, ETA and the current run. Redraws in place
 * on a terminal; prints one line per finished run otherwise (logs, CI).
 * @module
 */

/** Formats seconds as `1h02m`, `3m05s` or `4.2s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Progress reporter of a sweep. */
export class Progress {
  #done = 0;
  #t0 = performance.now();
  #tty: boolean;
  #enc = new TextEncoder();
  /**
   * @param total runs to execute
   * @param enabled false: print nothing
   */
  constructor(readonly total: number, readonly enabled = true) {
    this.#tty = enabled && Deno.stderr.isTerminal();
  }

  /** The progress text for `done` of `total` after `elapsed` seconds. */
  static line(done: number, total: number, elapsed: number, current: string): string {
    const width = 24;
    const frac = total > 0 ? done / total : 1;
    const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    return `[${bar}] ${done}/${total} ${(frac * 100).toFixed(0)}% elapsed ${formatDuration(elapsed)} ETA ${
      done === total ? "0s" : formatDuration(eta)
    } ${current}`;
  }

  /** Shows that a run started. */
  start(name: string): void {
    if (!this.#tty) return;
    const text = Progress.line(this.#done, this.total, (performance.now() - this.#t0) / 1000, name);
    Deno.stderr.writeSync(this.#enc.encode(`\r\x1b[K${text.slice(0, (Deno.consoleSize?.().columns ?? 120) - 1)}`));
  }

  /** Records a finished run with its outcome (`ok 1.2s`, `FAILED: …`). */
  finish(name: string, outcome: string): void {
    this.#done++;
    if (!this.enabled) return;
    const text = Progress.line(this.#done, this.total, (performance.now() - this.#t0) / 1000, `${name} ${outcome}`);
    if (this.#tty) {
      Deno.stderr.writeSync(this.#enc.encode(`\r\x1b[K${text.slice(0, (Deno.consoleSize?.().columns ?? 120) - 1)}`));
    } else Deno.stderr.writeSync(this.#enc.encode(text + "\n"));
  }

  /** Ends the progress line. */
  end(): void {
    if (this.#tty) Deno.stderr.writeSync(this.#enc.encode("\n"));
  }
}
