import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { main } from "../../cli/main.ts";
import { capture } from "../_cli.ts";
import { sharedPath, sharedTest, tempDir } from "../_shared.ts";
import { DataFileError } from "../../base/errors.ts";
import { loadConfidenceModel } from "../../pipeline/confidence_model.ts";
import { readDataset } from "../../datasets/io.ts";

/** A few group photos (many faces, background, clothing) copied into a fresh folder. */
async function photoFolder(names: string[]): Promise<string> {
  const dir = await tempDir();
  for (const n of names) await Deno.copyFile(sharedPath("data", "photos", "group", n), join(dir, n));
  return dir;
}

sharedTest("pb train confidence → pb embed --confidence-model: the branch scores faces at ingest", async () => {
  const photos = await photoFolder(["bbt1.jpg", "bbt2.jpg", "bbt3.jpg", "bbt4.jpg", "bbt5.jpg", "crowd-1.jpg"]);
  const out = await tempDir();
  const r = await capture(() =>
    main(["train", "confidence", "--photos", photos, "--out", out, "--epochs", "20", "--json", "--quiet"])
  );
  assertEquals(r.code, 0, r.err);
  const report = JSON.parse(r.out);
  const branch = report.test.find((row: { scorer: string }) => row.scorer === "confidence branch");
  // Held-out photos: faces must rank above the negatives most of the time, and all-kept precision is the face share.
  assert(branch.auc > 0.8, `held-out AUC ${branch.auc}`);
  const faces = report.counts.face.test + report.counts.aligned.test;
  const all = Object.values(report.counts as Record<string, { test: number }>).reduce((s, c) => s + c.test, 0);
  assert(Math.abs(branch.precision.at(-1) - faces / all) < 1e-9, "precision with everything kept");
  const model = await loadConfidenceModel(join(out, "classifier.json"));
  assertEquals(model.faceModel, "mobilefacenet");

  const ingest = await photoFolder(["bbt3.jpg"]);
  const plain = await tempDir(), scored = await tempDir();
  for (const [dir, extra] of [[plain, []], [scored, ["--confidence-model", join(out, "classifier.json")]]] as const) {
    const e = await capture(() => main(["embed", "--images", ingest, "--out", dir, "--quiet", ...extra]));
    assertEquals(e.code, 0, e.err);
  }
  const a = await readDataset(plain), b = await readDataset(scored);
  assertEquals(b.manifest.counts, a.manifest.counts);
  assertEquals((b.manifest.source.confidence as { mode: string }).mode, "join");
  // Same embeddings, different face_quality: the branch joined the cue score.
  assertEquals(b.face, a.face);
  const qa = a.observations.faceQuality, qb = b.observations.faceQuality;
  assert(qb.some((q, i) => Math.abs(q - qa[i]!) > 1e-6), "face_quality unchanged");
});

Deno.test("confidence model file: missing, not JSON, wrong format, wrong sizes → one-line errors naming the file", async () => {
  const dir = await tempDir();
  const path = join(dir, "c.json");
  await assertRejects(() => loadConfidenceModel(path), DataFileError, "not found");
  await Deno.writeTextFile(path, "{");
  await assertRejects(() => loadConfidenceModel(path), DataFileError, "not JSON");
  await Deno.writeTextFile(path, JSON.stringify({ format: "other" }));
  await assertRejects(() => loadConfidenceModel(path), DataFileError, "format");
  const classifier = { inputs: 3, hidden: 1, mean: [0, 0, 0], std: [1, 1, 1], w1: [1, 1], b1: [0], w2: [1], b2: [0] };
  await Deno.writeTextFile(
    path,
    JSON.stringify({ format: "peoplebench-confidence/1", faceModel: "x", dim: 2, classifier }),
  );
  await assertRejects(() => loadConfidenceModel(path), DataFileError, "classifier.w1 must be 3");
});
