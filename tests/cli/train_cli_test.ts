import { assert, assertEquals } from "../_assert.ts";
import { main } from "../../cli/main.ts";
import { capture } from "../_cli.ts";
import { sharedPath, sharedTest, tempDir } from "../_shared.ts";
import { DatasetWriter } from "../../datasets/io.ts";

Deno.test("pb train: unknown sub-command and bad options exit 2 with one line", async () => {
  for (const argv of [["train", "nope"], ["train", "run", "--loss", "triplet", "--data", "x", "--out", "y"]]) {
    const r = await capture(() => main(argv));
    assertEquals(r.code, 2, argv.join(" "));
    assertEquals(r.err.split("\n").length, 1, r.err);
  }
});

sharedTest("pb train eval-lfw --subset: the View 2 protocol on a small embedded dataset", async () => {
  // Two LFW people with several photos, embedded as unit vectors by identity (a stand-in for pb embed's output).
  const dir = await tempDir();
  const assets = [
    ...[1, 2, 3, 4].map((i) => `Abel_Pacheco/Abel_Pacheco_000${i}.jpg`),
    ...[1, 2, 3].map((i) => `Akhmed_Zakayev/Akhmed_Zakayev_000${i}.jpg`),
  ];
  const writer = await DatasetWriter.open(dir, {
    name: "lfw-mini",
    source: {},
    seed: null,
    face: { dim: 2, model: "test" },
    body: null,
    attributes: [],
  });
  for (const [i, asset] of assets.entries()) {
    const angle = asset.startsWith("Abel") ? 0.05 * i : 2 + 0.05 * i;
    const row = await writer.addFace(new Float32Array([Math.cos(angle), Math.sin(angle)]));
    await writer.addObservation({
      asset,
      moment: i,
      time: NaN,
      lat: NaN,
      lon: NaN,
      identity: asset.split("/")[0]!,
      attributes: {},
      faceRow: row,
      bodyRow: -1,
      faceQuality: 1,
      faceBox: null,
      bodyBox: null,
      kind: "clear",
    });
  }
  await writer.close();
  const r = await capture(() =>
    main(["train", "eval-lfw", "--data", dir, "--lfw", sharedPath("data", "lfw"), "--subset", "--json"])
  );
  assertEquals(r.code, 0, r.err);
  const out = JSON.parse(r.out);
  assertEquals(out.pairsInFile, 6000);
  assert(out.pairs >= 2 && out.pairs < 6000, `pairs ${out.pairs}`);
});
