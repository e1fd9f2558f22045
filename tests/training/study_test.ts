import { assert, assertEquals } from "../_assert.ts";
import { sharedPath, sharedTest } from "../_shared.ts";
import { runHeadStudy } from "../../training/study.ts";
import { extractFeatures, loadBackbone, readCrop } from "../../training/features.ts";
import { unitRows } from "../../training/evaluate.ts";
import { resolveFaceModel } from "../../pipeline/models.ts";
import { Embedder } from "../../pipeline/embed/embedder.ts";

sharedTest(
  "CI-sized study: celeb24 crops, one epoch, identity-disjoint split; the exported head loads in pb embed's embedder and matches the TypeScript forward pass to 1e-4",
  async () => {
    const outDir = await Deno.makeTempDir({ prefix: "pb-train-" });
    const modelPath = sharedPath("models", "mobilefacenet.onnx");
    const lines: string[] = [];
    const { report, head } = await runHeadStudy({
      dataDir: sharedPath("data", "celeb24"),
      modelPath,
      outDir,
      perIdentity: 12,
      bootstrap: 20,
      config: {
        loss: "arcface",
        lossOptions: { scale: 32, margin: 0.3 },
        optimizer: "adamw",
        schedule: "one-cycle",
        maxLr: 0.01,
        epochs: 1,
        batch: 32,
        seed: 1,
      },
      log: (line) => lines.push(line),
    });
    const all = [...report.split.train, ...report.split.val, ...report.split.test];
    assertEquals(new Set(all).size, all.length, "identities are disjoint across parts");
    assertEquals(report.crops.train + report.crops.val + report.crops.test, 18 * 12);
    assert(report.steps.length >= 3 && report.steps.every((s) => Number.isFinite(s.loss)));
    assert(lines.some((l) => /images\/s/.test(l)));
    for (const side of [report.trained, report.shipped]) {
      assertEquals(side.map((g) => g.group), ["all", "F", "M"]);
      for (const g of side) {
        assert(g.auc.value > 0.5 && g.auc.low <= g.auc.value && g.auc.value <= g.auc.high, JSON.stringify(g.auc));
      }
    }
    for (const side of [report.clustering.trained, report.clustering.shipped]) {
      assertEquals(side.map((g) => g.group), ["all", "F", "M"]);
      for (const g of side) assert(g.bcubedF > 0 && g.bcubedF <= g.oracleF + 1e-12, JSON.stringify(g));
    }
    // The exported model through the same loader `pb embed --face-model PATH.onnx` uses.
    const { path, spec } = resolveFaceModel(sharedPath("models"), report.modelPath);
    const embedder = await Embedder.load(path, spec, { backend: "cpu" });
    assertEquals(embedder.dim, 128);
    const dir = sharedPath("data", "celeb24", "images", "tina-fey");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort().slice(0, 3);
    const crops = await Promise.all(names.map((f) => readCrop(`${dir}/${f}`)));
    const onnx = await embedder.embed(crops);
    const backbone = await loadBackbone(modelPath, { cacheDir: outDir });
    const ts = unitRows(head.embed(await extractFeatures(backbone, crops)), 128);
    for (let i = 0; i < ts.length; i++) {
      assert(Math.abs(ts[i]! - onnx.vectors[i]!) < 1e-4, `entry ${i}: ${ts[i]} vs ${onnx.vectors[i]}`);
    }
    await Deno.remove(outDir, { recursive: true });
  },
);

sharedTest(
  "augmented study: curriculum with masks re-extracts features per epoch; masked test crops are scored",
  async () => {
    const outDir = await Deno.makeTempDir({ prefix: "pb-train-aug-" });
    const photos = `${outDir}/photos`;
    await Deno.mkdir(photos);
    for (const name of ["bbt1.jpg", "bbt3.jpg"]) {
      await Deno.copyFile(
        sharedPath("data", "photos", "group", name),
        `${photos}/${name}`,
      );
    }
    const lines: string[] = [];
    const { report } = await runHeadStudy({
      dataDir: sharedPath("data", "celeb24"),
      modelPath: sharedPath("models", "mobilefacenet.onnx"),
      outDir,
      perIdentity: 5,
      bootstrap: 10,
      augment: "curriculum+masks",
      texturesFrom: { photos, yoloxPath: sharedPath("models", "yolox-nano.onnx") },
      config: {
        loss: "curricularface",
        optimizer: "adamw",
        schedule: "one-cycle",
        maxLr: 0.01,
        epochs: 2,
        batch: 16,
        seed: 2,
      },
      log: (line) => lines.push(line),
    });
    assertEquals(lines.filter((l) => /augmented \d+ crops/.test(l)).length, 2);
    assertEquals(report.augment, "curriculum+masks");
    assert(report.masked && report.masked.trained[0]!.group === "all" && report.masked.shipped.length === 3);
    await Deno.remove(outDir, { recursive: true });
  },
);
