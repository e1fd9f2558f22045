/**
 * A one-line progress bar with rate and ETA on stderr, redrawn at most 5 times a second.
 * @module
 */

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`
    : `${m}:${String(r).padStart(2, "0")}`;
}

/** A progress bar; create it only when stderr is a terminal or the user asked for it. */
export class ProgressBar {
  #start = performance.now();
  #last = 0;
  #encoder = new TextEncoder();
  #done = 0;

  /**
   * @param total number of units
   * @param unit unit name shown with the rate
   * @param write where the line goes [stderr]
   */
  constructor(
    readonly total: number,
    readonly unit = "items",
    readonly write: (bytes: Uint8Array) => void = (b) => Deno.stderr.writeSync(b),
  ) {}

  /** Sets the number of finished units and redraws when due. */
  update(done: number): void {
    this.#done = done;
    const now = performance.now();
    if (now - this.#last < 200 && done < this.total) return;
    this.#last = now;
    this.write(this.#encoder.encode(`\r${this.line(now)}`));
  }

  /** The bar's text at time `now` (ms, performance clock). */
  line(now = performance.now()): string {
    const elapsed = (now - this.#start) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.#done / this.total) : 1;
    const width = 24, filled = Math.round(frac * width);
    const rate = elapsed > 0 ? this.#done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.#done) / rate : NaN;
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.#done}/${this.total} ` +
      `${(frac * 100).toFixed(0)}% ${rate.toFixed(1)} ${this.unit}/s ETA ${formatDuration(eta)}   `;
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.#last = 0;
    this.write(this.#encoder.encode(`\r${this.line()}\n`));
  }
}
