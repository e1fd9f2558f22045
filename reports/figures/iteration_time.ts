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
import { captionTail, experimentsOf, focusExperiment, groupConfigs, groupLabels, linkageOf } from "../select.ts";
import { median } from "../stats.ts";

/** Linkages in the article's order; each keeps its colour in every figure. */
export const LINKAGE_ORDER: readonly string[] = ["average", "median", "median-sampled", "single", "complete"];

/** Colour of a linkage (fixed, so figures agree). */
export function linkageColour(linkage: string | null, fallback: number): string {
  const i = linkage === null ? -1 : LINKAGE_ORDER.indexOf(linkage);
  return colour(i >= 0 ? i : LINKAGE_ORDER.length + fallback);
}

/** Bins of iterations at most per line: each bin's value is the mean time per merge over the merges in it. */
const MAX_BINS = 200;
/** Floor for log-axis plotting of a zero-duration bin (below any clock's resolution). */
const FLOOR_S = 1e-9;

/**
 * Mean time per merge in `bins` equal-width bins of merge indices. A bin mean (total time / merges) stays
 * right when single merges are shorter than the clock's resolution and read as 0.
 */
function binnedMeans(samples: readonly number[], bins: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * samples.length) / bins);
    const end = Math.floor(((b + 1) * samples.length) / bins);
    let sum = 0;
    for (let i = start; i < end; i++) sum += samples[i]!;
    out.push(end > start ? sum / (end - start) : NaN);
  }
  return out;
}

/** Builds figure 1 from result records. */
export function iterationTimeFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "iteration-time", number: 1, title: "Processing time per merge iteration" };
  const candidates = records.filter((r) =>
    r.status === "ok" && (r.timings.samples["merge_seconds"]?.length ?? 0) > 0 && linkageOf(r) !== null
  );
  const { experiment, records: usable } = focusExperiment(candidates, linkageOf, "iteration-time");
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
  const seen = new Map<string, number>();
  let binned = false;
  groups.forEach((g, gi) => {
    const series = g.records.map((r) => r.timings.samples["merge_seconds"]!);
    // Runs of one configuration have the same number of merges unless a threshold stops them differently:
    // bin over the longest, and let shorter runs contribute to the bins they reach.
    const len = Math.max(...series.map((s) => s.length));
    const bins = Math.min(len, MAX_BINS);
    if (bins < len) binned = true;
    const perRun = series.map((s) => binnedMeans(s.concat(new Array(len - s.length).fill(NaN)), bins));
    const x: number[] = [];
    const ym: number[] = [];
    const yl: number[] = [];
    const yh: number[] = [];
    for (let b = 0; b < bins; b++) {
      const at = perRun.map((v) => v[b]!).filter((v) => Number.isFinite(v)).map((v) => Math.max(v, FLOOR_S));
      if (at.length === 0) continue;
      const start = Math.floor((b * len) / bins);
      const end = Math.floor(((b + 1) * len) / bins);
      x.push(start + 1 + (end - start - 1) / 2);
      ym.push(median(at));
      yl.push(Math.min(...at));
      yh.push(Math.max(...at));
      rows.push([labels[gi]!, x[x.length - 1]!, ym[ym.length - 1]!, yl[yl.length - 1]!, yh[yh.length - 1]!, at.length]);
    }
    const linkage = g.dims["linkage"] ?? "";
    const k = seen.get(linkage) ?? 0;
    seen.set(linkage, k + 1);
    const c = linkageColour(g.dims["linkage"] ?? null, gi);
    const dash = ["solid", "dash", "dot", "dashdot"][k % 4];
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
      line: { width: 2, color: c, dash },
    });
  });
  return {
    kind: "figure",
    ...base,
    caption: `Wall time per merge of hierarchical clustering against the merge's index, log scale, experiment ` +
      `${experiment}. Line: median over repeats and seeds of the same configuration; band: lowest to highest ` +
      `repeat` +
      (binned ? `; each point is the mean time per merge over one of ${MAX_BINS} equal bins of iterations` : "") +
      ". Source: timings.samples.merge_seconds. " + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("merge iteration", "time per iteration (s)", {
      yaxis: { type: "log", exponentformat: "power" },
    }),
    table: { columns: ["series", "iteration", "median_s", "low_s", "high_s", "runs"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}

/** Position of a linkage in {@link LINKAGE_ORDER} (unknown ones last). */
export function linkageRank(linkage: string | undefined): number {
  const i = linkage === undefined ? -1 : LINKAGE_ORDER.indexOf(linkage);
  return i >= 0 ? i : LINKAGE_ORDER.length;
}
