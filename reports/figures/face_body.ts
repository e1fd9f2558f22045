/**
 * Figure 5: face-only vs face+body distance — recall and precision on body-only and profile observations.
 * Reads per-kind metrics: subgroups with attribute `kind` (groups `body_only`, `profile`, …) and metric
 * `<family>.recall` / `<family>.precision`, or flat metrics `kind.<group>.<family>.{recall,precision}`.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, distanceModeOf, experimentsOf, focusExperiment, groupLabels, preferredOrder } from "../select.ts";
import { bootstrapMeanCi, mean, uniqueSorted } from "../stats.ts";

/** Observation kinds this figure is about (any kind containing "body" or "profile"). */
const KIND_RE = /body|profile/;
const MODES = ["face", "face+body"];
const FAMILIES = ["bcubed", "pairwise"];

interface KindValue {
  kind: string;
  family: string;
  part: "recall" | "precision";
  value: number;
}

/** Per-kind recall/precision values of one record. */
export function kindMetrics(r: ResultRecord): KindValue[] {
  const out: KindValue[] = [];
  for (const s of r.subgroups) {
    const m = /^(?:(.*)\.)?(recall|precision)$/.exec(s.metric);
    if (s.attribute === "kind" && m && KIND_RE.test(s.group)) {
      out.push({ kind: s.group, family: m[1] ?? "", part: m[2] as "recall" | "precision", value: s.value });
    }
  }
  for (const [k, v] of Object.entries(r.metrics)) {
    const m = /^kind\.([^.]+)\.(?:(.*)\.)?(recall|precision)$/.exec(k);
    if (m && KIND_RE.test(m[1]!)) {
      out.push({ kind: m[1]!, family: m[2] ?? "", part: m[3] as "recall" | "precision", value: v });
    }
  }
  return out;
}

/** Builds figure 5 from result records. */
export function faceBodyFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "face-body", number: 5, title: "Face-only vs face+body on body-only and profile observations" };
  const focus = focusExperiment(
    records.filter((r) => r.status === "ok" && kindMetrics(r).length > 0),
    distanceModeOf,
    "face-body",
  );
  const usable = focus.records;
  const families = preferredOrder(usable.flatMap((r) => kindMetrics(r).map((k) => k.family)), FAMILIES);
  const family = families[0];
  if (family === undefined) {
    return {
      kind: "missing",
      ...base,
      needs: "clustering runs whose cluster stage declares `distance` (face | face+body) or `beta`, with per-kind " +
        'metrics for body-only/profile observations: subgroups {attribute: "kind", group: "body_only", metric: ' +
        '"bcubed.recall"} (and precision), or metrics `kind.body_only.bcubed.recall`',
    };
  }
  const modes = preferredOrder(usable.map((r) => distanceModeOf(r)!), MODES);
  const datasets = uniqueSorted(usable.map((r) => r.dataset.name));
  const kinds = uniqueSorted(
    usable.flatMap((r) => kindMetrics(r).filter((k) => k.family === family).map((k) => k.kind)),
  );
  const cats: string[] = [];
  for (const k of kinds) for (const p of ["recall", "precision"]) cats.push(`${k} ${p}`);
  const series = modes.flatMap((mode) => datasets.map((ds) => ({ mode, ds })));
  const labels = groupLabels(series.map((s) => ({ dims: { distance: s.mode, dataset: s.ds } })), ["distance"]);
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  const used: ResultRecord[] = [];
  series.forEach((s, si) => {
    const rs = usable.filter((r) => distanceModeOf(r) === s.mode && r.dataset.name === s.ds);
    if (rs.length === 0) return;
    used.push(...rs);
    const y: (number | null)[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    cats.forEach((cat, ci) => {
      const [kind, part] = cat.split(" ") as [string, string];
      const vals = rs.flatMap((r) =>
        kindMetrics(r).filter((k) => k.family === family && k.kind === kind && k.part === part).map((k) => k.value)
      );
      if (vals.length === 0) {
        y.push(null);
        lo.push(0);
        hi.push(0);
        return;
      }
      const m = mean(vals);
      const [a, b] = bootstrapMeanCi(vals, { seed: 2000 + ci });
      y.push(m);
      lo.push(m - a);
      hi.push(b - m);
      rows.push([labels[si]!, kind, part, m, a, b, vals.length]);
    });
    const c = colour(MODES.indexOf(s.mode) >= 0 ? MODES.indexOf(s.mode) : si + 2);
    data.push({
      type: "bar",
      x: cats,
      y,
      name: labels[si],
      marker: { color: c, opacity: datasets.indexOf(s.ds) === 0 ? 1 : 0.6 },
      error_y: { type: "data", symmetric: false, array: hi, arrayminus: lo, color: "#333", thickness: 1.2, width: 4 },
    });
  });
  return {
    kind: "figure",
    ...base,
    caption: `${family ? family + " " : ""}recall and precision restricted to body-only and profile observations, ` +
      `face-only distance against the fused face+body distance D = min(F, αF + βT), experiment ${focus.experiment}; ` +
      `mean over runs, bars: 95% ` +
      `bootstrap over runs. ` + captionTail(used),
    experiments: experimentsOf(used),
    data,
    layout: baseLayout("observation kind and metric", `${family ? family + " " : ""}score`, {
      barmode: "group",
      yaxis: { range: [0, 1.05] },
    }),
    table: { columns: ["series", "kind", "metric", "mean", "ci_low", "ci_high", "runs"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
