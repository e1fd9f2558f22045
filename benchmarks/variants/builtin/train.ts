/**
 * Training variant: trains an embedding head over the frozen MobileFaceNet on a crop folder (celeb24) with one
 * setting of loss / optimiser / schedule / augmentation, and reports verification on held-out identities per
 * gender, with the worst and best subgroup (Figure 7's inputs), the masked-crop comparison and the loss curve.
 * Like `onnx-embed`, it reads its crops from `data`, not from the experiment's dataset.
 * @module
 */
import { join } from "node:path";
import { MARGIN_LOSS_IDS } from "../../../algorithms/training/losses.ts";
import { OPTIMIZER_IDS } from "../../../algorithms/training/optimizers.ts";
import { SAMPLING_IDS } from "../../../algorithms/training/sampling.ts";
import { SCHEDULE_IDS } from "../../../algorithms/training/schedules.ts";
import type { MetricDirection } from "../../results/schema.ts";
import { defaultCacheDir, expandPath } from "../../datasets.ts";
import type { Variant } from "../types.ts";

type TrainParams = {
  loss: string;
  margin: number;
  scale: number;
  optimizer: string;
  schedule: string;
  sampling: string;
  lr: number;
  epochs: number;
  batch: number;
  per_identity: number;
  augment: string;
  bootstrap: number;
  data: string;
  photos: string;
  models: string;
};

