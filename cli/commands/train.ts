/**
 * `pb train`: the training side. `run` trains an embedding head over the frozen MobileFaceNet on a crop dataset
 * and evaluates it on held-out identities; `eval-lfw` runs LFW's View 2 protocol on an embedded LFW dataset.
 * @module
 */
import { join } from "node:path";
import { MARGIN_LOSS_IDS } from "../../algorithms/training/losses.ts";
import { OPTIMIZER_IDS } from "../../algorithms/training/optimizers.ts";
import { SAMPLING_IDS } from "../../algorithms/training/sampling.ts";
import { SCHEDULE_IDS } from "../../algorithms/training/schedules.ts";
import { UsageError } from "../../base/errors.ts";
import { modelPath, resolveModelsDir } from "../../pipeline/models.ts";
import type { SubgroupVerification } from "../../training/evaluate.ts";
import { evaluateLfw } from "../../training/lfw.ts";
import { loadTextures, texturePools, writeAugmentSheet } from "../../training/augment.ts";
import { loadCropDataset } from "../../training/data.ts";
import { readCrop } from "../../training/features.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import { runHeadStudy } from "../../training/study.ts";
import { ARTICLE_BACKBONE } from "../../pipeline/onnx/backbone.ts";
import { SCRATCH_BACKENDS } from "../../training/scratch/backend.ts";
import { runScratchStudy } from "../../training/scratch/study.ts";
import { runConfidenceStudy, type ScorerRow } from "../../training/confidence.ts";
import { choice, type Command, flag, num, optStr, type ParsedArgs, str } from "../command.ts";
import { dedent } from "../help.ts";

function pct(x: number): string {
  return (100 * x).toFixed(2);
}

function verificationTable(title: string, rows: SubgroupVerification[]): string[] {
  const lines = [
    `${title}:`,
    "  group  ids  AUC [95% CI]               TAR@FAR1e-3 [CI]         TAR@FAR1e-2 [CI]         rank-1 [CI]",
  ];
  for (const r of rows) {
    const cell = (m: { value: number; low: number; high: number }) =>
      `${pct(m.value)} [${pct(m.low)}, ${pct(m.high)}]`.padEnd(25);
    lines.push(
      `  ${r.group.padEnd(5)}  ${String(r.identities).padStart(3)}  ${cell(r.auc)}${cell(r.tarAtFar3)}${
        cell(r.tarAtFar2)
      }${cell(r.rank1)}`.trimEnd(),
    );
  }
  return lines;
}

/** The recipe both training modes share: loss and its options, optimiser, schedule, peak rate, seed. */
function recipeOptions(args: ParsedArgs) {
  return {
    loss: choice(args, "loss", MARGIN_LOSS_IDS, "arcface"),
    lossOptions: {
      scale: num(args, "scale", 32, { min: 1 }),
      ...(args.values.margin !== undefined ? { margin: num(args, "margin", 0.5, { min: 0, max: 1.5 }) } : {}),
    },
    optimizer: choice(args, "optimizer", OPTIMIZER_IDS, "adamw"),
    schedule: choice(args, "schedule", SCHEDULE_IDS, "one-cycle"),
    maxLr: num(args, "lr", 0.01, { min: 0 }),
    seed: num(args, "seed", 1, { integer: true }),
  };
}

