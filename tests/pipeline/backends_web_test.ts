/**
 * Every model of the pipeline on onnxruntime-web (WebAssembly and WebGPU) against onnxruntime-node's CPU
 * provider: the same detections and embeddings within 1e-4. In CI the WebGPU adapter is Mesa's lavapipe (a
 * software GPU, installed by .ci/install-gpu.sh), so inputs are small and each model sees one image.
 * @module
 */
import { assert, assertEquals } from "../_assert.ts";
import { join } from "node:path";
import { sharedPath, sharedTest } from "../_shared.ts";
import { type BackendName, probeBackend } from "../../pipeline/onnx/backends.ts";
import { decodeImage } from "../../pipeline/image/decode.ts";
import type { Detection } from "../../pipeline/detect/nms.ts";
import type { RgbImage } from "../../pipeline/image/decode.ts";

const WEB: BackendName[] = ["ort-web:wasm", "ort-web:webgpu"];

/** The web backends usable here; prints once why one is skipped (no adapter: install mesa-vulkan-drivers). */
async function usableWeb(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const b of WEB) {
    const s = await probeBackend(b);
    if (s.usable) out.push(b);
    else console.warn(`skipping ${b}: ${s.reason}`);
  }
  return out;
}

function sameDetections(a: Detection[], b: Detection[], what: string): void {
  assertEquals(b.length, a.length, `${what}: detection count`);
  for (let i = 0; i < a.length; i++) {
    const [p, q] = [a[i]!, b[i]!];
    for (const k of ["x1", "y1", "x2", "y2"] as const) {
      assert(Math.abs(p[k] - q[k]) < 0.05, `${what}: box ${i} ${k} ${p[k]} vs ${q[k]}`);
    }
    assert(Math.abs(p.score - q.score) < 1e-4, `${what}: score ${i} ${p.score} vs ${q.score}`);
    if (p.landmarks && q.landmarks) {
      for (let j = 0; j < p.landmarks.length; j++) {
        assert(Math.abs(p.landmarks[j]! - q.landmarks[j]!) < 0.05, `${what}: landmark ${i}.${j}`);
      }
    }
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

type Detect = (backend: BackendName) => Promise<{ detect(img: RgbImage): Promise<Detection[]> }>;

const DETECTORS: [string, Detect, string][] = [
  [
    "yunet (320 px)",
    async (backend) =>
      (await import("../../pipeline/detect/yunet.ts")).YuNetDetector.load(sharedPath("models", "yunet.onnx"), {
        backend,
        inputSize: 320,
      }),
    "deepface/couple.jpg",
  ],
  [
    "ultraface",
    async (backend) =>
      (await import("../../pipeline/detect/ultraface.ts")).UltraFaceDetector.load(
        sharedPath("models", "ultraface-rfb-320.onnx"),
        { backend },
      ),
    "deepface/couple.jpg",
  ],
  [
    "yolox-nano",
    async (backend) =>
      (await import("../../pipeline/detect/yolox.ts")).YoloxPersonDetector.load(
        sharedPath("models", "yolox-nano.onnx"),
        { backend },
      ),
    "deepface/couple.jpg",
  ],
];

for (const [name, load, photo] of DETECTORS) {
  sharedTest(`${name} on ort-web:wasm and ort-web:webgpu finds the detections of ort-node:cpu`, async () => {
    const image = await decodeImage(sharedPath("data", "photos", photo), { maxSide: 640 });
    const reference = await (await load("ort-node:cpu")).detect(image);
    assert(reference.length > 0, `${name} finds something in ${photo}`);
    for (const backend of await usableWeb()) {
      sameDetections(reference, await (await load(backend)).detect(image), `${name} on ${backend}`);
    }
  });
}

sharedTest("mobilefacenet, arcface-r-512 and osnet on ort-web:wasm and :webgpu embed within 1e-4 of CPU", async () => {
  const { Embedder, BODY_MODELS, FACE_MODELS } = await import("../../pipeline/embed/embedder.ts");
  const dir = sharedPath("data", "celeb24", "images", "barack-obama");
  const first = [...Deno.readDirSync(dir)].map((e) => e.name).sort()[0]!;
  const face = await decodeImage(join(dir, first));
  const { resizeRgb } = await import("../../pipeline/image/decode.ts");
  const body = await resizeRgb(face, 128, 256);
  const web = await usableWeb();
  for (
    const [spec, crop] of [[FACE_MODELS.mobilefacenet!, face], [FACE_MODELS["arcface-r-512"]!, face], [
      BODY_MODELS.osnet!,
      body,
    ]] as const
  ) {
    const path = sharedPath("models", spec.file);
    const ref = await (await Embedder.load(path, spec, { backend: "ort-node:cpu" })).embed([crop]);
    for (const backend of web) {
      const e = await Embedder.load(path, spec, { backend });
      assertEquals(e.model.backend, backend);
      const got = await e.embed([crop]);
      const d = maxAbsDiff(ref.vectors, got.vectors);
      assert(d <= 1e-4, `${spec.name} on ${backend}: max |Δ| = ${d}`);
      assert(Math.abs(ref.norms[0]! - got.norms[0]!) <= 1e-4 * Math.max(1, ref.norms[0]!), `${spec.name} norm`);
    }
  }
});

sharedTest("ort-web:webgpu records its adapter and whether it is a software one", async () => {
  const s = await probeBackend("ort-web:webgpu");
  if (!s.usable) {
    console.warn(`skipping: ort-web:webgpu ${s.reason}`);
    return;
  }
  assert(s.adapter !== null);
  assertEquals(s.software_adapter, s.adapter.software);
  // lavapipe (CI) is a fallback adapter and must be flagged as software.
  if (/llvmpipe|lavapipe/i.test(s.adapter.description)) assert(s.software_adapter);
});
