/**
 * Figure 6 (the article's Figure 7 layout): accuracy per subgroup, one panel per declared attribute of each dataset
 * (its `dataset.json` `attributes` — never observation kinds or free columns), each group's value with its bootstrap
 * interval, the worst group marked red and the best green, and each attribute's gap and skewed error ratio in the
 * caption. One configuration per dataset: the one with the best overall value of the metric.
 * @module
 */
import { type FairnessSummary, fairnessSummary } from "../../benchmarks/stats/fairness.ts";
import type { ResultRecord, SubgroupMetric } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, configLabels, experimentsOf, type Group, groupConfigs } from "../select.ts";
import { bootstrapMeanCi, mean, uniqueSorted } from "../stats.ts";

const WORST = "#C0392B";
const BEST = "#1E7B34";

/** Metrics preferred for the fairness figure, in order (clustering first: assignment top-1 is near 1 everywhere). */
export const FAIRNESS_METRICS: readonly string[] = [
  "bcubed.f1",
  "top1",
  "accuracy",
  "bcubed.recall",
  "pairwise.f1",
  "pairwise.recall",
];

/**
 * The subgroup rows of a record on the attributes its dataset declares (`dataset.attributes`): never the `kind`
 * breakdown, never a column the dataset does not declare as an attribute.
 * @param r a result record
 * @returns its fairness rows
 */
export function declaredSubgroups(r: ResultRecord): SubgroupMetric[] {
  const declared = new Set(r.dataset.attributes);
  return r.subgroups.filter((s) => declared.has(s.attribute));
}

/** One group of one attribute in the figure. */
export interface FairnessGroup {
  group: string;
  value: number;
  low: number;
  high: number;
  /** Observations of the group (mean over runs). */
  n: number;
  /** What the interval is over: `identities` (the harness's bootstrap), `runs`, or `none` (one run, no interval). */
  intervalOver: "identities" | "runs" | "none";
}

/** One panel: an attribute of a dataset under one configuration. */
export interface FairnessPanel {
  dataset: string;
  /** Short label of the configuration drawn for this dataset. */
  configuration: string;
  metric: string;
  attribute: string;
  groups: FairnessGroup[];
  /** Worst/best group, gap and skewed error ratio; null with fewer than two groups. */
  summary: FairnessSummary | null;
  /** Overall value of the metric for the configuration. */
  overall: number | null;
}

function display(group: string): string {
  return group === "" ? "(unset)" : group;
}

/**
 * The figure's data: per dataset, the metric (first of {@link FAIRNESS_METRICS} it has per subgroup), the
 * configuration with the best overall value, and one panel per declared attribute with every group's interval.
 * @param records result records (any status; only `ok` ones are used)
 * @returns the panels, in dataset then declared-attribute order, and the records drawn on
 */
