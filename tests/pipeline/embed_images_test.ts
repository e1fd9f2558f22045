/**
 * End-to-end checks of `pb embed` / embedImages() on real models and photos (../shared), plus the
 * bad-input corpus built at test time from a shared photo with sharp.
 */
import { join } from "node:path";
import sharp from "sharp";
import { parse } from "csv-parse/sync";
import { assert, assertEquals } from "../_assert.ts";
import { sharedPath, sharedTest, tempDir } from "../_shared.ts";
import { main } from "../../cli/main.ts";
import { readDataset } from "../../datasets/io.ts";
import { categoricalValue, type Dataset } from "../../datasets/format.ts";
import { embedImages } from "../../pipeline/embed_images.ts";
import { BACKENDS } from "../../pipeline/onnx/backends.ts";
import { capture } from "../_cli.ts";

const PHOTOS = () => sharedPath("data", "photos");

function facesPerAsset(d: Dataset): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < d.observations.n; i++) {
    if (d.observations.faceRow[i]! < 0) continue;
    const a = categoricalValue(d.observations.asset, i);
    m.set(a, (m.get(a) ?? 0) + 1);
  }
  return m;
}

/** Leave-one-out 1-NN (cosine) accuracy over the labelled observations. */
function looAccuracy(d: Dataset): { correct: number; total: number } {
  const o = d.observations, dim = d.manifest.face.dim;
  const idx = [...Array(o.n).keys()].filter((i) => o.identity.codes[i]! >= 0 && o.faceRow[i]! >= 0);
  let correct = 0;
  for (const i of idx) {
    let best = -1, bestSim = -Infinity;
    for (const j of idx) {
      if (j === i) continue;
      let s = 0;
      const a = o.faceRow[i]! * dim, b = o.faceRow[j]! * dim;
      for (let k = 0; k < dim; k++) s += d.face[a + k]! * d.face[b + k]!;
      if (s > bestSim) bestSim = s, best = j;
    }
    if (o.identity.codes[best] === o.identity.codes[i]) correct++;
  }
  return { correct, total: idx.length };
}

Deno.test("pb embed names a missing models folder and says where models come from (exit 1)", async () => {
  const dir = await tempDir();
  const r = await capture(() =>
    main([
      "embed",
      "--images",
      dir,
      "--out",
      join(dir, "out"),
      "--models",
      join(dir, "nope"),
      "--quiet",
    ])
  );
  assertEquals(r.code, 1);
  const errors = r.err.split("\n");
  assert(errors.some((e) => e.includes(join(dir, "nope")) && e.includes("ONNX")), errors.join("\n"));
  await Deno.remove(dir, { recursive: true });
});

sharedTest("pb embed survives the bad-input corpus: finishes, lists skipped files with reasons, exits 0", async () => {
  const dir = await tempDir(), images = join(dir, "images"), out = join(dir, "out");
  await Deno.mkdir(images);
  const face = sharp(sharedPath("data", "photos", "deepface", "img1.jpg")).rotate().resize({ width: 480 });
  const faceJpeg = await face.clone().jpeg().toBuffer();
  const w = (name: string, b: Uint8Array | ArrayBufferLike) =>
    Deno.writeFile(join(images, name), new Uint8Array(b as ArrayBuffer));
  await w("truncated.jpg", faceJpeg.subarray(0, faceJpeg.length >> 1));
  await w("zero.jpg", new Uint8Array());
  await Deno.writeTextFile(join(images, "text.jpg"), "this is not an image\n");
  await w("webp-named.jpg", await face.clone().webp().toBuffer());
  await w("cmyk.jpg", await face.clone().toColourspace("cmyk").jpeg().toBuffer());
  await w("deep16.png", await face.clone().toColourspace("rgb16").png().toBuffer());
  await w("grey.png", await face.clone().greyscale().png().toBuffer());
  // Pixels stored turned 90° clockwise, with orientation 8 telling viewers to turn them back.
  await w("rotated.jpg", await sharp(faceJpeg).rotate(90).jpeg().withMetadata({ orientation: 8 }).toBuffer());
  await w(
    "no-face.png",
    await sharp({ create: { width: 320, height: 240, channels: 3, background: "#4a7" } }).png().toBuffer(),
  );
  const bigFace = await face.clone().resize({ width: 4000 }).jpeg().toBuffer();
  await w(
    "huge.jpg",
    await sharp({
      create: { width: 12000, height: 12000, channels: 3, background: "#808080" },
      limitInputPixels: false,
    })
      .composite([{ input: bigFace, left: 4000, top: 3000 }])
      .jpeg({ quality: 70 })
      .toBuffer(),
  );
  const logs: string[] = [];
  const orig = console.log;
  console.log = (m: string) => logs.push(String(m));
  let code: number;
  try {
    code = await main(["embed", "--images", images, "--out", out, "--batch", "4"]);
  } finally {
    console.log = orig;
  }
  assertEquals(code, 0);
  assert(logs.some((l) => l.includes("10 files") && l.includes("4 skipped")), logs.join("\n"));
  const skipped = parse(await Deno.readTextFile(join(out, "skipped.csv")), { columns: true }) as {
    file: string;
    reason: string;
  }[];
  const reasons = Object.fromEntries(skipped.map((s) => [s.file, s.reason]));
  assertEquals(Object.keys(reasons).sort(), ["no-face.png", "text.jpg", "truncated.jpg", "zero.jpg"]);
  assert(reasons["truncated.jpg"]!.includes("truncated"), reasons["truncated.jpg"]);
  assert(reasons["zero.jpg"]!.includes("empty"), reasons["zero.jpg"]);
  assert(reasons["text.jpg"]!.includes("not a supported image"), reasons["text.jpg"]);
  assert(reasons["no-face.png"]!.includes("no face"), reasons["no-face.png"]);
  const d = await readDataset(out);
  const per = facesPerAsset(d);
  for (const f of ["webp-named.jpg", "cmyk.jpg", "deep16.png", "grey.png", "rotated.jpg", "huge.jpg"]) {
    assert((per.get(f) ?? 0) >= 1, `${f} yields a face (got ${per.get(f) ?? 0})`);
  }
  // The rotated photo's face is upright after EXIF orientation: same box as the plain JPEG's (webp) copy.
  const box = (asset: string) => {
    const i = [...Array(d.observations.n).keys()].find((k) => categoricalValue(d.observations.asset, k) === asset)!;
    return Array.from(d.observations.faceBox.subarray(i * 4, i * 4 + 4));
  };
  const [a, b] = [box("rotated.jpg"), box("webp-named.jpg")];
  for (let k = 0; k < 4; k++) assert(Math.abs(a[k]! - b[k]!) < 15, `rotated ${a} vs upright ${b}`);
  // The huge image's box is in original pixels (the face was placed at x ≥ 4000).
  assert(box("huge.jpg")[0]! > 4000);
  await Deno.remove(dir, { recursive: true });
});