async function runStudy(args: ParsedArgs): Promise<number> {
  const quiet = flag(args, "quiet");
  const models = resolveModelsDir(optStr(args, "models"));
  const { report } = await runHeadStudy({
    dataDir: str(args, "data"),
    modelPath: modelPath(models, "mobilefacenet.onnx"),
    outDir: str(args, "out"),
    perIdentity: num(args, "per-identity", 40, { min: 2, integer: true }),
    bootstrap: num(args, "bootstrap", 200, { min: 0, integer: true }),
    config: {
      ...recipeOptions(args),
      sampling: choice(args, "sampling", SAMPLING_IDS, "shuffle"),
      epochs: num(args, "epochs", 3, { min: 1, integer: true }),
      batch: num(args, "batch", 64, { min: 2, integer: true }),
    },
    augment: choice(args, "augment", ["none", "curriculum", "curriculum+masks"] as const, "none"),
    ...(optStr(args, "photos")
      ? { texturesFrom: { photos: str(args, "photos"), yoloxPath: modelPath(models, "yolox-nano.onnx") } }
      : {}),
    log: quiet ? undefined : (line) => console.error(line),
  });
  if (flag(args, "json")) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  const last = report.steps.at(-1);
  console.log([
    `trained ${report.config.loss} / ${report.config.optimizer} / ${report.config.schedule} on ` +
    `${report.crops.train} crops of ${report.split.train.length} identities; final loss ${last?.loss.toFixed(4)}; ` +
    `${report.trainingImagesPerSecond.toFixed(0)} images/s (head), ` +
    `${report.extractionImagesPerSecond.toFixed(1)} images/s (backbone); load ${report.loadAverage[0]?.toFixed(1)}`,
    `test identities: ${report.split.test.join(", ")}`,
    ...verificationTable("trained head", report.trained),
    ...verificationTable("shipped mobilefacenet", report.shipped),
    ...(report.masked
      ? [
        ...verificationTable("trained head, masked test crops", report.masked.trained),
        ...verificationTable("shipped mobilefacenet, masked test crops", report.masked.shipped),
      ]
      : []),
    "clustering of the test crops (HAC average linkage, threshold chosen on the validation identities), BCubed F:",
    ...(["trained", "shipped"] as const).map((who) =>
      `  ${who.padEnd(8)} ` +
      report.clustering[who].map((c) => `${c.group} ${c.bcubedF.toFixed(3)} (best cut ${c.oracleF.toFixed(3)})`)
        .join(", ")
    ),
    `wrote ${report.modelPath} and ${join(str(args, "out"), "report.json")}`,
  ].join("\n"));
  return 0;
}

async function runScratch(args: ParsedArgs): Promise<number> {
  const quiet = flag(args, "quiet");
  const size = num(args, "size", 64, { min: 32, integer: true });
  const augment = choice(args, "augment", ["none", "curriculum", "curriculum+masks"] as const, "none");
  if (augment === "curriculum+masks" && !optStr(args, "photos")) {
    throw new UsageError("--augment curriculum+masks needs --photos DIR (mask textures)");
  }
  const r = await runScratchStudy({
    dataDir: str(args, "data"),
    outDir: str(args, "out"),
    backend: choice(args, "backend", SCRATCH_BACKENDS, "wasm"),
    perIdentity: num(args, "per-identity", 40, { min: 2, integer: true }),
    bootstrap: num(args, "bootstrap", 200, { min: 0, integer: true }),
    augment,
    ...(flag(args, "compare-shipped")
      ? { shippedModelPath: modelPath(resolveModelsDir(optStr(args, "models")), "mobilefacenet.onnx") }
      : {}),
    ...(augment === "curriculum+masks"
      ? {
        textures: await loadTextures((await texturePools(str(args, "photos"))).train, {
          yoloxPath: modelPath(resolveModelsDir(optStr(args, "models")), "yolox-nano.onnx"),
        }),
      }
      : {}),
    config: {
      spec: {
        ...ARTICLE_BACKBONE,
        name: "scratch",
        inputSize: size,
        width: num(args, "width", 0.75, { min: 0.1 }),
        depth: num(args, "depth", 0.5, { min: 0 }),
      },
      ...recipeOptions(args),
      steps: num(args, "steps", 200, { min: 1, integer: true }),
      batch: num(args, "batch", 32, { min: 2, integer: true }),
    },
    log: quiet ? undefined : (line) => console.error(line),
  });
  if (flag(args, "json")) {
    console.log(JSON.stringify(r, null, 2));
    return 0;
  }
  console.log([
    `trained ${r.spec.name} (${r.parameters} parameters, ${r.spec.inputSize}×${r.spec.inputSize}) from scratch on ` +
    `${r.backend.backend} (${r.backend.device}): ` +
    `${r.steps.length} steps of ${r.config.batch}${r.augment === "none" ? "" : ` (augment ${r.augment})`}, loss ${
      r.loss.first.toFixed(3)
    } → ${r.loss.last.toFixed(3)} ` +
    `(mean of first/last 10: ${r.loss.firstTenMean.toFixed(3)} → ${r.loss.lastTenMean.toFixed(3)})`,
    `${r.imagesPerSecond.toFixed(2)} images/s (${r.steadyImagesPerSecond.toFixed(2)} after the first step); ` +
    `load ${r.loadAverage[0]?.toFixed(1)}`,
    `exported model vs tfjs: max |difference| ${r.exportMaxAbsDiff.toExponential(2)}`,
    ...verificationTable(`exported model on ${r.split.test.length} test identities`, r.test),
    ...(r.shipped ? verificationTable("shipped mobilefacenet, same test crops", r.shipped) : []),
    `wrote ${r.modelPath}, scratch-report-${r.backend.backend}.json and throughput.json in ${str(args, "out")}`,
  ].join("\n"));
  return 0;
}

