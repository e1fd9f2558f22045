/**
 * The report opened in headless Chromium: every figure rendered, PNG determinism, failed runs listed,
 * "no data" panels, nothing fetched. One browser launch for all steps. Skipped (with a message) when
 * /usr/bin/chromium is absent; CI installs it with .ci/install-report-deps.sh.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_shared.ts";
import { buildReport, DEFAULT_CHROMIUM, FIGURE_IDS, hasChromium, ReportBrowser } from "../../reports/mod.ts";
import { fixtureRecords, writeResults } from "./_fixtures.ts";

const HAS_CHROMIUM = hasChromium();
if (!HAS_CHROMIUM) {
  console.warn(
    `skipping browser report tests: Chromium not found at ${DEFAULT_CHROMIUM} (install it with ` +
      `.ci/install-report-deps.sh, or set PB_CHROMIUM)`,
  );
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function pngSize(bytes: Uint8Array): [number, number] {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  sig.forEach((b, i) => assertEquals(bytes[i], b, "PNG signature"));
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  return [v.getUint32(16), v.getUint32(20)];
}

Deno.test({
  name: "HTML report in headless Chromium: figures, determinism, failures, missing data, offline",
  ignore: !HAS_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const root = await tempDir("pb-report-");
    const resultsA = join(root, "results-a");
    const resultsB = join(root, "results-b");
    const records = fixtureRecords({ failures: true, merges: 120 });
    await writeResults(resultsA, records, ["{this line is cut short"]);
    await writeResults(resultsB, records);
    const browser = await ReportBrowser.launch();
    try {
      const outA = join(root, "out-a");
      const a = await buildReport(resultsA, outA, { formats: ["html", "png", "svg", "pdf"], browser });

      await t.step("every figure rendered: an SVG with data points and both axis titles", async () => {
        assertEquals(a.rendered, [...FIGURE_IDS]);
        assertEquals(a.missing, []);
        const page = await browser.open(a.htmlPath);
        try {
          for (const id of FIGURE_IDS) {
            const found = await page.evaluate((id) => {
              // deno-lint-ignore no-explicit-any
              const doc = (globalThis as any).document;
              const root = doc.getElementById(`plot-${id}`);
              const svg = root?.querySelector("svg.main-svg");
              const points = root?.querySelectorAll(
                ".scatterlayer .trace path.js-line, .scatterlayer .point, .barlayer .point",
              ).length ?? 0;
              const text = (sel: string) => (root?.querySelector(sel)?.textContent ?? "").trim();
              return { svg: !!svg, points, x: text(".xtitle"), y: text(".ytitle") };
            }, id);
            assert(found.svg, `${id}: no SVG`);
            assert(found.points > 0, `${id}: no data points`);
            assert(found.x.length > 0, `${id}: no x-axis title`);
            assert(found.y.length > 0, `${id}: no y-axis title`);
          }
        } finally {
          await page.close();
        }
        assertEquals(browser.blockedRequests, [], "the report must not reach the network");
      });

      await t.step("static files: PNG at 2× the figure size, SVG, PDF", async () => {
        assertEquals(a.figures.length, FIGURE_IDS.length * 3);
        const png = await Deno.readFile(join(outA, "figures", "figure-1-iteration-time.png"));
        assertEquals(pngSize(png), [1720, 1080]);
        const svg = await Deno.readTextFile(join(outA, "figures", "figure-1-iteration-time.svg"));
        assert(svg.startsWith("<svg") && svg.includes("merge iteration"));
        const pdf = await Deno.readFile(join(outA, "figures", "figure-6-fairness.pdf"));
        assertEquals(new TextDecoder().decode(pdf.subarray(0, 5)), "%PDF-");
      });

      await t.step("same results give byte-identical PNGs (and identical SVG and CSV)", async () => {
        const outB = join(root, "out-b");
        const b = await buildReport(resultsB, outB, { formats: ["png", "svg"], browser });
        const pngs = b.figures.filter((f) => f.endsWith(".png"));
        assertEquals(pngs.length, FIGURE_IDS.length);
        for (const p of pngs) {
          const name = p.slice(outB.length + 1);
          const same = equalBytes(await Deno.readFile(p), await Deno.readFile(join(outA, name)));
          assert(same, `${name} differs between two reports of the same results`);
        }
        for (const p of b.figures.filter((f) => f.endsWith(".svg"))) {
          const name = p.slice(outB.length + 1);
          const x = await Deno.readTextFile(p), y = await Deno.readTextFile(join(outA, name));
          let i = 0;
          while (i < x.length && x[i] === y[i]) i++;
          assert(
            x === y,
            `${name} differs between two reports of the same results at ${i}: ${x.slice(i - 40, i + 120)} ≠ ${
              y.slice(i - 40, i + 120)
            }`,
          );
        }
        for (const p of b.tables) {
          const name = p.slice(outB.length + 1);
          assertEquals(await Deno.readTextFile(p), await Deno.readTextFile(join(outA, name)), `${name} differs`);
        }
      });

      await t.step("a store with failed runs and a broken line still renders and lists them", async () => {
        assertEquals(a.failedRuns, 2);
        assertEquals(a.skippedLines, 1);
        const page = await browser.open(a.htmlPath);
        try {
          const rows = await page.locator("table.failures tbody tr").allTextContents();
          assertEquals(rows.length, 2);
          assert(rows.some((r) => r.includes("Invalid typed array length") && r.includes("failed")));
          assert(rows.some((r) => r.includes("timeout")));
          const skipped = await page.locator("#skipped + ul li").allTextContents();
          assert(skipped.length === 1 && skipped[0]!.includes("results.jsonl:"), skipped.join());
        } finally {
          await page.close();
        }
        const md = await Deno.readTextFile(a.markdownPath);
        assert(md.includes("## Failed runs") && md.includes("Invalid typed array length"));
        assert(md.includes("![Figure 1: Processing time per merge iteration](figures/figure-1-iteration-time.png)"));
      });

      await t.step("figures without data show a 'needs …' panel, the others still render", async () => {
        const partial = join(root, "results-partial");
        await writeResults(partial, fixtureRecords({ experiments: ["assignment"], failures: true }));
        const out = await buildReport(partial, join(root, "out-partial"), { formats: ["html", "png"], browser });
        assertEquals(out.rendered, ["pareto", "assignment-exemplars", "latency"]);
        assertEquals(out.missing.map((m) => m.id), [
          "iteration-time",
          "threshold-prf",
          "face-body",
          "fairness",
          "unclear-filter",
          "backend-latency",
          "op-profile",
          "scale",
          "training-subgroups",
        ]);
        assertEquals(out.figures.length, 3);
        const page = await browser.open(out.htmlPath);
        try {
          const panels = await page.locator("section.figure.missing .nodata").allTextContents();
          assertEquals(panels.length, out.missing.length);
          assert(panels.every((p) => p.startsWith("No data for this figure in these results: needs ")));
          assertEquals(await page.locator("section.figure svg.main-svg").count() > 0, true);
        } finally {
          await page.close();
        }
      });
    } finally {
      await browser.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