sharedTest(
  "deepface photos: every labelled photo yields a face, LOO 1-NN accuracy ≥ 0.95, couple.jpg has 2 faces",
  async () => {
    const dir = await tempDir();
    const labels = sharedPath("data", "photos", "deepface", "labels.csv");
    const r = await embedImages({
      images: join(PHOTOS(), "deepface"),
      out: dir,
      labels,
      bodyModel: "none",
    });
    const d = await readDataset(dir);
    assertEquals(d.manifest.counts.faces, r.faces);
    const rows = parse(await Deno.readTextFile(labels), { columns: true }) as { file: string; identity: string }[];
    const labelled = new Set<string>();
    for (let i = 0; i < d.observations.n; i++) {
      if (d.observations.identity.codes[i]! >= 0) labelled.add(categoricalValue(d.observations.asset, i));
    }
    const missing = rows.filter((x) => !labelled.has(x.file)).map((x) => x.file);
    assertEquals(missing, [], "labelled photos without a labelled face");
    assertEquals(d.manifest.counts.identities, 13);
    const { correct, total } = looAccuracy(d);
    assertEquals(total, rows.length);
    assert(correct / total >= 0.95, `LOO 1-NN accuracy ${correct}/${total}`);
    assertEquals(facesPerAsset(d).get("couple.jpg"), 2);
    // face_quality is higher = clearer (1 − unclear score); kind follows the 0.5 threshold.
    let clear = 0;
    for (let i = 0; i < d.observations.n; i++) {
      const q = d.observations.faceQuality[i]!, kind = categoricalValue(d.observations.kind, i);
      assert(q >= 0 && q <= 1);
      assertEquals(kind, 1 - q >= 0.5 ? "unclear" : "clear");
      if (d.observations.identity.codes[i]! >= 0 && kind === "clear") clear++;
    }
    assert(clear >= 0.9 * total, `labelled portrait faces mostly clear (${clear}/${total})`);
    await Deno.remove(dir, { recursive: true });
  },
);

sharedTest("bbt group photos: bbt1 4, bbt3 5, bbt4 6, bbt5 5 faces; bodies associated", async () => {
  const dir = await tempDir(), images = join(dir, "images");
  await Deno.mkdir(images);
  for (const f of ["bbt1.jpg", "bbt3.jpg", "bbt4.jpg", "bbt5.jpg"]) {
    await Deno.copyFile(join(PHOTOS(), "group", f), join(images, f));
  }
  const r = await embedImages({ images, out: join(dir, "out"), bodyModel: "osnet" });
  const d = await readDataset(join(dir, "out"));
  const per = facesPerAsset(d);
  assertEquals(Object.fromEntries(per), { "bbt1.jpg": 4, "bbt3.jpg": 5, "bbt4.jpg": 6, "bbt5.jpg": 5 });
  assertEquals(r.bodies, r.faces);
  assertEquals(d.body!.length / d.manifest.body!.dim, r.faces);
  await Deno.remove(dir, { recursive: true });
});