async function runEvalLfw(args: ParsedArgs): Promise<number> {
  const r = await evaluateLfw(str(args, "data"), { lfwDir: str(args, "lfw"), onlyPresent: flag(args, "subset") });
  if (flag(args, "json")) {
    console.log(JSON.stringify(r, null, 2));
    return 0;
  }
  console.log([
    `LFW View 2: ${r.pairs} of ${r.pairsInFile} pairs (${r.missing} with a photo lacking a labelled face)`,
    `accuracy ${pct(r.meanAccuracy)} ± ${pct(r.sdAccuracy)}% over ${r.foldAccuracy.length} folds; ` +
    `AUC ${r.auc.toFixed(4)}; TAR@FAR1e-3 ${pct(r.tarAtFar3)}%`,
    ...r.byGender.map((g) => `  ${g.group}: ${pct(g.accuracy)}% of ${g.pairs} same-gender pairs`),
  ].join("\n"));
  return 0;
}

async function runAugmentSheet(args: ParsedArgs): Promise<number> {
  const models = resolveModelsDir(optStr(args, "models"));
  const seed = num(args, "seed", 1, { integer: true });
  const data = await loadCropDataset(str(args, "data"), { perIdentity: 1, seed });
  const crops = await Promise.all(data.paths.slice(0, 8).map(readCrop));
  const pools = await texturePools(str(args, "photos"));
  const textures = await loadTextures(pools.train, { yoloxPath: modelPath(models, "yolox-nano.onnx") });
  const out = str(args, "out");
  const r = await writeAugmentSheet(out, crops, { rng: new Rng(seed), textures, columns: 8 });
  console.log(`wrote ${out}: ${r.rows} curriculum stages × ${r.columns} examples (${textures.length} mask textures)`);
  return 0;
}

async function runConfidence(args: ParsedArgs): Promise<number> {
  const quiet = flag(args, "quiet");
  const report = await runConfidenceStudy({
    photosDir: str(args, "photos"),
    ...(optStr(args, "data") ? { cropsDir: optStr(args, "data")! } : {}),
    perIdentity: num(args, "per-identity", 20, { min: 1, integer: true }),
    modelsDir: resolveModelsDir(optStr(args, "models")),
    seed: num(args, "seed", 1, { integer: true }),
    epochs: num(args, "epochs", 60, { min: 1, integer: true }),
    outDir: str(args, "out"),
    onProgress: quiet ? undefined : (line) => console.error(line),
  });
  if (flag(args, "json")) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  const head = "  scorer                   AUC    " + report.fractions.map((f) => `kept ${f}`.padStart(9)).join("");
  const table = (title: string, rows: ScorerRow[]) => [
    `${title}:`,
    head,
    ...rows.map((r) =>
      `  ${r.scorer.padEnd(24)} ${r.auc.toFixed(3)}  ${r.precision.map((p) => p.toFixed(3).padStart(9)).join("")}`
    ),
  ];
  console.log([
    `confidence branch over ${report.faceModel} embeddings; test-half crops: ` +
    Object.entries(report.counts).map(([k, c]) => `${k} ${c.test}`).join(", "),
    "precision of kept crops (clear faces among those kept) when keeping the highest-scored fraction:",
    ...table("all test crops", report.test),
    ...table("crops from photos only", report.testPhotos),
    `wrote ${join(str(args, "out"), "classifier.json")} (pb embed --confidence-model) and report.json`,
  ].join("\n"));
  return 0;
}

