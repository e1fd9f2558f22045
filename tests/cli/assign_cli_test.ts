import { assert, assertEquals } from "../_assert.ts";
import { main } from "../../cli/main.ts";
import { writeDataset } from "../../datasets/io.ts";
import { writeLabels } from "../../datasets/labels.ts";
import { generateLibraryInMemory, resolveConfig } from "../../datasets/synthetic/mod.ts";
import { tempDir } from "../_shared.ts";
import { capture } from "../_cli.ts";

Deno.test("pb assign writes id,person,score for every query face and reports accuracy and latency", async () => {
  const dir = await tempDir();
  try {
    const ds = generateLibraryInMemory(resolveConfig({ observations: 400, identities: 8, seed: 3 }));
    await writeDataset(`${dir}/lib`, ds);
    const faces = ds.observations.faceRow.filter((r) => r >= 0).length;
    for (const method of ["centroid", "exemplar", "knn", "sparse", "crc"]) {
      const r = await capture(() =>
        main([
          "assign",
          "--gallery",
          `${dir}/lib`,
          "--queries",
          `${dir}/lib`,
          "--method",
          method,
          "--out",
          `${dir}/a.csv`,
          "--json",
        ])
      );
      assertEquals(r.code, 0, r.err);
      const report = JSON.parse(r.out);
      assert(report.accuracy > 0.5, `${method}: accuracy ${report.accuracy}`);
      assert(report.latencyMs.perQueryMedian >= 0);
      const lines = (await Deno.readTextFile(`${dir}/a.csv`)).trim().split("\n");
      assertEquals(lines[0], "id,person,score");
      assertEquals(lines.length - 1, faces);
    }
    // A clustering's labels as the gallery: persons are cluster ids; unknown stays −1 with a huge threshold.
    const labels = ds.observations.identity.codes.map((c) => (c < 0 ? -1 : c + 100));
    await writeLabels(`${dir}/labels.csv`, labels);
    const r = await capture(() =>
      main([
        "assign",
        "--gallery",
        `${dir}/lib`,
        "--gallery-labels",
        `${dir}/labels.csv`,
        "--queries",
        `${dir}/lib`,
        "--method",
        "sparse",
        "--unknown-threshold",
        "2",
        "--out",
        `${dir}/b.csv`,
      ])
    );
    assertEquals(r.code, 0, r.err);
    const rows = (await Deno.readTextFile(`${dir}/b.csv`)).trim().split("\n").slice(1);
    assert(rows.every((l) => l.split(",")[1] === "-1"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pb assign: bad method is a usage error, mismatched labels a one-line file error", async () => {
  const dir = await tempDir();
  try {
    const ds = generateLibraryInMemory(resolveConfig({ observations: 60, identities: 3, seed: 1 }));
    await writeDataset(`${dir}/lib`, ds);
    const bad = await capture(() =>
      main(["assign", "--gallery", `${dir}/lib`, "--queries", `${dir}/lib`, "--method", "x"])
    );
    assertEquals(bad.code, 2);
    await writeLabels(`${dir}/short.csv`, new Int32Array(5));
    const r = await capture(() =>
      main([
        "assign",
        "--gallery",
        `${dir}/lib`,
        "--gallery-labels",
        `${dir}/short.csv`,
        "--queries",
        `${dir}/lib`,
        "--method",
        "centroid",
      ])
    );
    assertEquals(r.code, 1);
    assert(r.err.includes("short.csv") && r.err.split("\n").length === 1, r.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
