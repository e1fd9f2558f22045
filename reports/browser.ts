/**
 * Headless Chromium (Debian's `chromium` driven by playwright-core) for the report: it opens the
 * self-contained HTML report offline and exports each plotly figure as PNG, SVG or PDF.
 * Nothing is fetched over the network: every request other than file:/data:/blob: is aborted and counted.
 * @module
 */
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";

/** Where Debian installs Chromium; `$PB_CHROMIUM` overrides it. */
export const DEFAULT_CHROMIUM: string = Deno.env.get("PB_CHROMIUM") ?? "/usr/bin/chromium";

/** The flags every launch uses (playwright adds a fresh `--user-data-dir` of ours). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  // Same pixels on every machine: no font hinting/subpixel differences, sRGB output.
  "--font-render-hinting=none",
  "--disable-lcd-text",
  "--force-color-profile=srgb",
];

/** Raised when Chromium is not installed where expected. */
export class BrowserUnavailableError extends Error {
  override name = "BrowserUnavailableError";
}

/** True when a Chromium executable exists at `path`. */
export function hasChromium(path: string = DEFAULT_CHROMIUM): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** A launched headless browser with a fresh profile; close it with {@link ReportBrowser.close}. */
export class ReportBrowser {
  /** URLs that a page tried to reach over the network (all were aborted). */
  readonly blockedRequests: string[] = [];

  private constructor(readonly context: BrowserContext, private readonly profileDir: string) {}

  /**
   * Launches Chromium headless with {@link CHROMIUM_FLAGS} and a fresh user-data-dir.
   * @param executablePath the Chromium binary [{@link DEFAULT_CHROMIUM}]
   * @returns the browser wrapper
   * @throws {BrowserUnavailableError} when the binary is missing
   */
  static async launch(executablePath: string = DEFAULT_CHROMIUM): Promise<ReportBrowser> {
    if (!hasChromium(executablePath)) {
      throw new BrowserUnavailableError(
        `Chromium not found at ${executablePath}: install it with .ci/install-report-deps.sh ` +
          `(Debian package "chromium") or set PB_CHROMIUM, or use --formats html`,
      );
    }
    const profileDir = await Deno.makeTempDir({ prefix: "pb-chromium-" });
    try {
      const context = await chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: true,
        args: [...CHROMIUM_FLAGS],
        viewport: { width: 1200, height: 900 },
        deviceScaleFactor: 1,
        locale: "en-US",
        timezoneId: "UTC",
        offline: true,
      });
      const b = new ReportBrowser(context, profileDir);
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (/^(file|data|blob|about):/.test(url)) return route.continue();
        b.blockedRequests.push(url);
        return route.abort();
      });
      return b;
    } catch (e) {
      await Deno.remove(profileDir, { recursive: true }).catch(() => {});
      throw e;
    }
  }

  /**
   * Opens a local HTML file and waits until every plotly figure on it has rendered.
   * @param htmlPath absolute or relative path of the HTML file
   * @returns the page
   * @throws {Error} when a figure fails to render (the page's `window.__pbErrors`)
   */
  async open(htmlPath: string): Promise<Page> {
    const page = await this.context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const url = new URL(`file://${await Deno.realPath(htmlPath)}`).href;
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => (globalThis as unknown as { __pbReady?: boolean }).__pbReady === true, null, {
      timeout: 120_000,
    });
    const errors = await page.evaluate(() => (globalThis as unknown as { __pbErrors: string[] }).__pbErrors);
    if (errors.length > 0 || pageErrors.length > 0) {
      throw new Error(`figures failed to render in ${htmlPath}: ${[...errors, ...pageErrors].join("; ")}`);
    }
    return page;
  }

  /** Closes the browser and removes its profile folder. */
  async close(): Promise<void> {
    await this.context.close();
    await Deno.remove(this.profileDir, { recursive: true }).catch(() => {});
  }
}

/** Static formats a figure can be exported to. */
export type StaticFormat = "png" | "svg" | "pdf";

/**
 * Exports one rendered figure of an open report page.
 * PNG comes from plotly's own SVG→canvas path at a fixed size and scale, so the same figure gives the same
 * bytes; SVG is plotly's SVG; PDF prints that SVG on a page of the figure's size.
 * @param page a page returned by {@link ReportBrowser.open}
 * @param divId the figure's element id
 * @param format the output format
 * @param size width/height in CSS pixels and the PNG scale factor
 * @returns the file's bytes
 */
export async function exportFigure(
  page: Page,
  divId: string,
  format: StaticFormat,
  size: { width: number; height: number; scale: number },
): Promise<Uint8Array> {
  const imageFormat = format === "png" ? "png" : "svg";
  const url = await page.evaluate(
    async ({ divId, imageFormat, size }) => {
      // deno-lint-ignore no-explicit-any
      const g = globalThis as any;
      return await g.Plotly.toImage(g.document.getElementById(divId), {
        format: imageFormat,
        width: size.width,
        height: size.height,
        scale: imageFormat === "png" ? size.scale : 1,
      }) as string;
    },
    { divId, imageFormat, size },
  );
  const comma = url.indexOf(",");
  const head = url.slice(0, comma);
  const body = url.slice(comma + 1);
  const bytes = head.endsWith(";base64")
    ? Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(decodeURIComponent(body));
  if (format !== "pdf") return format === "svg" ? stableSvg(bytes) : bytes;
  const pdfPage = await page.context().newPage();
  try {
    const svg = new TextDecoder().decode(bytes);
    await pdfPage.setContent(
      `<!doctype html><html><head><style>@page{size:${size.width}px ${size.height}px;margin:0}` +
        `html,body{margin:0;padding:0}</style></head><body>${svg}</body></html>`,
      { waitUntil: "load" },
    );
    return await pdfPage.pdf({
      width: `${size.width}px`,
      height: `${size.height}px`,
      printBackground: true,
      pageRanges: "1",
    });
  } finally {
    await pdfPage.close();
  }
}

/** Makes equal figures give equal SVG text: stable clip-path ids and root attribute order. */
function stableSvg(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(bytes);
  const ids = new Set<string>();
  for (const m of text.matchAll(/id="clip([0-9a-f]{6})/g)) ids.add(m[1]!);
  // plotly sets the root's viewBox and style in an order that depends on timing: sort the root's attributes.
  let out = text.replace(/^<svg\b([^>]*)>/, (_, attrs: string) => {
    const pairs = [...attrs.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
    return `<svg ${pairs.join(" ")}>`;
  });
  let k = 0;
  // Number the ids in order of first appearance: sorting the random ids would order them differently each run.
  for (const id of ids) out = out.replaceAll(id, `pb${String(k++).padStart(4, "0")}`);
  return new TextEncoder().encode(out);
}