/** The `pb train` command. */
export const trainCommand: Command = {
  name: "train",
  summary: "train an embedding head over the frozen backbone, or a small backbone from scratch (tfjs); evaluate",
  usage: "run --data DIR --out DIR [options] | eval-lfw --data DATASET --lfw DIR [--subset] [--json] | " +
    "augment-sheet --data DIR --photos DIR --out FILE.png | confidence --photos DIR [--data DIR] --out DIR | " +
    "scratch --data DIR --out DIR [--backend wasm|webgpu|cpu] [--steps N] [--batch B] [--size S] [--seed N]",
  positionals: true,
  description: dedent`
    run: identity-disjoint split of a crop dataset (identities.csv + images/<identity>/, e.g. celeb24), the shared
    MobileFaceNet cut at its 512×7×7 map as a frozen backbone, a GDConv + linear + batch-norm head trained from
    seeded random init, early stopping on validation AUC, then verification on the test identities per gender
    (bootstrap over identities) beside the shipped MobileFaceNet; writes head.onnx (loads in pb embed
    --face-model) and report.json to --out.
    eval-lfw: LFW's 10-fold View 2 protocol on a dataset from pb embed --layout identity-folders of LFW's images;
    --subset keeps only pairs whose photos are in the dataset (otherwise missing photos count as errors).
    augment-sheet: a PNG grid, one row per curriculum stage, of augmented crops; mask textures are cut from
    the person boxes (YOLOX) of the photos in --photos (e.g. ../shared/data/photos/group, alternate files).
    scratch: the Figure 5 backbone (pipeline/onnx/backbone.ts, scaled by --width/--depth) trained from seeded
    random init at --size×--size in tfjs (wasm, webgpu on navigator.gpu, or cpu) with the same losses, optimisers
    and schedules, identity-disjoint split as run; writes scratch-BACKEND.onnx (112×112 input resized in the graph:
    loads in pb embed --face-model), scratch-report-BACKEND.json (loss per step) and throughput.json (images/s per
    backend, merged across runs into the same --out).
    confidence: the confidence branch — a classifier on each crop's embedding and raw norm; faces (YuNet ≥ 0.8 in
    --photos, and aligned crops of --data) against weak detections, random patches, clothing, blurred faces and
    synthetic images; photos and identities split in halves; precision of kept crops against the fraction kept,
    beside the norm cue and the unclear score; writes classifier.json (pb embed --confidence-model) and report.json.
  `,
  options: {
    data: { type: "string", value: "DIR", help: "run: crop dataset folder; eval-lfw: embedded dataset folder" },
    out: { type: "string", value: "DIR", help: "run: output folder; augment-sheet: the PNG file" },
    photos: {
      type: "string",
      value: "DIR",
      help: "run: photos for mask textures (also masked test crops from the held-out half) [none]; confidence: photos",
    },
    augment: { type: "string", value: "A", help: "run: none | curriculum | curriculum+masks [none]" },
    lfw: { type: "string", value: "DIR", help: "eval-lfw: LFW folder with pairs.txt and the gender lists" },
    subset: { type: "boolean", help: "eval-lfw: only pairs whose photos are in the dataset" },
    models: { type: "string", value: "DIR", help: "ONNX models folder [../shared/models when it exists]" },
    loss: { type: "string", value: "ID", help: `${MARGIN_LOSS_IDS.join(" | ")} [arcface]` },
    scale: { type: "string", value: "S", help: "logit scale [32]" },
    margin: { type: "string", value: "M", help: "margin [0.5; 0.35 for cosface]" },
    optimizer: { type: "string", value: "ID", help: `${OPTIMIZER_IDS.join(" | ")} [adamw]` },
    schedule: { type: "string", value: "ID", help: `${SCHEDULE_IDS.join(" | ")} [one-cycle]` },
    sampling: { type: "string", value: "ID", help: `${SAMPLING_IDS.join(" | ")} [shuffle]` },
    lr: { type: "string", value: "LR", help: "peak learning rate [0.01]" },
    epochs: { type: "string", value: "N", help: "epochs [3; confidence 60]" },
    batch: { type: "string", value: "N", help: "batch size [64; scratch 32]" },
    backend: { type: "string", value: "B", help: "scratch: tfjs backend wasm | webgpu | cpu [wasm]" },
    steps: { type: "string", value: "N", help: "scratch: training steps [200]" },
    size: { type: "string", value: "S", help: "scratch: input side [64]" },
    width: { type: "string", value: "W", help: "scratch: width multiplier of the backbone [0.75]" },
    depth: { type: "string", value: "D", help: "scratch: depth multiplier of the backbone [0.5]" },
    "per-identity": { type: "string", value: "N", help: "crops per identity, seeded choice [40; confidence 20]" },
    bootstrap: { type: "string", value: "N", help: "bootstrap resamples of test identities [200]" },
    seed: { type: "string", value: "N", help: "seed of split, init and sampling [1]" },
    "compare-shipped": { type: "boolean", help: "scratch: also verify the shipped MobileFaceNet on the test crops" },
    json: { type: "boolean", help: "print the report as JSON" },
    quiet: { type: "boolean", help: "no progress lines" },
  },
  async run(args) {
    const [sub, ...rest] = args.positionals;
    if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    if (sub === "run") return await runStudy(args);
    if (sub === "eval-lfw") return await runEvalLfw(args);
    if (sub === "augment-sheet") return await runAugmentSheet(args);
    if (sub === "confidence") return await runConfidence(args);
    if (sub === "scratch") return await runScratch(args);
    throw new UsageError(
      `sub-command must be run, eval-lfw, augment-sheet, confidence or scratch, got ${JSON.stringify(sub ?? "")}`,
    );
  },
};
