import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_shared.ts";
import { main } from "../../cli/main.ts";
import { fixtureRecords, writeResults } from "./_fixtures.ts";
import { capture } from "../_cli.ts";

Deno.test("pb report --formats html writes the HTML, markdown and CSV tables and names missing figures", async () => {
  const dir = await tempDir();
  await writeResults(join(dir, "res"), fixtureRecords({ experiments: ["linkages"], merges: 30, failures: true }));
  const r = await capture(() => main(["report", join(dir, "res"), "--out", join(dir, "out"), "--formats", "html"]));
  assertEquals(r.code, 0, r.err);
  assert(r.out.includes(`report: ${join(dir, "out", "report.html")}`), r.out);
  assert(r.out.includes("no data for figure 4 (assignment-exemplars)"), r.out);
  const html = await Deno.readTextFile(join(dir, "out", "report.html"));
  assert(html.includes('id="plot-iteration-time"') && html.includes("No data for this figure in these results"));
  assert(!/<script[^>]+src=/.test(html), "no external scripts");
  const csv = await Deno.readTextFile(join(dir, "out", "tables", "failures.csv"));
  assertEquals(csv.trim().split("\n").length, 3);
  await Deno.stat(join(dir, "out", "tables", "summary-linkages.csv"));
  await Deno.stat(join(dir, "out", "tables", "figure-1-iteration-time.csv"));
});

Deno.test("pb report: bad usage exits 2, a missing results folder exits 1, each with one line", async () => {
  const dir = await tempDir();
  await writeResults(join(dir, "res"), fixtureRecords({ experiments: ["unclear"] }));
  for (
    const argv of [
      ["report", join(dir, "res")],
      ["report", "--out", join(dir, "o")],
      ["report", join(dir, "res"), "--out", join(dir, "o"), "--only", "99"],
      ["report", join(dir, "res"), "--out", join(dir, "o"), "--formats", "gif"],
    ]
  ) {
    const r = await capture(() => main(argv));
    assertEquals(r.code, 2, argv.join(" "));
    assertEquals(r.err.split("\n").length, 1);
  }
  const r = await capture(() => main(["report", join(dir, "nope"), "--out", join(dir, "o"), "--formats", "html"]));
  assertEquals(r.code, 1);
  assert(r.err.includes("results folder not found"), r.err);
});
