/**
 * `buildReport`: results folder → HTML report, markdown report, CSV tables and static figures.
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../base/errors.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import type { ResultRecord } from "../benchmarks/results/schema.ts";
import {
  BrowserUnavailableError,
  DEFAULT_CHROMIUM,
  exportFigure,
  hasChromium,
  ReportBrowser,
  type StaticFormat,
} from "./browser.ts";
import type { FigureOutcome } from "./figure.ts";
import { FIGURE_IDS, type FigureId, FIGURES } from "./figures/mod.ts";
import { renderHtml, type ReportPage, slug } from "./html.ts";
import { loadResults } from "./load.ts";
import { failureTable, formatCell, summaryTable, type Table, toCsv, toMarkdown } from "./tables.ts";
import { uniqueSorted } from "./stats.ts";

/** Output formats: the HTML report is always written (it is what the static figures are rendered from). */
export type ReportFormat = "html" | StaticFormat;
/** Every format `--formats` accepts. */
export const REPORT_FORMATS: readonly ReportFormat[] = ["html", "png", "svg", "pdf"];

/** Options of {@link buildReport}; each field's default is in brackets. */
export interface ReportOptions {
  /** Formats to write [html, png]. */
  formats?: readonly ReportFormat[];
  /** Figures to build, by id or 1-based number [all]. */
  only?: readonly string[];
  /** Report title ["PeopleBench report"]. */
  title?: string;
  /** PNG pixel scale over the figure's CSS size [2]. */
  scale?: number;
  /** Chromium binary [/usr/bin/chromium or $PB_CHROMIUM]. */
  chromium?: string;
  /** A browser to reuse (tests, several reports in one process); not closed by buildReport. */
  browser?: ReportBrowser;
  /**
   * When Chromium is missing: false → throw {@link BrowserUnavailableError}; true → write the HTML,
   * markdown and CSV only and say why in {@link ReportOutput.staticSkipped} [false].
   */
  allowMissingBrowser?: boolean;
  /** Progress lines (one per file written) [none]. */
  log?: (line: string) => void;
}

/** What {@link buildReport} wrote. */
export interface ReportOutput {
  /** `OUT/report.html`: self-contained, offline. */
  htmlPath: string;
  /** `OUT/report.md`: the same content as markdown (figures as PNG links when PNGs were written). */
  markdownPath: string;
  /** Static figure files written (`OUT/figures/figure-<n>-<id>.<ext>`), in figure then format order. */
  figures: string[];
  /** CSV tables written (`OUT/tables/…`): per-experiment summaries, failures, each figure's plotted values. */
  tables: string[];
  /** Ids of figures that had data and rendered. */
  rendered: string[];
  /** Figures the results lack data for, and what they need. */
  missing: { id: string; number: number; title: string; needs: string }[];
  /** Result records read, failed/timed-out among them, and unreadable lines skipped. */
  records: number;
  failedRuns: number;
  skippedLines: number;
  /** Why static formats were not written (Chromium missing with `allowMissingBrowser`), else undefined. */
  staticSkipped?: string;
}

/**
 * Resolves `--only` values (ids or 1-based numbers) to figure ids.
 * @param names ids such as `iteration-time` or numbers such as `1`
 * @returns the ids in report order
 * @throws {UsageError} on an unknown figure
 */
export function resolveFigureIds(names: readonly string[]): FigureId[] {
  const wanted = new Set<FigureId>();
  for (const raw of names.flatMap((n) => n.split(",")).map((n) => n.trim()).filter((n) => n !== "")) {
    const byNumber = /^[0-9]+$/.test(raw) ? FIGURE_IDS[Number(raw) - 1] : undefined;
    const id = byNumber ?? FIGURE_IDS.find((f) => f === raw);
    if (id === undefined) {
      throw new UsageError(`unknown figure "${raw}" (figures: 1–${FIGURE_IDS.length} or ${FIGURE_IDS.join(", ")})`);
    }
    wanted.add(id);
  }
  return FIGURE_IDS.filter((f) => wanted.has(f));
}

