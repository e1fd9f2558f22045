/**
 * Figure 1 (the article's Figure 3): processing time per HAC merge iteration, one line per linkage
 * (median over repeats and seeds) with a band from the lowest to the highest repeat, log y.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import {
  baseLayout,
  colour,
  FIGURE_HEIGHT,
  FIGURE_WIDTH,
  type FigureOutcome,
  type PlotlyJson,
  withAlpha,
} from "../figure.ts";
import { captionTail, experimentsOf, groupConfigs, groupLabels, linkageOf } from "../select.ts";
import { median, quantile } from "../stats.ts";

/** Linkages in the article's order; each keeps its colour in every figure. */
export const LINKAGE_ORDER: readonly string[] = ["average", "median", "median-sampled", "single", "complete"];

/** Colour of a linkage (fixed, so figures agree). */
export function linkageColour(linkage: string | null, fallback: number): string {
  const i = linkage === null ? -1 : LINKAGE_ORDER.indexOf(linkage);
  return colour(i >= 0 ? i : LINKAGE_ORDER.length + fallback);
}

/** Plotted points per line at most; longer runs are summarised in equal-width bins of iterations. */
const MAX_POINTS = 500;
/** Floor for log-axis plotting of a zero-duration sample (below any clock's resolution). */
const FLOOR_S = 1e-7;

/** Builds figure 1 from result records. */
export function iterationTimeFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "iteration-time", number: 1, title: "Processing time per merge iteration" };
  const usable = records.filter((r) =>
    r.status === "ok" && (r.timings.samples["merge_seconds"]?.length ?? 0) > 0 && linkageOf(r) !== null
  );
  if (usable.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: "successful runs of a clustering stage with a `linkage` parameter that store per-merge times " +
        "in `timings.samples.merge_seconds`",
    };
  }
  const groups = groupConfigs(usable).sort((a, b) => linkageRank(a.dims["linkage"]) - linkageRank(b.dims["linkage"]));
  const labels = groupLabels(groups, ["linkage"]);
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  groups.forEach((g, gi) => {
    const series = g.records.map((r) => r.timings.samples["merge_seconds"]!);
    const len = Math.max(...series.map((s) => s.length));
    const mid: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    for (let i = 0; i < len; i++) {
      const at = series.filter((s) => i < s.length).map((s) => Math.max(s[i]!, FLOOR_S));
      mid.push(median(at));
      lo.push(Math.min(...at));
      hi.push(Math.max(...at));
    }
    const bins = Math.min(len, MAX_POINTS);
    const x: number[] = [];
    const ym: number[] = [];
    const yl: number[] = [];
    const yh: number[] = [];
    for (let b = 0; b < bins; b++) {
      const start = Math.floor((b * len) / bins);
      const end = Math.floor(((b + 1) * len) / bins);
      x.push(start + 1 + (end - start - 1) / 2);
      ym.push(median(mid.slice(start, end)));
      yl.push(quantile(lo.slice(start, end), 0.5));
      yh.push(quantile(hi.slice(start, end), 0.5));
      rows.push([labels[gi]!, x[x.length - 1]!, ym[ym.length - 1]!, yl[yl.length - 1]!, yh[yh.length - 1]!]);
    }
    const c = linkageColour(g.dims["linkage"] ?? null, gi);
    const group = `g${gi}`;
    if (series.length > 1) {
      data.push({
        type: "scatter",
        mode: "lines",
        x,
        y: yl,
        line: { width: 0, color: c },
        legendgroup: group,
        showlegend: false,
        hoverinfo: "skip",
        name: `${labels[gi]} (lowest repeat)`,
      });
      data.push({
        type: "scatter",
        mode: "lines",
        x,
        y: yh,
        fill: "tonexty",
        fillcolor: withAlpha(c, 0.2),
        line: { width: 0, color: c },
        legendgroup: group,
        showlegend: false,
        hoverinfo: "skip",
        name: `${labels[gi]} (highest repeat)`,
      });
    }
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: ym,
      name: `${labels[gi]} (${series.length} run${series.length === 1 ? "" : "s"})`,
      legendgroup: group,
      line: { width: 2, color: c },
    });
  });
  const binned = groups.some((g) =>
    Math.max(...g.records.map((r) => r.timings.samples["merge_seconds"]!.length)) > MAX_POINTS
  );
  return {
    kind: "figure",
    ...base,
    caption: "Wall time of each merge of hierarchical clustering against the merge's index, log scale. " +
      "Line: median over repeats and seeds of the same configuration; band: lowest to highest repeat" +
      (binned ? `; long runs summarised as medians over ${MAX_POINTS} equal bins of iterations` : "") +
      ". Source: timings.samples.merge_seconds. " + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("merge iteration", "time per iteration (s)", {
      yaxis: { type: "log", exponentformat: "power" },
    }),
    table: { columns: ["series", "iteration", "median_s", "low_s", "high_s"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}

/** Position of a linkage in {@link LINKAGE_ORDER} (unknown ones last). */
export function linkageRank(linkage: string | undefined): number {
  const i = linkage === undefined ? -1 : LINKAGE_ORDER.indexOf(linkage);
  return i >= 0 ? i : LINKAGE_ORDER.length;
}
