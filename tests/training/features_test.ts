import { assert, assertEquals } from "../_assert.ts";
import { sharedPath, sharedTest } from "../_shared.ts";
import { backboneBytes, extractFeatures, FEATURE_SIZE, loadBackbone, readCrop } from "../../training/features.ts";
import { FACE_MODELS } from "../../pipeline/embed/embedder.ts";
import { Embedder } from "../../pipeline/embed/embedder.ts";
import { gdconvForward, linearForward } from "../../algorithms/training/layers.ts";
import { countOps } from "../../pipeline/onnx/graph.ts";
import { fieldText, parseMessage } from "../../pipeline/onnx/protobuf.ts";

/** A named float initializer of a model. */
function initializer(model: Uint8Array, name: string): Float32Array {
  const graph = parseMessage(parseMessage(model).find((f) => f.no === 7)!.data);
  for (const f of graph) {
    if (f.no !== 5) continue;
    const t = parseMessage(f.data);
    if (fieldText(t.find((g) => g.no === 8)!) !== name) continue;
    const raw = t.find((g) => g.no === 9)!.data.slice();
    return new Float32Array(raw.buffer);
  }
  throw new Error(`no initializer ${name}`);
}

sharedTest(
  "backbone cut: the map plus MobileFaceNet's own head weights, applied in TypeScript, give its embedding",
  async () => {
    const modelPath = sharedPath("models", "mobilefacenet.onnx");
    const bytes = await Deno.readFile(modelPath);
    const cut = backboneBytes(bytes);
    const before = countOps(bytes), after = countOps(cut);
    assertEquals(after.get("Reshape") ?? 0, 0, "the head's reshape is gone");
    assert((after.get("Conv") ?? 0) === (before.get("Conv") ?? 0) - 2, "two head convolutions removed");
    const cacheDir = await Deno.makeTempDir();
    const backbone = await loadBackbone(modelPath, { cacheDir });
    const dir = sharedPath("data", "celeb24", "images", "barack-obama");
    const crops = [await readCrop(`${dir}/0.jpg`), await readCrop(`${dir}/1.jpg`)];
    const features = await extractFeatures(backbone, crops);
    assertEquals(features.length, 2 * FEATURE_SIZE);
    // MobileFaceNet's head: depthwise 7×7 conv (+bias) then 1×1 conv 512→128 (+bias), BN folded into both.
    const gdW = Float64Array.from(initializer(bytes, "onnx::Conv_676")), gdB = initializer(bytes, "onnx::Conv_677");
    const pooled = gdconvForward(features, gdW, { channels: 512, area: 49 });
    for (let i = 0; i < pooled.length; i++) pooled[i]! += gdB[i % 512]!;
    const emb = linearForward(
      pooled,
      Float64Array.from(initializer(bytes, "onnx::Conv_679")),
      Float64Array.from(initializer(bytes, "onnx::Conv_680")),
    );
    const reference = await (await Embedder.load(modelPath, FACE_MODELS.mobilefacenet!)).embed(crops);
    for (let r = 0; r < 2; r++) {
      let norm = 0;
      for (let k = 0; k < 128; k++) norm += emb[r * 128 + k]! ** 2;
      norm = Math.sqrt(norm);
      assert(Math.abs(norm - reference.norms[r]!) < 1e-3 * norm, `norm ${norm} vs ${reference.norms[r]}`);
      for (let k = 0; k < 128; k++) {
        assert(Math.abs(emb[r * 128 + k]! / norm - reference.vectors[r * 128 + k]!) < 1e-4, `row ${r} dim ${k}`);
      }
    }
    await Deno.remove(cacheDir, { recursive: true });
  },
);