/** `train-head`: one training setting of the frozen-backbone study. */
export const trainHeadVariant: Variant<TrainParams> = {
  id: "train-head",
  stage: "embed",
  summary: "train a GDConv+linear+BN head over frozen MobileFaceNet features; verify on held-out identities",
  params: {
    loss: { kind: "enum", values: MARGIN_LOSS_IDS, default: "arcface", help: "margin loss [arcface]" },
    margin: { kind: "float", min: 0, max: 1.5, default: 0.5, help: "margin (softmax ignores it) [0.5]" },
    scale: { kind: "float", min: 1, max: 128, default: 32, help: "logit scale s [32]" },
    optimizer: { kind: "enum", values: OPTIMIZER_IDS, default: "adamw", help: "optimiser [adamw]" },
    schedule: { kind: "enum", values: SCHEDULE_IDS, default: "one-cycle", help: "learning-rate schedule [one-cycle]" },
    sampling: { kind: "enum", values: SAMPLING_IDS, default: "shuffle", help: "batch sampling [shuffle]" },
    lr: { kind: "float", min: 0, max: 10, default: 0.01, help: "peak learning rate [0.01]" },
    epochs: { kind: "int", min: 1, max: 1000, default: 4, help: "epochs [4]" },
    batch: { kind: "int", min: 2, max: 4096, default: 64, help: "batch size [64]" },
    per_identity: { kind: "int", min: 2, max: 100000, default: 40, help: "crops per identity [40]" },
    augment: {
      kind: "enum",
      values: ["none", "curriculum", "curriculum+masks"],
      default: "none",
      help: "augmentation on pixels before the backbone [none]",
    },
    bootstrap: { kind: "int", min: 0, max: 100000, default: 200, help: "bootstrap resamples of identities [200]" },
    data: { kind: "string", default: "${SHARED}/data/celeb24", help: "crop folder with identities.csv [celeb24]" },
    photos: {
      kind: "string",
      default: "${SHARED}/data/photos/group",
      help: 'photos for mask textures; the held-out half masks the test crops; "" = none [${SHARED}/data/photos/group]',
    },
    models: { kind: "string", default: "${SHARED}/models", help: "ONNX models folder [${SHARED}/models]" },
  },
  async run(_input, p, ctx) {
    const { runHeadStudy } = await import("../../../training/study.ts");
    const outDir = await Deno.makeTempDir({ prefix: "pb-train-head-" });
    const cacheDir = join(defaultCacheDir(), "training");
    await Deno.mkdir(cacheDir, { recursive: true });
    const models = expandPath(p.models);
    try {
      const { report } = await runHeadStudy({
        dataDir: expandPath(p.data),
        modelPath: join(models, "mobilefacenet.onnx"),
        outDir,
        perIdentity: p.per_identity,
        bootstrap: p.bootstrap,
        augment: p.augment as "none",
        ...(p.photos
          ? { texturesFrom: { photos: expandPath(p.photos), yoloxPath: join(models, "yolox-nano.onnx") } }
          : {}),
        featureCache: join(cacheDir, `features-${p.per_identity}-seed${ctx.seed}.bin`),
        config: {
          loss: p.loss as "arcface",
          lossOptions: { scale: p.scale, margin: p.margin },
          optimizer: p.optimizer as "adamw",
          schedule: p.schedule as "one-cycle",
          sampling: p.sampling as "shuffle",
          maxLr: p.lr,
          epochs: p.epochs,
          batch: p.batch,
          seed: ctx.seed,
        },
      });
      const metrics: Record<string, { value: number; direction: MetricDirection }> = {};
      const put = (prefix: string, rows: typeof report.trained) => {
        const groups = rows.filter((r) => r.group !== "all");
        for (const r of rows) {
          metrics[`${prefix}auc${r.group === "all" ? "" : "." + r.group}`] = {
            value: r.auc.value,
            direction: "higher",
          };
          metrics[`${prefix}auc${r.group === "all" ? "" : "." + r.group}.low`] = {
            value: r.auc.low,
            direction: "higher",
          };
          metrics[`${prefix}auc${r.group === "all" ? "" : "." + r.group}.high`] = {
            value: r.auc.high,
            direction: "higher",
          };
          metrics[`${prefix}rank1${r.group === "all" ? "" : "." + r.group}`] = {
            value: r.rank1.value,
            direction: "higher",
          };
          metrics[`${prefix}tar_far_1e-2${r.group === "all" ? "" : "." + r.group}`] = {
            value: r.tarAtFar2.value,
            direction: "higher",
          };
        }
        if (groups.length) {
          const sorted = [...groups].sort((a, b) => a.auc.value - b.auc.value);
          const worst = sorted[0]!, best = sorted.at(-1)!;
          metrics[`${prefix}auc.worst`] = { value: worst.auc.value, direction: "higher" };
          metrics[`${prefix}auc.worst.low`] = { value: worst.auc.low, direction: "higher" };
          metrics[`${prefix}auc.worst.high`] = { value: worst.auc.high, direction: "higher" };
          metrics[`${prefix}auc.best`] = { value: best.auc.value, direction: "higher" };
          metrics[`${prefix}auc.best.low`] = { value: best.auc.low, direction: "higher" };
          metrics[`${prefix}auc.best.high`] = { value: best.auc.high, direction: "higher" };
          metrics[`${prefix}auc.gap`] = { value: best.auc.value - worst.auc.value, direction: "lower" };
        }
      };
      put("verify.", report.trained);
      put("shipped.verify.", report.shipped);
      if (report.masked) {
        put("masked.verify.", report.masked.trained);
        put("masked.shipped.verify.", report.masked.shipped);
      }
      for (
        const [prefix, rows] of [["cluster.", report.clustering.trained], [
          "shipped.cluster.",
          report.clustering.shipped,
        ]] as const
      ) {
        for (const r of rows) {
          const g = r.group === "all" ? "" : "." + r.group;
          metrics[`${prefix}bcubed.f${g}`] = { value: r.bcubedF, direction: "higher" };
          metrics[`${prefix}bcubed.f.oracle${g}`] = { value: r.oracleF, direction: "higher" };
        }
      }
      metrics["train.loss.final"] = { value: report.steps.at(-1)?.loss ?? NaN, direction: "lower" };
      metrics["train.images_per_second"] = { value: report.trainingImagesPerSecond, direction: "higher" };
      return {
        metrics,
        counters: { train_crops: report.crops.train, test_crops: report.crops.test, best_epoch: report.bestEpoch },
        curves: {
          "train.loss": {
            x: report.steps.map((s) => s.step),
            y: report.steps.map((s) => s.loss),
            x_label: "step",
            y_label: "loss",
          },
          "validation.auc": {
            x: report.validationAuc.map((_, e) => e + 1),
            y: report.validationAuc,
            x_label: "epoch",
            y_label: "validation AUC",
          },
        },
      };
    } finally {
      await Deno.remove(outDir, { recursive: true }).catch(() => {});
    }
  },
};
