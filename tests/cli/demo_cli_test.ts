/**
 * `pb demo` never deletes earlier results (they are moved aside and the move is said), and says why PNG figures
 * were not drawn when Chromium is missing.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { capture } from "../_cli.ts";
import { tempDir } from "../_shared.ts";
import { main } from "../../cli/main.ts";
import { demoReport, keepAside } from "../../cli/commands/demo.ts";
import { UsageError } from "../../base/errors.ts";

/** A one-run suite: the reference workload on the tiny preset (seconds, not minutes). */
async function quickSpec(dir: string): Promise<string> {
  const spec = join(dir, "quick.json");
  await Deno.writeTextFile(
    spec,
    JSON.stringify({
      name: "quick-demo",
      defaults: { repeats: 1, warmups: 0, seeds: [1], timeout_s: 60 },
      datasets: { tiny: { preset: "tiny", seed: 1 } },
      experiments: [{ name: "reference", datasets: ["tiny"], stages: { reference: { variant: "reference" } } }],
    }),
  );
  return spec;
}

Deno.test("keepAside moves a non-empty folder to DIR.previous-<time>, leaves absent or empty ones, refuses a file", async () => {
  const dir = await tempDir();
  const out = join(dir, "demo");
  const now = new Date("2026-12-07T03:04:05Z");
  assertEquals(await keepAside(out, now), null);
  await Deno.mkdir(out);
  assertEquals(await keepAside(out, now), null);
  await Deno.writeTextFile(join(out, "results.jsonl"), "{}\n");
  const aside = await keepAside(out, now);
  assertEquals(aside, `${out}.previous-20261207-030405`);
  assertEquals(await Deno.readTextFile(join(aside!, "results.jsonl")), "{}\n");
  await Deno.mkdir(out);
  await Deno.writeTextFile(join(out, "results.jsonl"), '{"second":1}\n');
  // Same second: a suffix keeps both earlier folders.
  assertEquals(await keepAside(out, now), `${out}.previous-20261207-030405-2`);
  await Deno.writeTextFile(join(dir, "file"), "x");
  await assertRejects(() => keepAside(join(dir, "file")), UsageError);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pb demo without --resume keeps earlier results aside and says so; the report says why PNGs are missing", async () => {
  const dir = await tempDir();
  const spec = await quickSpec(dir), out = join(dir, "demo");
  const first = await capture(() => main(["demo", "--out", out, "--spec", spec, "--no-report"]));
  assertEquals(first.code, 0, first.err);
  const earlier = await Deno.readTextFile(join(out, "results.jsonl"));
  const second = await capture(() => main(["demo", "--out", out, "--spec", spec, "--no-report"]));
  assertEquals(second.code, 0, second.err);
  const said = second.err.split("\n").find((l) => l.includes("kept aside"));
  assert(said !== undefined, second.err);
  const aside = said.match(/kept aside in (\S+)/)![1]!;
  assertEquals(await Deno.readTextFile(join(aside, "results.jsonl")), earlier);
  assert((await Deno.readTextFile(join(out, "results.jsonl"))).length > 0);

  const report = await capture(async () => (await demoReport(out, join(dir, "no-such-chromium"))) ? 0 : 1);
  assertEquals(report.code, 0, report.err);
  assert(
    /PNG figures not drawn: Chromium not found at .*no-such-chromium/.test(report.err),
    `no reason given: ${report.err}`,
  );
  const html = await Deno.readTextFile(join(out, "report", "report.html"));
  assert(!html.includes("figures/figure-"), "the HTML links figures that were not drawn");
  // A Chromium that exists but cannot start: the same, with the launcher's reason.
  const broken = await capture(async () => (await demoReport(out, "/bin/false")) ? 0 : 1);
  assertEquals(broken.code, 0, broken.err);
  assert(/PNG figures not drawn: Chromium at \/bin\/false did not start/.test(broken.err), broken.err);
  await Deno.remove(dir, { recursive: true });
});
