import { assert, assertEquals } from "../_assert.ts";
import { main } from "../../cli/main.ts";
import { writeLabels } from "../../datasets/labels.ts";
import { writeNpy } from "../../datasets/npy.ts";
import { tempDir } from "../_shared.ts";
import { capture } from "../_cli.ts";

Deno.test("pb metrics reads CSV and .npy labels and prints JSON with the documented keys", async () => {
  const dir = await tempDir();
  await writeLabels(`${dir}/pred.csv`, Int32Array.of(0, 0, 1, 1, -1));
  await writeNpy(`${dir}/true.npy`, { dtype: "int32", shape: [5], data: Int32Array.of(4, 4, 5, 5, 5) });
  const r = await capture(() => main(["metrics", "--pred", `${dir}/pred.csv`, "--true", `${dir}/true.npy`, "--json"]));
  assertEquals(r.code, 0);
  const m = JSON.parse(r.out);
  assertEquals(m.pairwise.precision, 1);
  assert(m.bcubed.recall < 1);
  for (const k of ["ari", "nmi", "clusters", "singletonRate"]) assert(k in m, k);
});

Deno.test("pb metrics: bad options exit 2, unreadable or mismatched files exit 1 with one line", async () => {
  const dir = await tempDir();
  await writeLabels(`${dir}/a.csv`, Int32Array.of(0, 1));
  await writeLabels(`${dir}/b.csv`, Int32Array.of(0, 1, 2));
  await Deno.writeTextFile(`${dir}/bad.csv`, "id,cluster\nx,0\n1,1\n");
  await Deno.writeTextFile(`${dir}/float.npy`, "");
  await writeNpy(`${dir}/f.npy`, { dtype: "float32", shape: [2], data: Float32Array.of(0, 1) });
  const cases: [string[], number, string][] = [
    [["metrics", "--nope"], 2, "Unknown option"],
    [["metrics", "--pred", `${dir}/a.csv`], 2, "--true"],
    [["metrics", "--pred", `${dir}/a.csv`, "--true", `${dir}/b.csv`], 1, "a.csv"],
    [["metrics", "--pred", `${dir}/bad.csv`, "--true", `${dir}/a.csv`], 1, "bad.csv"],
    [["metrics", "--pred", `${dir}/f.npy`, "--true", `${dir}/a.csv`], 1, "f.npy"],
    [["metrics", "--pred", `${dir}/float.npy`, "--true", `${dir}/a.csv`], 1, "float.npy"],
    [["nonsense"], 2, "unknown command"],
  ];
  for (const [argv, code, text] of cases) {
    const r = await capture(() => main(argv));
    assertEquals(r.code, code, argv.join(" "));
    assertEquals(r.err.split("\n").length, 1, r.err);
    assert(r.err.includes(text), `${argv.join(" ")}: ${r.err}`);
  }
});

Deno.test("pb metrics reads text labels (names) and other label column names, empty = unknown", async () => {
  const dir = await tempDir();
  await Deno.writeTextFile(`${dir}/truth.csv`, "id,identity\n0,alice\n1,alice\n2,bob\n3,\n4,bob\n");
  await Deno.writeTextFile(`${dir}/pred.csv`, "id,person,score\n0,7,0.9\n1,7,0.8\n2,3,0.7\n3,3,0.1\n4,3,0.5\n");
  const r = await capture(() => main(["metrics", "--pred", `${dir}/pred.csv`, "--true", `${dir}/truth.csv`, "--json"]));
  assertEquals(r.code, 0, r.err);
  const m = JSON.parse(r.out);
  assertEquals(m.n, 4);
  assertEquals(m.ari, 1);
});
