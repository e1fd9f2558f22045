/** Flip test-time augmentation in the embed stage: a face and its mirror image get the same embedding. */
import fc from "fast-check";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { EmbedStage } from "../../pipeline/ingest/embed.ts";
import { pendingObservation } from "./_fixtures.ts";
import type { RgbImage } from "../../pipeline/image/decode.ts";
import { DEFAULT_CALIBRATION } from "../../pipeline/quality.ts";
import { flipHorizontal } from "../../algorithms/training/augment.ts";

/** A deliberately mirror-sensitive "network": raw output = column sums of the red channel, times the row index. */
function fakeEmbed(crops: RgbImage[]) {
  const dim = crops[0]!.width;
  const vectors = new Float32Array(crops.length * dim), norms = new Float32Array(crops.length);
  crops.forEach((c, i) => {
    const raw = new Float64Array(dim);
    for (let y = 0; y < c.height; y++) for (let x = 0; x < dim; x++) raw[x]! += c.data[(y * dim + x) * 3]! * (x + 1);
    const n = Math.hypot(...raw);
    norms[i] = n;
    for (let x = 0; x < dim; x++) vectors[i * dim + x] = raw[x]! / n;
  });
  return Promise.resolve({ vectors, norms });
}

async function embedOne(crop: RgbImage, flipTta: boolean) {
  const stage = new EmbedStage({ embedFaces: fakeEmbed, embedBodies: fakeEmbed }, {
    batch: 4,
    faceDim: crop.width,
    bodyDim: 0,
    calibration: DEFAULT_CALIBRATION,
    unclearThreshold: 0.5,
    flipTta,
  });
  const p = pendingObservation();
  await stage.add({ observations: [p], faces: [{ p, crop }], bodies: [] });
  const rows = await stage.finish();
  return rows.face[0]!;
}

Deno.test("flip TTA: unit output, invariant to mirroring the crop; without it the fake network is not", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 4 * 3 * 3, maxLength: 4 * 3 * 3 }), async (bytes) => {
      const data = Uint8Array.from(bytes, (b) => b | 1); // no all-zero crop
      const crop = { data, width: 4, height: 3 }, mirror = flipHorizontal(crop);
      const a = await embedOne(crop, true), b = await embedOne(mirror, true);
      assertAlmostEquals(Math.hypot(...a), 1, 1e-5);
      for (let d = 0; d < 4; d++) assertAlmostEquals(a[d]!, b[d]!, 1e-5);
    }),
    { numRuns: 30 },
  );
  const crop = { data: Uint8Array.from({ length: 36 }, (_, i) => (i % 12 < 3 ? 200 : 10)), width: 4, height: 3 };
  const plain = await embedOne(crop, false), mirrored = await embedOne(flipHorizontal(crop), false);
  assert(Math.abs(plain[0]! - mirrored[0]!) > 0.01, "the test network must see the mirror");
  assertEquals((await embedOne(crop, true)).length, 4);
});