export function fairnessPanels(records: readonly ResultRecord[]): { panels: FairnessPanel[]; used: ResultRecord[] } {
  const ok = records.filter((r) => r.status === "ok" && declaredSubgroups(r).length > 0);
  const panels: FairnessPanel[] = [];
  const used: ResultRecord[] = [];
  for (const dataset of uniqueSorted(ok.map((r) => r.dataset.name))) {
    const recs = ok.filter((r) => r.dataset.name === dataset);
    const metric = FAIRNESS_METRICS.find((m) => recs.some((r) => declaredSubgroups(r).some((s) => s.metric === m))) ??
      uniqueSorted(recs.flatMap((r) => declaredSubgroups(r).map((s) => s.metric)))[0]!;
    const groups = groupConfigs(recs.filter((r) => declaredSubgroups(r).some((s) => s.metric === metric)));
    const labels = configLabels(groups);
    const overallOf = (g: Group) => {
      const v = g.records.filter((r) => metric in r.metrics).map((r) => r.metrics[metric]!);
      return v.length > 0 ? mean(v) : null;
    };
    // The configuration a reader would pick: best overall metric; ties to the first in configuration order.
    let best = 0;
    groups.forEach((g, i) => {
      if ((overallOf(g) ?? -Infinity) > (overallOf(groups[best]!) ?? -Infinity)) best = i;
    });
    const g = groups[best]!;
    used.push(...g.records);
    const rows = g.records.flatMap((r) => declaredSubgroups(r).filter((s) => s.metric === metric));
    // Declared order (dataset.json), so panels read as the dataset lists its attributes.
    const declared = g.records[0]!.dataset.attributes.filter((a) => rows.some((s) => s.attribute === a));
    for (const [ai, attribute] of declared.entries()) {
      const inAttr = rows.filter((s) => s.attribute === attribute);
      const fg: FairnessGroup[] = uniqueSorted(inAttr.map((s) => s.group)).map((group) => {
        const ss = inAttr.filter((s) => s.group === group);
        const value = mean(ss.map((s) => s.value));
        const withCi = ss.filter((s) => s.ci_low !== null && s.ci_high !== null);
        if (withCi.length > 0) {
          const [low, high] = [mean(withCi.map((s) => s.ci_low!)), mean(withCi.map((s) => s.ci_high!))];
          return { group, value, low, high, n: mean(ss.map((s) => s.n)), intervalOver: "identities" as const };
        }
        // No interval from the harness: a bootstrap over runs, when there are several.
        const [low, high] = bootstrapMeanCi(ss.map((s) => s.value), { seed: 3000 + ai });
        return { group, value, low, high, n: mean(ss.map((s) => s.n)), intervalOver: ss.length > 1 ? "runs" : "none" };
      });
      panels.push({
        dataset,
        configuration: labels[best]!,
        metric,
        attribute,
        groups: fg,
        summary: fg.length >= 2 ? fairnessSummary(new Map(fg.map((x) => [x.group, x.value]))) : null,
        overall: overallOf(g),
      });
    }
  }
  return { panels, used };
}

function fmt(v: number): string {
  return v.toFixed(3);
}