/**
 * Builds the report of a results folder: every figure from the stored result records only, a "no data"
 * panel (and an entry in {@link ReportOutput.missing}) for each figure the results cannot support, the
 * summary table per experiment, and the failed runs listed. Same results → same HTML, markdown, CSV and PNG bytes.
 *
 * Output layout: `OUT/report.html`, `OUT/report.md`, `OUT/figures/figure-<n>-<id>.{png,svg,pdf}`,
 * `OUT/tables/summary-<experiment>.csv`, `OUT/tables/failures.csv`, `OUT/tables/figure-<n>-<id>.csv`.
 *
 * @param resultsDir the results folder of `pb run` (its JSONL files are the source of truth)
 * @param outDir where to write (created if needed; existing files of the same names are replaced atomically)
 * @param options see {@link ReportOptions}
 * @returns the paths written and what rendered
 * @throws {DataFileError} when the results folder is missing or holds no records
 * @throws {BrowserUnavailableError} when a static format is asked for and Chromium is missing
 *   (unless `allowMissingBrowser`)
 * @throws {UsageError} on an unknown figure in `only`
 * @example
 * ```ts ignore
 * import { buildReport } from "./reports/mod.ts";
 * const out = await buildReport("results/demo", "results/demo/report", { allowMissingBrowser: true });
 * console.log(`report: ${out.htmlPath}`);
 * ```
 */
export async function buildReport(
  resultsDir: string,
  outDir: string,
  options: ReportOptions = {},
): Promise<ReportOutput> {
  const formats = new Set<ReportFormat>(options.formats ?? ["html", "png"]);
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f)) {
      throw new UsageError(`unknown format "${f}" (formats: ${REPORT_FORMATS.join(", ")})`);
    }
  }
  const ids = options.only && options.only.length > 0 ? resolveFigureIds(options.only) : [...FIGURE_IDS];
  const scale = options.scale ?? 2;
  const log = options.log ?? (() => {});
  const results = await loadResults(resultsDir);
  const all = results.records;

  const figures: FigureOutcome[] = ids.map((id) => FIGURES[id](all));
  const staticFormats = (["png", "svg", "pdf"] as const).filter((f) => formats.has(f));
  let staticSkipped: string | undefined;
  if (staticFormats.length > 0 && !options.browser && !hasChromium(options.chromium)) {
    const why = `Chromium not found at ${options.chromium ?? DEFAULT_CHROMIUM} (install it with ` +
      `.ci/install-report-deps.sh or set PB_CHROMIUM)`;
    if (!options.allowMissingBrowser) throw new BrowserUnavailableError(`${why}; or use --formats html`);
    staticSkipped = why;
  }
  // Launch before writing the HTML, so that a Chromium that cannot start leaves no links to figures never drawn.
  let launched: ReportBrowser | undefined;
  if (staticFormats.length > 0 && staticSkipped === undefined && !options.browser) {
    try {
      launched = await ReportBrowser.launch(options.chromium);
    } catch (e) {
      if (!options.allowMissingBrowser) throw e;
      staticSkipped = `Chromium at ${options.chromium ?? DEFAULT_CHROMIUM} did not start (${
        (e as Error).message.split("\n")[0]
      })`;
    }
  }
  const writeStatic = staticFormats.length > 0 && staticSkipped === undefined;

  await Deno.mkdir(join(outDir, "tables"), { recursive: true });
  if (writeStatic) await Deno.mkdir(join(outDir, "figures"), { recursive: true });

  const fileBase = (f: FigureOutcome) => `figure-${f.number}-${f.id}`;
  const links: Record<string, { label: string; href: string }[]> = {};
  const tables: string[] = [];
  const writeTable = async (name: string, t: Table) => {
    const p = join(outDir, "tables", name);
    await writeFileAtomic(p, toCsv(t));
    tables.push(p);
    log(`wrote ${p}`);
  };
  for (const f of figures) {
    if (f.kind !== "figure") continue;
    await writeTable(`${fileBase(f)}.csv`, f.table);
    links[f.id] = [
      ...(writeStatic
        ? staticFormats.map((x) => ({ label: x.toUpperCase(), href: `figures/${fileBase(f)}.${x}` }))
        : []),
      { label: "data (CSV)", href: `tables/${fileBase(f)}.csv` },
    ];
  }

  const experimentNames = uniqueSorted(all.map((r) => r.experiment));
  const experiments = [];
  for (const name of experimentNames) {
    const recs = all.filter((r) => r.experiment === name);
    await writeTable(`summary-${slug(name)}.csv`, summaryTable(recs, { allMetrics: true }));
    experiments.push({
      name,
      summary: summaryTable(recs),
      figures: figures.filter((f) => f.kind === "figure" && f.experiments.includes(name)).map((f) => f.id),
    });
  }
  const failures = failureTable(all);
  await writeTable("failures.csv", failures);

  const title = options.title ?? "PeopleBench report";
  const page = {
    title,
    overview: overviewLines(resultsDir, results.files, all, results.skipped.length),
    figures,
    experiments,
    failures,
    skipped: results.skipped,
    environment: environmentLines(all),
    links,
  };
  const htmlPath = join(outDir, "report.html");
  await writeFileAtomic(htmlPath, await renderHtml(page));
  log(`wrote ${htmlPath}`);

  const figureFiles: string[] = [];
  if (writeStatic && figures.some((f) => f.kind === "figure")) {
    const browser = options.browser ?? launched!;
    try {
      const tab = await browser.open(htmlPath);
      try {
        for (const f of figures) {
          if (f.kind !== "figure") continue;
          for (const fmt of staticFormats) {
            const bytes = await exportFigure(tab, `plot-${f.id}`, fmt, { width: f.width, height: f.height, scale });
            const p = join(outDir, "figures", `${fileBase(f)}.${fmt}`);
            await writeFileAtomic(p, bytes);
            figureFiles.push(p);
            log(`wrote ${p}`);
          }
        }
      } finally {
        await tab.close();
      }
    } finally {
      if (!options.browser) await browser.close();
    }
  } else if (launched) {
    await launched.close();
  }

  const markdownPath = join(outDir, "report.md");
  await writeFileAtomic(markdownPath, renderMarkdown(page, writeStatic && formats.has("png") ? fileBase : null));
  log(`wrote ${markdownPath}`);

  return {
    htmlPath,
    markdownPath,
    figures: figureFiles,
    tables,
    rendered: figures.filter((f) => f.kind === "figure").map((f) => f.id),
    missing: figures.flatMap((
      f,
    ) => (f.kind === "missing" ? [{ id: f.id, number: f.number, title: f.title, needs: f.needs }] : [])),
    records: all.length,
    failedRuns: results.failed.length,
    skippedLines: results.skipped.length,
    ...(staticSkipped ? { staticSkipped } : {}),
  };
}

