/**
 * The self-contained HTML report: plotly.js inlined (works offline, fetches nothing), one section per
 * figure and per experiment, the failed runs, and the page's render status for the headless browser
 * (`window.__pbReady`, `window.__pbErrors`). No timestamps: the same results give the same page.
 * @module
 */
import { createRequire } from "node:module";
import type { FigureOutcome } from "./figure.ts";
import { escapeHtml, type Table, toHtml } from "./tables.ts";

let plotlySource: string | undefined;

/**
 * The plotly.js bundle of the `plotly.js-dist` npm package, read once from node_modules.
 * @returns the JavaScript source
 * @throws {Error} when the package is not installed (run `deno install`)
 */
export async function plotlyJs(): Promise<string> {
  if (plotlySource === undefined) {
    const require = createRequire(import.meta.url);
    let path: string;
    try {
      path = require.resolve("plotly.js-dist/plotly.js");
    } catch {
      throw new Error("plotly.js-dist is not installed: run `deno install` in the repository");
    }
    // Guard against a closing tag inside the inlined script (there is none in 4.x, but never trust it).
    plotlySource = (await Deno.readTextFile(path)).replaceAll("</script", "<\\/script");
  }
  return plotlySource;
}

/** Everything the page shows. */
export interface ReportPage {
  title: string;
  /** Lines under the title (results folder, record counts, specs). */
  overview: string[];
  figures: FigureOutcome[];
  /** Summary table per experiment, in order. */
  experiments: { name: string; summary: Table; figures: string[] }[];
  failures: Table;
  /** Lines of the results that could not be read. */
  skipped: { where: string; problem: string }[];
  /** Environment lines (machines, code versions). */
  environment: string[];
  /** Relative links to the static files of each figure id. */
  links: Record<string, { label: string; href: string }[]>;
}

/** plotly config: static size, no logo, no MathJax typesetting (nothing may be fetched). */
const PLOT_CONFIG = {
  displaylogo: false,
  responsive: false,
  typesetMath: false,
  showLink: false,
  showSendToCloud: false,
};

const STYLE = `
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
.overview{color:#444;margin:.2em 0}nav ol{columns:2}
section.figure{margin:1.4em 0 2em}.caption{font-size:.92em;color:#333;max-width:1100px}
.nodata{border:2px dashed #bbb;background:#fafafa;padding:1.2em;color:#555}
.nodata strong{color:#a33}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.85em;margin:.6em 0}th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
table.failures td{color:#822}.links a{margin-right:.8em;font-size:.9em}
.status-ok{color:#1E8449}.status-missing{color:#a33}
`;

/**
 * Renders the report page.
 * @param page what to show
 * @returns the complete HTML document
 */
export async function renderHtml(page: ReportPage): Promise<string> {
  const plotly = await plotlyJs();
  const figs = page.figures.filter((f) => f.kind === "figure");
  const payload = JSON.stringify(
    // Fixed trace uids: plotly otherwise draws random ones into the SVG's class names.
    figs.map((f) => ({ id: f.id, data: f.data.map((t, i) => ({ uid: `${f.id}-${i}`, ...t })), layout: f.layout })),
  ).replaceAll("<", "\\u003c");
  const nav = page.figures.map((f) =>
    `<li><a href="#figure-${f.id}">Figure ${f.number}. ${escapeHtml(f.title)}</a> ` +
    (f.kind === "figure" ? `<span class="status-ok">rendered</span>` : `<span class="status-missing">no data</span>`) +
    `</li>`
  ).join("\n");
  const figureSections = page.figures.map((f) => {
    const head = `<h3>Figure ${f.number}. ${escapeHtml(f.title)}</h3>`;
    if (f.kind === "missing") {
      return `<section class="figure missing" id="figure-${f.id}" data-figure="${f.id}">${head}` +
        `<div class="nodata"><strong>No data for this figure in these results:</strong> needs ${
          escapeHtml(f.needs)
        }.</div></section>`;
    }
    const links = (page.links[f.id] ?? []).map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`)
      .join("");
    return `<section class="figure" id="figure-${f.id}" data-figure="${f.id}">${head}` +
      `<div class="plot" id="plot-${f.id}" style="width:${f.width}px;height:${f.height}px"></div>` +
      `<p class="caption"><b>Figure ${f.number}.</b> ${escapeHtml(f.caption)}</p>` +
      (links ? `<p class="links">${links}</p>` : "") + `</section>`;
  }).join("\n");
  const experiments = page.experiments.map((e) =>
    `<section class="experiment" id="experiment-${escapeHtml(slug(e.name))}"><h3>Experiment ${
      escapeHtml(e.name)
    }</h3>` +
    `<div class="scroll">${toHtml(e.summary, "summary")}</div>` +
    (e.figures.length > 0
      ? `<p>Figures drawing on it: ${e.figures.map((id) => `<a href="#figure-${id}">${id}</a>`).join(", ")}.</p>`
      : "") +
    `</section>`
  ).join("\n");
  const failures = page.failures.rows.length > 0
    ? `<p>${page.failures.rows.length} run(s) did not finish; the figures use the others.</p>` +
      `<div class="scroll">${toHtml(page.failures, "failures")}</div>`
    : "<p>No failed runs.</p>";
  const skipped = page.skipped.length > 0
    ? `<h2 id="skipped">Unreadable result lines</h2><ul>${
      page.skipped.map((s) => `<li>${escapeHtml(s.where)}: ${escapeHtml(s.problem)}</li>`).join("")
    }</ul>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
<script>${plotly}</script>
</head><body>
<h1>${escapeHtml(page.title)}</h1>
${page.overview.map((l) => `<p class="overview">${escapeHtml(l)}</p>`).join("\n")}
<nav><h2>Contents</h2><ol>${nav}</ol></nav>
<h2 id="figures">Figures</h2>
${figureSections}
<h2 id="experiments">Experiments</h2>
${experiments}
<h2 id="failures">Failed runs</h2>
${failures}
${skipped}
<h2 id="environment">Environment</h2>
<ul>${page.environment.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>
<div aria-hidden="true" style="position:absolute;left:-9999px;top:0;font-family:'DejaVu Sans'">Warm up fonts:
<span>regular 0123456789</span><b>bold 0123456789</b><i>italic</i></div>
<script type="application/json" id="pb-figures">${payload}</script>
<script>
(function () {
  var figs = JSON.parse(document.getElementById("pb-figures").textContent);
  var config = ${JSON.stringify(PLOT_CONFIG)};
  window.__pbErrors = [];
  window.__pbReady = false;
  // Text is measured while plotting: draw only once the fonts are in, so every render measures alike.
  var fontsReady = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
  fontsReady.then(function () { return Promise.all(figs.map(function (f) {
    return Promise.resolve().then(function () {
      return Plotly.newPlot("plot-" + f.id, f.data, f.layout, config);
    }).catch(function (e) { window.__pbErrors.push(f.id + ": " + (e && e.message || e)); });
  })); }).then(function () { window.__pbReady = true; });
})();
</script>
</body></html>
`;
}

/** A file- and anchor-safe form of a name. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}
