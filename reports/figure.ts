/**
 * The report's figure model: a figure is a plotly spec plus a caption, or a "no data" panel saying what
 * the results lack. Builders are pure functions of the loaded results.
 * @module
 */

/** A plotly trace or layout: plain JSON handed to plotly.js in the page. */
export type PlotlyJson = Record<string, unknown>;

/** A figure that has data. */
export interface RenderedFigure {
  kind: "figure";
  /** Stable id, e.g. "iteration-time". */
  id: string;
  /** 1-based position in the report (the list order). */
  number: number;
  title: string;
  /** One paragraph: what is shown, then n, seeds and spec hash(es). */
  caption: string;
  /** Experiments whose runs the figure drew on. */
  experiments: string[];
  data: PlotlyJson[];
  layout: PlotlyJson;
  /** The plotted values as rows, written as CSV next to the figure. */
  table: { columns: string[]; rows: (string | number | null)[][] };
  /** Static export size in CSS pixels. */
  width: number;
  height: number;
}

/** A figure whose data the results do not hold. */
export interface MissingFigure {
  kind: "missing";
  id: string;
  number: number;
  title: string;
  /** What the results would need, e.g. "runs with merge_seconds samples from an HAC stage". */
  needs: string;
}

/** Either outcome of a figure builder. */
export type FigureOutcome = RenderedFigure | MissingFigure;

/** Font used by every figure (installed with Chromium on Debian: fonts-dejavu-core) so pixels are fixed. */
export const FIGURE_FONT = "DejaVu Sans, Arial, sans-serif";

/** A colour-blind-safe palette (Okabe–Ito), assigned in a fixed order so colours never depend on data order. */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#999999",
];

/** Colour `i` of {@link PALETTE}, cycling. */
export function colour(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** Default figure size in CSS pixels (static exports use the same). */
export const FIGURE_WIDTH = 860;
export const FIGURE_HEIGHT = 540;

/** `#rrggbb` → `rgba(r,g,b,a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/**
 * A plotly layout with the report's fixed theme: fixed size, font and margins, no animations, and
 * both axis titles set (the browser test checks they render).
 * @param xTitle x-axis title
 * @param yTitle y-axis title
 * @param extra fields merged over the base layout (axes merge one level deep)
 * @returns the layout JSON
 */
export function baseLayout(xTitle: string, yTitle: string, extra: PlotlyJson = {}): PlotlyJson {
  const { xaxis, yaxis, ...rest } = extra as { xaxis?: PlotlyJson; yaxis?: PlotlyJson };
  return {
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    autosize: false,
    font: { family: FIGURE_FONT, size: 13, color: "#222" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    margin: { l: 70, r: 20, t: 20, b: 140 },
    // Below the plot, so long series names never squeeze the plotting area.
    legend: { orientation: "h", x: 0, xanchor: "left", y: -0.2, yanchor: "top", bgcolor: "rgba(255,255,255,0.8)" },
    hovermode: "closest",
    xaxis: { title: { text: xTitle }, showgrid: true, gridcolor: "#e5e5e5", zeroline: false, ...xaxis },
    yaxis: { title: { text: yTitle }, showgrid: true, gridcolor: "#e5e5e5", zeroline: false, ...yaxis },
    ...rest,
  };
}