/** Builds figure 6 from result records. */
export function fairnessFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "fairness", number: 6, title: "Fairness: accuracy per subgroup" };
  const { panels, used } = fairnessPanels(records);
  if (panels.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: "successful runs on a dataset that declares subgroup attributes in dataset.json (e.g. gender) whose " +
        "records hold per-subgroup metrics in `subgroups` (with bootstrap ci_low/ci_high)",
    };
  }
  const metrics = uniqueSorted(panels.map((p) => p.metric));
  const datasets = uniqueSorted(panels.map((p) => p.dataset));
  const panelName = (p: FairnessPanel) =>
    `${datasets.length > 1 ? `${p.dataset} · ` : ""}${p.attribute}${metrics.length > 1 ? ` (${p.metric})` : ""}`;
  const data: PlotlyJson[] = [];
  const rows: (string | number | null)[][] = [];
  const marks: { x: [string, string]; y: number; text: string; color: string }[] = [];
  for (const p of panels) {
    const name = panelName(p);
    const c = colour(datasets.indexOf(p.dataset));
    const x = [p.groups.map(() => name), p.groups.map((g) => display(g.group))];
    const markOf = (g: FairnessGroup) =>
      p.summary === null || p.summary.gap === 0
        ? ""
        : g.group === p.summary.worstGroup
        ? "worst"
        : g.group === p.summary.bestGroup
        ? "best"
        : "";
    if (p.overall !== null && p.groups.length > 1) {
      data.push({
        type: "scatter",
        mode: "lines",
        x,
        y: p.groups.map(() => p.overall),
        line: { dash: "dash", color: "#777", width: 1.2 },
        hoverinfo: "skip",
        showlegend: false,
      });
    }
    data.push({
      type: "scatter",
      mode: "markers",
      x,
      y: p.groups.map((g) => g.value),
      name,
      marker: {
        size: 11,
        color: p.groups.map((g) => (markOf(g) === "worst" ? WORST : markOf(g) === "best" ? BEST : c)),
        symbol: p.groups.map((
          g,
        ) => (markOf(g) === "worst" ? "triangle-down" : markOf(g) === "best" ? "triangle-up" : "circle")),
        line: { width: 1, color: "#222" },
      },
      error_y: {
        type: "data",
        symmetric: false,
        array: p.groups.map((g) => Math.max(0, g.high - g.value)),
        arrayminus: p.groups.map((g) => Math.max(0, g.value - g.low)),
        color: "#333",
        thickness: 1.5,
        width: 6,
      },
      customdata: p.groups.map((g) => [g.low, g.high, Math.round(g.n)]),
      hovertemplate: `%{x}<br>${p.metric} %{y:.4f} [%{customdata[0]:.4f}, %{customdata[1]:.4f}]` +
        `<br>n=%{customdata[2]}<extra></extra>`,
      showlegend: false,
    });
    for (const g of p.groups) {
      const m = markOf(g);
      if (m !== "") {
        marks.push({ x: [name, display(g.group)], y: g.high, text: m, color: m === "worst" ? WORST : BEST });
      }
      rows.push([
        p.dataset,
        p.configuration,
        p.attribute,
        display(g.group),
        p.metric,
        g.value,
        g.low,
        g.high,
        Math.round(g.n),
        m,
        g.intervalOver,
        p.summary?.gap ?? null,
        p.summary?.skewedErrorRatio ?? null,
      ]);
    }
  }
  const lows = panels.flatMap((p) => p.groups.map((g) => Math.min(g.low, g.value)));
  const highs = panels.flatMap((p) => p.groups.map((g) => Math.max(g.high, g.value)));
  const yLow = Math.max(0, Math.min(...lows) - 0.04), yHigh = Math.max(...highs);
  const pad = Math.max(0.02, (yHigh - yLow) * 0.1);
  // The worst/best words sit just above each marked interval, in the mark's colour: legible in print and grey scale.
  data.push({
    type: "scatter",
    mode: "text",
    x: [marks.map((m) => m.x[0]), marks.map((m) => m.x[1])],
    y: marks.map((m) => m.y + pad * 0.35),
    text: marks.map((m) => `<b>${m.text}</b>`),
    textposition: "top center",
    textfont: { size: 12, color: marks.map((m) => m.color) },
    hoverinfo: "skip",
    showlegend: false,
  });
  const configs = datasets.map((d) => `${d}: ${panels.find((p) => p.dataset === d)!.configuration}`);
  const gaps = panels.map((p) =>
    p.summary === null
      ? `${panelName(p)}: one group only`
      : `${panelName(p)} gap ${fmt(p.summary.gap)} (${display(p.summary.worstGroup)} ${fmt(p.summary.worst)} vs ` +
        `${display(p.summary.bestGroup)} ${fmt(p.summary.best)}), skewed error ratio ${
          p.summary.skewedErrorRatio === null ? "∞ (best group error-free)" : fmt(p.summary.skewedErrorRatio)
        }`
  );
  const over = uniqueSorted(panels.flatMap((p) => p.groups.map((g) => g.intervalOver)));
  const intervalText = over.length === 1 && over[0] === "identities"
    ? "95% bootstrap intervals over identities (from the harness)"
    : "95% bootstrap intervals over identities (from the harness; over runs where the harness stored none; no " +
      "interval where one run only — see the table's interval_over)";
  return {
    kind: "figure",
    ...base,
    caption: `${metrics.join(" / ")} per group of each attribute the dataset declares (dataset.json), for the ` +
      `configuration with the best overall ${metrics.join(" / ")} on each dataset (${configs.join("; ")}); ` +
      `whiskers: ${intervalText}; worst group red ▼, best green ▲; dashed: the configuration's overall value. ` +
      `Gap = best − worst, skewed error ratio = worst group's error / best group's error: ${gaps.join("; ")}. ` +
      captionTail(used),
    experiments: experimentsOf(used),
    data,
    layout: baseLayout("subgroup", metrics.length === 1 ? metrics[0]! : "metric (see panel)", {
      yaxis: { range: [yLow, Math.min(1 + pad, yHigh + pad * 1.6)] },
      xaxis: { type: "multicategory", tickfont: { size: 11 } },
      showlegend: false,
      margin: { l: 70, r: 20, t: 20, b: 110 },
    }),
    table: {
      columns: [
        "dataset",
        "configuration",
        "attribute",
        "group",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "mark",
        "interval_over",
        "gap",
        "skewed_error_ratio",
      ],
      rows,
    },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
