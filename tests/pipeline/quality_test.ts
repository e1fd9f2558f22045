import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { laplacianVariance, unclearScore, yawProxy } from "../../pipeline/quality.ts";
import { formatDuration, ProgressBar } from "../../pipeline/progress.ts";
import { ARCFACE_TEMPLATE } from "../../pipeline/align/similarity.ts";

const clear = { detectorScore: 0.95, faceSize: 120, sharpness: 400, yaw: 0.05, embeddingNorm: NaN };

Deno.test("laplacianVariance() is 0 on a flat image and larger on sharp edges than blurred ones", () => {
  const n = 32;
  const flat = { data: new Uint8Array(n * n * 3).fill(90), width: n, height: n };
  assertEquals(laplacianVariance(flat), 0);
  const sharp = new Uint8Array(n * n * 3), soft = new Uint8Array(n * n * 3);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      sharp.fill(((x >> 2) + (y >> 2)) % 2 ? 255 : 0, (y * n + x) * 3, (y * n + x) * 3 + 3);
      soft.fill(128 + 60 * Math.sin(x / 5) * Math.sin(y / 5), (y * n + x) * 3, (y * n + x) * 3 + 3);
    }
  }
  assert(
    laplacianVariance({ data: sharp, width: n, height: n }) >
      10 * laplacianVariance({ data: soft, width: n, height: n }),
  );
});

Deno.test("unclearScore() is in [0, 1], 0 for a clear face, and grows as any cue worsens", () => {
  assertEquals(unclearScore(clear), 0);
  let prev = 0;
  for (const size of [40, 30, 20, 10]) {
    const u = unclearScore({ ...clear, faceSize: size });
    assert(u >= prev && u <= 1, `size ${size}: ${u}`);
    prev = u;
  }
  assertEquals(unclearScore({ ...clear, detectorScore: 0.3 }), 1);
  assert(unclearScore({ ...clear, yaw: 0.5 }) > unclearScore({ ...clear, yaw: 0.3 }));
  assert(
    Number.isNaN(unclearScore({ detectorScore: NaN, faceSize: NaN, sharpness: NaN, yaw: NaN, embeddingNorm: NaN })),
  );
});

Deno.test("yawProxy() is ~0 on the frontal template and large when the nose sits over one eye", () => {
  assert(yawProxy(ARCFACE_TEMPLATE) < 0.01);
  const turned = Float32Array.from(ARCFACE_TEMPLATE);
  turned[4] = turned[2]!; // nose under the right eye
  assertAlmostEquals(yawProxy(turned), 0.5, 0.01);
});

Deno.test("ProgressBar draws rate and ETA; formatDuration formats minutes and hours", () => {
  const lines: string[] = [];
  const bar = new ProgressBar(10, "files", (b) => lines.push(new TextDecoder().decode(b)));
  bar.update(5);
  bar.finish();
  assert(lines.at(-1)!.includes("5/10") && lines.at(-1)!.includes("files/s") && lines.at(-1)!.endsWith("\n"));
  assertEquals(formatDuration(65), "1:05");
  assertEquals(formatDuration(3725), "1:02:05");
  assertEquals(formatDuration(NaN), "?");
});
