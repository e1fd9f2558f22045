/**
 * Reports: figures and tables regenerated from a stored results folder only (the JSONL records of `pb run`).
 *
 * Entry point: {@link buildReport}`(resultsDir, outDir, options?)` → `{htmlPath, markdownPath, figures, tables,
 * rendered, missing, …}`. The demo ends with:
 * ```ts ignore
 * const out = await buildReport(resultsDir, join(resultsDir, "report"), { allowMissingBrowser: true });
 * console.log(`report: ${out.htmlPath}`);
 * ```
 *
 * ## What each figure reads from a {@link ResultRecord} (conventions for variant authors)
 * Only records with `status: "ok"` are plotted; failed/timed-out runs are listed in the report.
 * A configuration is a record's experiment + dataset + backend + stage variants and params (seed and repeat
 * excluded); repeats and seeds of a configuration are summarised together.
 * 1. `iteration-time` — `timings.samples.merge_seconds` (one per HAC merge) of runs whose stage has param
 *    `linkage` (`average`, `median`, `median-sampled`, `single`, `complete`).
 * 2. `threshold-prf` — curves `threshold.bcubed.{precision,recall,f1}` (or `threshold.pairwise.*`; x = threshold)
 *    per `linkage`; or else runs sweeping the `cluster` param `threshold` with metrics `bcubed.{precision,recall,f1}`.
 * 3. `pareto` — `timings.wall_s` against the first of `bcubed.f1`, `top1`, `pairwise.f1`, `accuracy`, `nmi`, `ari`
 *    present; marker shape per `backend.used`; each point labelled in the figure with what its experiment varies;
 *    a front only for a dataset where two or more configurations trade speed for accuracy.
 * 4. `assignment-exemplars` — runs with an `assign` stage (method = its param `method`, else its variant id:
 *    sparse, centroid, exemplar, knn, crc), param `exemplars`, metric `top1`.
 * 5. `face-body` — `cluster` param `distance` (`face` | `face+body`; or `beta` 0 / > 0) and per-kind metrics:
 *    `subgroups` entries `{attribute: "kind", group: "body_only" | "profile", metric: "bcubed.recall" |
 *    "bcubed.precision"}`, or flat metrics `kind.body_only.bcubed.recall`.
 * 6. `fairness` — `subgroups` on the attributes the record's dataset declares (`dataset.attributes`, from its
 *    dataset.json; never `kind`) with `ci_low`/`ci_high`; per dataset the first of `bcubed.f1`, `top1`, `accuracy`,
 *    `bcubed.recall`, … and the configuration with the best overall value; gap and skewed error ratio per attribute.
 * 7. `latency` — every `timings.samples.<kind>_seconds` except `merge_seconds`/`round_seconds`, per `backend.used`
 *    and model (`embed` param `model`/`face_model`, else the embed variant id).
 * 8. `unclear-filter` — curves `kept.bcubed.precision` (x = fraction of faces kept); or runs with metrics
 *    `kept_fraction` and `bcubed.precision`.
 * Figures 1, 2, 4 and 5 compare within one experiment: the experiment named after the figure id when there is
 * one (e.g. `"name": "iteration-time"` in the spec), else the experiment with the most distinct compared values.
 * A figure without its data becomes a "no data for this figure in these results: needs …" panel.
 * @module
 */
export type { ResultRecord } from "../benchmarks/results/schema.ts";
export {
  buildReport,
  REPORT_FORMATS,
  type ReportFormat,
  type ReportOptions,
  type ReportOutput,
  resolveFigureIds,
} from "./build.ts";
export {
  BrowserUnavailableError,
  CHROMIUM_FLAGS,
  DEFAULT_CHROMIUM,
  exportFigure,
  hasChromium,
  ReportBrowser,
  type StaticFormat,
} from "./browser.ts";
export type { FigureOutcome, MissingFigure, RenderedFigure } from "./figure.ts";
export { FIGURE_IDS, type FigureId, FIGURES } from "./figures/mod.ts";
export { type LoadedResults, loadResults, type SkippedLine } from "./load.ts";
export { renderHtml } from "./html.ts";
export { failureTable, summaryTable, type Table, toCsv, toMarkdown } from "./tables.ts";