sharedTest("celeb24 aligned crops (3 identities) embed to a valid dataset with a gender attribute", async () => {
  const dir = await tempDir(), images = join(dir, "images");
  const root = sharedPath("data", "celeb24", "images");
  const people = ["barack-obama", "daniel-radcliffe", "drew-barrymore"];
  for (const p of people) {
    await Deno.mkdir(join(images, p), { recursive: true });
    const names = [...Deno.readDirSync(join(root, p))].map((e) => e.name).sort().slice(0, 20);
    for (const n of names) await Deno.copyFile(join(root, p, n), join(images, p, n));
  }
  const out = join(dir, "out");
  const code = await main([
    "embed",
    "--images",
    images,
    "--layout",
    "identity-folders",
    "--aligned",
    "--attributes",
    sharedPath("data", "celeb24", "identities.csv"),
    "--attribute-columns",
    "gender",
    "--out",
    out,
    "--quiet",
  ]);
  assertEquals(code, 0);
  const d = await readDataset(out);
  assertEquals([d.observations.n, d.manifest.counts.identities, d.manifest.face.dim], [60, 3, 128]);
  assertEquals(d.manifest.attributes, ["gender"]);
  const gender = d.observations.attributes.get("gender")!;
  for (let i = 0; i < d.observations.n; i++) {
    const who = categoricalValue(d.observations.identity, i);
    assertEquals(categoricalValue(gender, i), who === "drew-barrymore" ? "F" : "M");
  }
  assertEquals(d.manifest.source.backend, "ort-node:cpu");
  assertEquals(d.manifest.source.software_adapter, false);
  const { correct, total } = looAccuracy(d);
  assert(correct / total >= 0.95, `LOO ${correct}/${total}`);
  await Deno.remove(dir, { recursive: true });
});

sharedTest("pb embed --backend with an unavailable provider fails with one line saying why (exit 1)", async () => {
  const { probeBackends } = await import("../../pipeline/onnx/backends.ts");
  const missing = (await probeBackends()).find((s) => !s.usable);
  if (!missing) return; // every provider works here: nothing to refuse
  const dir = await tempDir();
  const r = await capture(() =>
    main([
      "embed",
      "--images",
      dir,
      "--out",
      join(dir, "out"),
      "--backend",
      missing.name,
      "--quiet",
    ])
  );
  assertEquals(r.code, 1);
  const errors = r.err.split("\n");
  assertEquals(errors.length, 1);
  assert(errors[0]!.includes(`"${missing.name}" is unavailable`) && errors[0]!.includes(missing.reason), errors[0]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pb backends --json lists every backend with a reason and the auto choice", async () => {
  const logs: string[] = [];
  const orig = console.log;
  console.log = (m: string) => logs.push(String(m));
  try {
    assertEquals(await main(["backends", "--json"]), 0);
  } finally {
    console.log = orig;
  }
  const r = JSON.parse(logs.join("\n")) as {
    auto: string;
    backends: { name: string; usable: boolean; reason: string }[];
  };
  assertEquals(r.backends.map((b) => b.name), [...BACKENDS]);
  assert(r.backends.find((b) => b.name === "ort-node:cpu")!.usable);
  assert(r.backends.some((b) => b.name === r.auto && b.usable));
});

sharedTest("UltraFace cross-check finds the same faces as YuNet on couple.jpg (2) and bbt1 (4)", async () => {
  const { UltraFaceDetector } = await import("../../pipeline/detect/ultraface.ts");
  const { decodeImage } = await import("../../pipeline/image/decode.ts");
  const u = await UltraFaceDetector.load(sharedPath("models", "ultraface-rfb-320.onnx"), { backend: "cpu" });
  for (const [f, n] of [["deepface/couple.jpg", 2], ["group/bbt1.jpg", 4]] as const) {
    const dets = await u.detect(await decodeImage(join(PHOTOS(), f), { maxSide: 1024 }));
    assertEquals(dets.length, n, f);
    assert(dets.every((d) => d.landmarks !== null && d.landmarks.length === 10));
  }
});

sharedTest("--face-model arcface-r-512 (batch-1 export, PReLU rewritten) gives a 512-d dataset", async () => {
  const dir = await tempDir(), images = join(dir, "images");
  const root = sharedPath("data", "celeb24", "images");
  for (const p of ["barack-obama", "drew-barrymore"]) {
    await Deno.mkdir(join(images, p), { recursive: true });
    for (const n of [...Deno.readDirSync(join(root, p))].map((e) => e.name).sort().slice(0, 5)) {
      await Deno.copyFile(join(root, p, n), join(images, p, n));
    }
  }
  const r = await embedImages({
    images,
    out: join(dir, "out"),
    layout: "identity-folders",
    aligned: true,
    faceModel: "arcface-r-512",
    batch: 8,
  });
  const d = await readDataset(join(dir, "out"));
  assertEquals([d.manifest.face.dim, d.manifest.face.model, r.faces], [512, "arcface-r-512", 10]);
  const models = d.manifest.source.models as { face: { prelu: { prelu: number } } };
  assertEquals(models.face.prelu.prelu, 33);
  const { correct, total } = looAccuracy(d);
  assertEquals(correct, total);
  await Deno.remove(dir, { recursive: true });
});