function overviewLines(dir: string, files: string[], all: ResultRecord[], skipped: number): string[] {
  const count = (s: string) => all.filter((r) => r.status === s).length;
  const specs = uniqueSorted(all.map((r) => `${r.spec.name} (spec ${r.spec.hash.slice(0, 12)})`));
  return [
    `Results: ${dir} — ${all.length} run records in ${files.length} file(s): ${count("ok")} ok, ` +
    `${count("failed")} failed, ${count("timeout")} timed out${
      skipped > 0 ? `; ${skipped} unreadable line(s) skipped` : ""
    }.`,
    `Specs: ${specs.join(", ") || "none"}.`,
    `Every figure and table below is computed from these stored records only.`,
  ];
}

function environmentLines(all: ResultRecord[]): string[] {
  const lines = uniqueSorted(
    all.map((r) =>
      `${r.env.cpu_model}, ${r.env.cores} cores, ${r.env.memory_gb} GB, ${r.env.os}; Deno ${r.env.deno}, V8 ${r.env.v8}` +
      `${r.env.onnxruntime ? `, onnxruntime ${r.env.onnxruntime}` : ""}`
    ),
  );
  const code = uniqueSorted(all.map((r) => r.env.code_version));
  return [...lines, `Code version(s): ${code.join(", ")}`];
}

/** The report page as Markdown (the HTML page's content without its links to static files). */
function renderMarkdown(page: Omit<ReportPage, "links">, pngBase: ((f: FigureOutcome) => string) | null): string {
  const out: string[] = [`# ${page.title}`, "", ...page.overview.map((l) => `${l}  `), "", "## Figures", ""];
  for (const f of page.figures) {
    out.push(`### Figure ${f.number}. ${f.title}`, "");
    if (f.kind === "missing") {
      out.push(`_No data for this figure in these results: needs ${f.needs}._`, "");
      continue;
    }
    if (pngBase) out.push(`![Figure ${f.number}: ${f.title}](figures/${pngBase(f)}.png)`, "");
    out.push(
      `**Figure ${f.number}.** ${f.caption}`,
      "",
      `Data: [tables/figure-${f.number}-${f.id}.csv](tables/figure-${f.number}-${f.id}.csv)`,
      "",
    );
  }
  out.push("## Experiments", "");
  for (const e of page.experiments) out.push(`### ${e.name}`, "", toMarkdown(e.summary));
  out.push("## Failed runs", "");
  out.push(page.failures.rows.length > 0 ? toMarkdown(page.failures) : "No failed runs.\n");
  if (page.skipped.length > 0) {
    out.push("## Unreadable result lines", "", ...page.skipped.map((s) => `- ${s.where}: ${s.problem}`), "");
  }
  out.push("## Environment", "", ...page.environment.map((l) => `- ${formatCell(l)}`), "");
  return out.join("\n");
}
