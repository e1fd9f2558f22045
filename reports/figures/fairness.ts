/**
 * Figure 6 (the article's Figure 7 layout): accuracy per subgroup for each attribute, with bootstrap
 * intervals, the worst and best subgroup of each attribute marked, and the overall value as a dashed line.
 * Reads `subgroups` (ci_low/ci_high from the harness's bootstrap over identities) of one configuration.
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
import { captionTail, experimentsOf, groupConfigs, groupLabels } from "../select.ts";
import { bootstrapMeanCi, mean, uniqueSorted } from "../stats.ts";

const WORST = "#C0392B";
const BEST = "#1E8449";

/** Metrics preferred for the fairness figure, in order. */
const METRICS = ["top1", "accuracy", "bcubed.f1", "bcubed.recall", "pairwise.f1", "pairwise.recall"];

/** Builds figure 6 from result records. */
export function fairnessFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "fairness", number: 6, title: "Fairness: accuracy per subgroup" };
  // The `kind` pseudo-attribute (observation types) belongs to figure 5, not to fairness.
  const subs = (r: ResultRecord) => r.subgroups.filter((s) => s.attribute !== "kind");
  const ok = records.filter((r) => r.status === "ok" && subs(r).length > 0);
  const metric = METRICS.find((m) => ok.some((r) => subs(r).some((s) => s.metric === m))) ??
    uniqueSorted(ok.flatMap((r) => subs(r).map((s) => s.metric)))[0];
  if (metric === undefined) {
    return {
      kind: "missing",
      ...base,
      needs: "successful runs on a dataset with subgroup attributes (e.g. gender) whose records hold per-subgroup " +
        "metrics in `subgroups` (with bootstrap ci_low/ci_high)",
    };
  }
  const withMetric = ok.filter((r) => subs(r).some((s) => s.metric === metric));
  // One configuration, as in the article: the one with the most subgroup values, ties to the best overall metric.
  const groups = groupConfigs(withMetric);
  const labels = groupLabels(groups);
  const score = (i: number) => {
    const g = groups[i]!;
    const cnt = g.records.reduce((a, r) => a + subs(r).filter((s) => s.metric === metric).length, 0);
    const ov = mean(g.records.map((r) => r.metrics[metric] ?? 0));
    return [cnt, ov] as const;
  };
  let best = 0;
  for (let i = 1; i < groups.length; i++) {
    const [c, o] = score(i);
    const [bc, bo] = score(best);
    if (c > bc || (c === bc && o > bo)) best = i;
  }
  const g = groups[best]!;
  const attrs = uniqueSorted(
    g.records.flatMap((r) => subs(r).filter((s) => s.metric === metric).map((s) => s.attribute)),
  );
  const data: PlotlyJson[] = [];
  const rows: (string | number | null)[][] = [];
  attrs.forEach((attr, ai) => {
    const groupNames = uniqueSorted(
      g.records.flatMap((r) => subs(r).filter((s) => s.metric === metric && s.attribute === attr).map((s) => s.group)),
    );
    const vals = groupNames.map((gn) => {
      const ss = g.records.flatMap((r) =>
        subs(r).filter((s) => s.metric === metric && s.attribute === attr && s.group === gn)
      );
      const v = mean(ss.map((s) => s.value));
      const withCi = ss.filter((s) => s.ci_low !== null && s.ci_high !== null);
      // The harness's interval (over identities) when present; else a bootstrap over runs.
      const [lo, hi] = withCi.length > 0
        ? [mean(withCi.map((s) => s.ci_low!)), mean(withCi.map((s) => s.ci_high!))]
        : bootstrapMeanCi(ss.map((s) => s.value), { seed: 3000 + ai });
      return { gn, v, lo, hi, n: Math.round(mean(ss.map((s) => s.n))), fromHarness: withCi.length > 0 };
    });
    const worst = vals.reduce((a, b, i) => (b.v < vals[a]!.v ? i : a), 0);
    const bestI = vals.reduce((a, b, i) => (b.v > vals[a]!.v ? i : a), 0);
    const marked = (i: number) => vals.length > 1 && (i === worst || i === bestI);
    const c = colour(ai);
    data.push({
      type: "bar",
      // Two-level categories: subgroups grouped under their attribute, as in the article's Figure 7.
      x: [vals.map(() => attr), vals.map((v) => v.gn)],
      y: vals.map((v) => v.v),
      name: attr,
      marker: {
        color: withAlpha(c, 0.8),
        line: {
          color: vals.map((_, i) => (!marked(i) ? "#333" : i === worst ? WORST : BEST)),
          width: vals.map((_, i) => (marked(i) ? 4 : 1)),
        },
      },
      error_y: {
        type: "data",
        symmetric: false,
        array: vals.map((v) => Math.max(0, v.hi - v.v)),
        arrayminus: vals.map((v) => Math.max(0, v.v - v.lo)),
        color: "#333",
        thickness: 1.2,
        width: 5,
      },
      text: vals.map((_, i) => (!marked(i) ? "" : i === worst ? "worst" : "best")),
      textposition: "inside",
      insidetextanchor: "end",
      textangle: 0,
      textfont: { color: "#fff" },
      customdata: vals.map((v) => v.n),
      hovertemplate: `%{x}<br>${metric} %{y:.4f}<br>n=%{customdata}<extra></extra>`,
    });
    vals.forEach((v, i) =>
      rows.push([
        attr,
        v.gn,
        v.v,
        v.lo,
        v.hi,
        v.n,
        i === worst ? "worst" : i === bestI ? "best" : "",
        v.fromHarness ? "identities" : "runs",
      ])
    );
  });
  const overall = g.records.filter((r) => metric in r.metrics).map((r) => r.metrics[metric]!);
  const shapes: PlotlyJson[] = overall.length > 0
    ? [{
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: mean(overall),
      y1: mean(overall),
      line: { dash: "dash", color: "#555", width: 1.5 },
    }]
    : [];
  const ys = rows.map((r) => r[2] as number);
  const lows = rows.map((r) => r[3] as number);
  const lo = Math.max(0, Math.min(...lows, ...ys) - 0.05);
  return {
    kind: "figure",
    ...base,
    caption: `${metric} per subgroup of each attribute for ${labels[best]} (the configuration with the most ` +
      `subgroup values); bars: 95% bootstrap intervals (over identities, from the harness, or over runs when ` +
      `absent); worst subgroup of each attribute outlined red, best green; dashed: overall ${metric}. ` +
      captionTail(g.records),
    experiments: experimentsOf(g.records),
    data,
    layout: baseLayout("subgroup", metric, {
      yaxis: { range: [lo, 1.04] },
      shapes,
      bargap: 0.35,
      showlegend: false,
      margin: { l: 70, r: 20, t: 20, b: 90 },
    }),
    table: { columns: ["attribute", "group", metric, "ci_low", "ci_high", "n", "mark", "interval_over"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
