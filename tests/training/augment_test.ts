import sharp from "sharp";
import { assert, assertEquals } from "../_assert.ts";
import { sharedPath, sharedTest } from "../_shared.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import {
  augmentCrop,
  CURRICULUM,
  curriculumStage,
  jpegRoundTrip,
  loadTextures,
  texturePools,
  writeAugmentSheet,
} from "../../training/augment.ts";
import { readCrop } from "../../training/features.ts";

Deno.test("curriculum: stages split the epochs in order and only grow", () => {
  assertEquals([0, 1, 2, 3, 4, 5, 6, 7].map((e) => curriculumStage(e, 8)), [0, 0, 1, 1, 2, 2, 3, 3]);
  assertEquals(curriculumStage(0, 1), 0);
  for (let k = 1; k < CURRICULUM.length; k++) {
    assert(CURRICULUM[k]!.strength >= CURRICULUM[k - 1]!.strength);
    for (const t of Object.keys(CURRICULUM[k - 1]!.probability)) assert(t in CURRICULUM[k]!.probability, t);
  }
});

Deno.test("JPEG round trip keeps the size and stays close at high quality; augmentCrop is seeded", async () => {
  const img = { data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7) % 256), width: 32, height: 32 };
  const low = await jpegRoundTrip(img, 10), high = await jpegRoundTrip(img, 95);
  assertEquals([high.width, high.height, high.data.length], [32, 32, img.data.length]);
  const err = (x: Uint8Array) => x.reduce((s, v, i) => s + Math.abs(v - img.data[i]!), 0) / x.length;
  assert(err(high.data) < err(low.data), `${err(high.data)} vs ${err(low.data)}`);
  const stage = CURRICULUM[2]!;
  const a = await augmentCrop(img, { stage, rng: new Rng(5) }), b = await augmentCrop(img, { stage, rng: new Rng(5) });
  assertEquals(a.data, b.data);
});

sharedTest("augment sheet: textures from person boxes of the group photos, a PNG of stages × columns", async () => {
  const pools = await texturePools(sharedPath("data", "photos", "group"));
  assert(pools.train.length > 0 && pools.test.length > 0 && !pools.train.some((p) => pools.test.includes(p)));
  const textures = await loadTextures(pools.train.slice(0, 2), { yoloxPath: sharedPath("models", "yolox-nano.onnx") });
  assert(textures.length > 0, "no person found");
  const dir = sharedPath("data", "celeb24", "images", "tina-fey");
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort().slice(0, 3);
  const crops = await Promise.all(names.map((n) => readCrop(`${dir}/${n}`)));
  const out = `${await Deno.makeTempDir()}/sheet.png`;
  const r = await writeAugmentSheet(out, crops, { rng: new Rng(2), textures, columns: 4 });
  const meta = await sharp(out).metadata();
  assertEquals([meta.width, meta.height], [4 * 112, r.rows * 112]);
});
