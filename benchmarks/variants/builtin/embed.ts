/**
 * Embedding variant wrapping `pipeline/`: re-embeds aligned face crops with a face model on an ONNX Runtime
 * execution provider and records per-batch latency and the provider that actually ran. An explicitly requested
 * provider that cannot run here fails the run with the reason (never a silent fall-back to CPU); `auto` picks
 * the first usable one and records which.
 *
 * The crops come from the `images` folder (identity sub-folders of aligned 112×112 crops, e.g. celeb24 in
 * ../shared), not from the experiment's dataset, which this stage does not read.
 * @module
 */
import { join } from "node:path";
import { BACKEND_CHOICES } from "../../../pipeline/onnx/backend_names.ts";
import { expandPath } from "../../datasets.ts";
import type { ParamSpec, Variant } from "../types.ts";

type EmbedParams = {
  backend: string;
  allow_software_adapter: boolean;
  model: string;
  batch: number;
  threads: number;
  crops: number;
  prelu_rewrite: boolean;
  images: string;
  models: string;
};

interface EmbedState {
  // deno-lint-ignore no-explicit-any
  embedder: any;
  // deno-lint-ignore no-explicit-any
  crops: any[];
  backend: { used: string; adapter: string | null; software_adapter: boolean };
  detail: string;
}

/**
 * The planning-time check shared by the model variants: null when `backend` runs here, else why not. A
 * software adapter counts as unavailable unless `allowSoftware`: its timings are not a GPU's.
 */
export async function backendProblem(backend: string, allowSoftware: boolean): Promise<string | null> {
  const { backendUnavailable, canonicalBackend, probeBackend } = await import("../../../pipeline/onnx/backends.ts");
  const reason = await backendUnavailable(backend);
  if (reason !== null || backend === "auto" || allowSoftware) return reason;
  const s = await probeBackend(canonicalBackend(backend));
  return s.software_adapter
    ? `${s.name} runs only on a software adapter (${s.adapter?.description}); its timings would not be a GPU's ` +
      "(set allow_software_adapter: true to time it anyway, flagged as software)"
    : null;
}

async function listCrops(root: string, count: number): Promise<string[]> {
  const folders: string[] = [];
  for await (const e of Deno.readDir(root)) if (e.isDirectory) folders.push(e.name);
  folders.sort();
  const perFolder: string[][] = [];
  for (const f of folders) {
    const files: string[] = [];
    for await (const e of Deno.readDir(join(root, f))) if (e.isFile) files.push(e.name);
    files.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    perFolder.push(files.map((x) => join(root, f, x)));
  }
  // Round-robin over identities so a small sample still covers everyone.
  const out: string[] = [];
  for (let k = 0; out.length < count && perFolder.some((l) => l.length > k); k++) {
    for (const l of perFolder) if (l[k] !== undefined && out.length < count) out.push(l[k]!);
  }
  return out;
}

/** The backend parameters of every model-running variant. */
export const BACKEND_PARAMS = {
  backend: {
    kind: "enum",
    values: BACKEND_CHOICES,
    default: "cpu",
    help: "backend (see pb backends); one that cannot run here is reported unavailable at planning time [cpu]",
  },
  allow_software_adapter: {
    kind: "bool",
    default: false,
    help: "time WebGPU on a software adapter (lavapipe) too; records carry software_adapter [false]",
  },
} as const satisfies Record<string, ParamSpec>;

/** `onnx-embed`: face-embedding throughput of a model on a backend. */
export const embedVariant: Variant<EmbedParams> = {
  id: "onnx-embed",
  stage: "embed",
  summary:
    "embed aligned face crops with an ONNX model on a backend (ort-node:cpu | ort-web:wasm | ort-web:webgpu | …)",
  params: {
    ...BACKEND_PARAMS,
    model: {
      kind: "enum",
      values: ["mobilefacenet", "arcface-r-512"],
      default: "mobilefacenet",
      help: "face model [mobilefacenet]",
    },
    batch: { kind: "int", min: 1, max: 4096, default: 32, help: "crops per inference call [32]" },
    threads: { kind: "int", min: 0, max: 256, default: 0, help: "intra-op threads, 0 = onnxruntime default [0]" },
    crops: { kind: "int", min: 1, max: 100000, default: 128, help: "crops embedded per repetition [128]" },
    prelu_rewrite: { kind: "bool", default: true, help: "rewrite PReLU into faster ops at load [true]" },
    images: {
      kind: "string",
      default: "${SHARED}/data/celeb24/images",
      help: "folder of identity sub-folders of aligned crops [${SHARED}/data/celeb24/images]",
    },
    models: { kind: "string", default: "${SHARED}/models", help: "ONNX models folder [${SHARED}/models]" },
  },
  async prepare(_input, p): Promise<EmbedState> {
    const { decodeImage } = await import("../../../pipeline/image/decode.ts");
    const { Embedder } = await import("../../../pipeline/embed/embedder.ts");
    const { resolveFaceModel, resolveModelsDir } = await import("../../../pipeline/models.ts");
    const files = await listCrops(expandPath(p.images), p.crops);
    if (files.length === 0) throw new Error(`No crops found in ${expandPath(p.images)}`);
    const crops = [];
    for (let i = 0; i < p.crops; i++) crops.push(await decodeImage(files[i % files.length]!));
    const { path, spec } = resolveFaceModel(resolveModelsDir(expandPath(p.models)), p.model);
    const embedder = await Embedder.load(path, spec, {
      backend: p.backend as "auto",
      threads: p.threads,
      rewritePrelu: p.prelu_rewrite,
    });
    const { backendRecord } = await import("../../../pipeline/onnx/backends.ts");
    const prelu = embedder.model.prelu ? `prelu rewrite ${JSON.stringify(embedder.model.prelu)}` : "no prelu rewrite";
    return { embedder, crops, backend: backendRecord(embedder.model), detail: `${p.model}; ${prelu}` };
  },
  async run(_input, p, ctx, state) {
    const s = state as EmbedState;
    const times: number[] = [];
    let checksum = 0;
    for (let i = 0; i < s.crops.length; i += p.batch) {
      const batch = s.crops.slice(i, i + p.batch);
      const t0 = ctx.clock();
      const r = await s.embedder.embed(batch);
      times.push(ctx.clock() - t0);
      checksum += r.vectors[0];
    }
    return {
      samples: {
        batch_seconds: times,
        face_seconds: times.map((t, k) => t / Math.min(p.batch, s.crops.length - k * p.batch)),
      },
      counters: { faces: s.crops.length, batches: times.length, dim: s.embedder.dim, first_value_sum: checksum },
      backend: { requested: p.backend, ...s.backend, detail: s.detail },
    };
  },
  unavailable: (p) => backendProblem(p.backend, p.allow_software_adapter),
};
