/**
 * `pb report RESULTS --out DIR`: the figures and tables of a results folder, as an offline HTML report,
 * markdown, CSV and static PNG/SVG/PDF figures.
 * @module
 */
import { UsageError } from "../../base/errors.ts";
import { buildReport, FIGURE_IDS, REPORT_FORMATS, type ReportFormat } from "../../reports/mod.ts";
import { type Command, flag, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

/** The `pb report` command. */
export const reportCommand: Command = {
  name: "report",
  summary: "figures and tables from a results folder: offline HTML, PNG/SVG/PDF, markdown, CSV",
  usage: "RESULTS --out DIR [--formats html,png,svg,pdf] [--only FIGURE] [--title TEXT] [--json]",
  positionals: true,
  description: dedent`
    RESULTS is a results folder written by \`pb run\`; only its stored records are read.
    Figures (--only takes an id or its number, comma-separated): ${
    FIGURE_IDS.map((f, i) => `${i + 1} ${f}`).join(", ")
  }.
    A figure the results hold no data for becomes a "no data" panel saying what it needs; failed runs are listed.
    Static formats are rendered by headless Chromium (/usr/bin/chromium, or $PB_CHROMIUM); nothing is fetched.
    Writes DIR/report.html, DIR/report.md, DIR/figures/figure-<n>-<id>.<ext>, DIR/tables/*.csv.
  `,
  options: {
    out: { type: "string", value: "DIR", help: "output folder (created)" },
    formats: { type: "string", value: "LIST", help: "comma-separated formats of html, png, svg, pdf [html,png]" },
    only: { type: "string", multiple: true, value: "FIGURE", help: "build only these figures (id or number) [all]" },
    title: { type: "string", value: "TEXT", help: "report title [PeopleBench report]" },
    json: { type: "boolean", help: "print what was written as JSON" },
  },
  async run(args) {
    if (args.positionals.length !== 1) {
      throw new UsageError(`pb report takes exactly one RESULTS folder, got ${args.positionals.length}`);
    }
    const results = args.positionals[0]!;
    const out = str(args, "out");
    const formats = (optStr(args, "formats") ?? "html,png").split(",").map((f) => f.trim()).filter((f) => f !== "");
    for (const f of formats) {
      if (!REPORT_FORMATS.includes(f as ReportFormat)) {
        throw new UsageError(`--formats: unknown format "${f}" (allowed: ${REPORT_FORMATS.join(", ")})`);
      }
    }
    const only = (args.values["only"] as string[] | undefined) ?? [];
    const title = optStr(args, "title");
    const result = await buildReport(results, out, {
      formats: formats as ReportFormat[],
      only,
      ...(title !== undefined ? { title } : {}),
    });
    if (flag(args, "json")) {
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    console.log(
      `${result.records} run records (${result.failedRuns} failed${
        result.skippedLines > 0 ? `, ${result.skippedLines} unreadable lines skipped` : ""
      }); ${result.rendered.length} figure(s) rendered, ${result.missing.length} without data`,
    );
    for (const m of result.missing) console.log(`  no data for figure ${m.number} (${m.id}): needs ${m.needs}`);
    console.log(`report: ${result.htmlPath}`);
    console.log(`markdown: ${result.markdownPath}`);
    if (result.figures.length > 0) console.log(`figures: ${result.figures.length} file(s) in ${out}/figures`);
    return 0;
  },
};
