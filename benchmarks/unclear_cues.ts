/**
 * Which unclear-face cues separate real faces from false detections, on ../shared/data/photos.
 *
 * Positives: YuNet detections with score ≥ 0.8 (deepface + group photos; checked by eye to be faces).
 * Negatives: (a) "weak detections": YuNet at threshold 0.2 with score < 0.6 and no overlap (IoU < 0.1)
 * with any detection ≥ 0.6 — almost all background or partial faces; (b) "random patches": seeded
 * random square boxes not overlapping any detection ≥ 0.3, aligned with template landmarks.
 * For each cue: ROC AUC of "clearer" values for positives vs negatives (1 = perfect, 0.5 = useless), and
 * the AUC of the combined unclear score. The detector score separates (a) by construction; it is
 * shown for completeness.
 *
 * Run: `deno run -A benchmarks/unclear_cues.ts [--models DIR] [--json FILE]`
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../algorithms/random/rng.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { alignFace } from "../pipeline/align/similarity.ts";
import { type Detection, iou } from "../pipeline/detect/nms.ts";
import { templateLandmarks } from "../pipeline/detect/ultraface.ts";
import { YuNetDetector } from "../pipeline/detect/yunet.ts";
import { Embedder, FACE_MODELS } from "../pipeline/embed/embedder.ts";
import { decodeImage, type RgbImage } from "../pipeline/image/decode.ts";
import { resolveModelsDir } from "../pipeline/models.ts";
import { type FaceCues, laplacianVariance, normRampFor, unclearScore, yawProxy } from "../pipeline/quality.ts";
import { DEFAULT_CALIBRATION } from "../pipeline/quality.ts";
import { rocAuc } from "../algorithms/metrics/auc.ts";
import { quantile } from "../algorithms/metrics/quantile.ts";

const args = parseArgs({ args: Deno.args, options: { models: { type: "string" }, json: { type: "string" } } }).values;
const modelsDir = resolveModelsDir(args.models);
const photos = join(modelsDir, "..", "data", "photos");
const detector = await YuNetDetector.load(join(modelsDir, "yunet.onnx"), { backend: "cpu", scoreThreshold: 0.2 });
const spec = FACE_MODELS.mobilefacenet!;
const embedder = await Embedder.load(join(modelsDir, spec.file), spec, { backend: "cpu" });
const rng = new Rng(20240601);

interface Sample {
  group: "positive" | "weak" | "random";
  cues: FaceCues;
  crop: RgbImage;
}
const samples: Sample[] = [];
const add = (group: Sample["group"], image: RgbImage, d: Detection, scale: number) => {
  const lm = d.landmarks ?? templateLandmarks(d);
  const crop = alignFace(image, lm).crop;
  samples.push({
    group,
    crop,
    cues: {
      detectorScore: group === "random" ? NaN : d.score,
      faceSize: Math.min(d.x2 - d.x1, d.y2 - d.y1) * scale,
      sharpness: laplacianVariance(crop),
      yaw: d.landmarks ? yawProxy(d.landmarks) : NaN,
      embeddingNorm: NaN,
    },
  });
};

for (const sub of ["deepface", "group"]) {
  const names = [...Deno.readDirSync(join(photos, sub))].map((e) => e.name).filter((n) => !n.endsWith(".csv")).sort();
  for (const name of names) {
    const image = await decodeImage(join(photos, sub, name));
    const dets = await detector.detect(image);
    const strong = dets.filter((d) => d.score >= 0.6), any = dets.filter((d) => d.score >= 0.3);
    for (const d of dets) {
      if (d.score >= 0.8) add("positive", image, d, image.scale);
      else if (d.score < 0.6 && strong.every((s) => iou(s, d) < 0.1)) add("weak", image, d, image.scale);
    }
    for (let k = 0, tries = 0; k < 3 && tries < 50; tries++) {
      const side = 40 + rng.float() * Math.min(160, image.width / 3, image.height / 3);
      const x1 = rng.float() * (image.width - side), y1 = rng.float() * (image.height - side);
      const box: Detection = { x1, y1, x2: x1 + side, y2: y1 + side, score: 0, landmarks: null };
      if (any.some((d) => iou(d, box) > 0)) continue;
      add("random", image, box, image.scale);
      k++;
    }
  }
}
const { norms } = await embedder.embed(samples.map((s) => s.crop));
samples.forEach((s, i) => (s.cues.embeddingNorm = norms[i]!));

/** AUC that a positive's value beats a negative's (higher = clearer unless `lowerIsClear`). */
function auc(pos: number[], neg: number[], lowerIsClear = false): number {
  return lowerIsClear ? rocAuc(pos.map((v) => -v), neg.map((v) => -v)) : rocAuc(pos, neg);
}
const calibration = {
  ...DEFAULT_CALIBRATION,
  embeddingNorm: [...normRampFor("mobilefacenet"), DEFAULT_CALIBRATION.embeddingNorm[2]] as [number, number, number],
};
const pos = samples.filter((s) => s.group === "positive");
const table: Record<string, Record<string, number>> = {};
for (const negGroup of ["weak", "random"] as const) {
  const neg = samples.filter((s) => s.group === negGroup);
  const row: Record<string, number> = { positives: pos.length, negatives: neg.length };
  for (const cue of ["detectorScore", "faceSize", "sharpness", "yaw", "embeddingNorm"] as const) {
    row[cue] = auc(pos.map((s) => s.cues[cue]), neg.map((s) => s.cues[cue]), cue === "yaw");
  }
  row.unclearScore = auc(
    pos.map((s) => unclearScore(s.cues, calibration)),
    neg.map((s) => unclearScore(s.cues, calibration)),
    true,
  );
  table[negGroup] = row;
}
const q = (xs: number[], p: number) => quantile(xs, p);
for (const g of ["positive", "weak", "random"] as const) {
  const n = samples.filter((s) => s.group === g).map((s) => s.cues.embeddingNorm);
  console.log(
    `${g.padEnd(8)} n=${String(n.length).padStart(4)} embedding norm p10 ${q(n, 0.1).toFixed(2)} median ${
      q(n, 0.5).toFixed(2)
    } p90 ${q(n, 0.9).toFixed(2)}`,
  );
}
console.log("ROC AUC, real faces vs negatives (1 = separates perfectly, 0.5 = no information):");
console.log(
  "negatives".padEnd(10) +
    ["n+", "n-", "detector", "size", "sharpness", "yaw", "emb-norm", "unclear"].map((h) => h.padStart(10)).join(""),
);
for (const [g, r] of Object.entries(table)) {
  console.log(
    g.padEnd(10) +
      [r.positives!, r.negatives!].map((v) => String(v).padStart(10)).join("") +
      [r.detectorScore!, r.faceSize!, r.sharpness!, r.yaw!, r.embeddingNorm!, r.unclearScore!]
        .map((v) => (Number.isNaN(v) ? "n/a" : v.toFixed(3)).padStart(10)).join(""),
  );
}
if (args.json) await writeFileAtomic(args.json, JSON.stringify(table, null, 2) + "\n");
