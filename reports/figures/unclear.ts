/**
 * Figure 8: unclear-face filtering — precision against the fraction of faces kept, one line per configuration.
 * From curves `kept.<metric>` (x: fraction kept, y: the metric; `kept.bcubed.precision` preferred), or else
 * from runs sweeping a filter threshold with metrics `kept_fraction` and `<family>.precision`.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, experimentsOf, groupConfigs, groupLabels, preferredOrder } from "../select.ts";
import { mean } from "../stats.ts";

const CURVES = ["kept.bcubed.precision", "kept.pairwise.precision", "kept.precision"];
const FRACTION = ["kept_fraction", "fraction_kept"];
const PRECISION = ["bcubed.precision", "pairwise.precision", "precision"];
/** Parameters that set the unclear-face filter (ignored when grouping a sweep into lines). */
const FILTER_PARAMS = ["unclear_threshold", "quality_threshold", "min_quality", "unclear"];

/** Builds figure 8 from result records. */
export function unclearFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "unclear-filter", number: 8, title: "Unclear-face filtering: precision against faces kept" };
  const ok = records.filter((r) => r.status === "ok");
  const curveNames = preferredOrder(
    ok.flatMap((r) => Object.keys(r.curves).filter((k) => /^kept\..*precision$/.test(k))),
    CURVES,
  );
  const curve = curveNames[0];
  let usable: ResultRecord[];
  let lines: { label: string; x: number[]; y: number[]; runs: number }[] = [];
  let yTitle: string;
  let source: string;
  if (curve !== undefined) {
    usable = ok.filter((r) => curve in r.curves);
    const groups = groupConfigs(usable);
    const labels = groupLabels(groups);
    lines = groups.map((g, gi) => {
      const pts = new Map<number, number[]>();
      for (const r of g.records) {
        const c = r.curves[curve]!;
        c.x.forEach((x, i) => pts.set(x, [...(pts.get(x) ?? []), c.y[i]!]));
      }
      const x = [...pts.keys()].sort((a, b) => a - b);
      return { label: labels[gi]!, x, y: x.map((v) => mean(pts.get(v)!)), runs: g.records.length };
    });
    yTitle = curve.replace(/^kept\./, "");
    source = `curves ${curve}`;
  } else {
    const frac = FRACTION.find((f) => ok.some((r) => f in r.metrics));
    const prec = frac === undefined
      ? undefined
      : PRECISION.find((p) => ok.some((r) => frac in r.metrics && p in r.metrics));
    if (frac === undefined || prec === undefined) {
      return {
        kind: "missing",
        ...base,
        needs: "curves `kept.bcubed.precision` (x: fraction of faces kept, y: precision) from an unclear-face " +
          "filtering run, or runs sweeping the filter threshold with metrics `kept_fraction` and `bcubed.precision`",
      };
    }
    usable = ok.filter((r) => frac in r.metrics && prec in r.metrics);
    const groups = groupConfigs(usable, FILTER_PARAMS);
    const labels = groupLabels(groups);
    lines = groups.map((g, gi) => {
      const pts = g.records.map((r) => [r.metrics[frac]!, r.metrics[prec]!] as const).sort((a, b) => a[0] - b[0]);
      return { label: labels[gi]!, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), runs: g.records.length };
    });
    yTitle = prec;
    source = `runs sweeping the filter threshold (metrics ${frac}, ${prec})`;
  }
  const data: PlotlyJson[] = lines.map((l, i) => ({
    type: "scatter",
    mode: l.x.length > 40 ? "lines" : "lines+markers",
    x: l.x,
    y: l.y,
    name: l.label,
    line: { color: colour(i), width: 2 },
    marker: { color: colour(i), size: 6 },
  }));
  const rows = lines.flatMap((l) => l.x.map((x, i) => [l.label, x, l.y[i]!, l.runs]));
  return {
    kind: "figure",
    ...base,
    caption: `${yTitle} of the faces that survive the unclear-face filter against the fraction of faces kept, ` +
      `as the filter's threshold moves; mean over runs. Source: ${source}. ` + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("fraction of faces kept", yTitle),
    table: { columns: ["series", "fraction_kept", yTitle, "runs"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
