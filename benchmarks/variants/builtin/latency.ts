/**
 * `onnx-latency`: the backend latency study. One model of the pipeline (detectors, embedders) or one backbone
 * from the builder, on one backend, at one batch size: `calls` timed inference calls on seeded input (one
 * untimed call first, plus the harness's warm-ups, so shader compilation and allocation are excluded). Stores
 * per-call and per-item latency samples and the throughput; records carry the backend, the adapter and the
 * software-adapter flag. A backend that cannot run here is reported unavailable at planning time.
 *
 * Models with a fixed batch of 1 (the detectors) run `batch` calls of one image per timed call
 * (`counters.native_batch` = 0): the latency of a batch of photos through the pipeline as it is.
 * @module
 */
import { expandPath } from "../../datasets.ts";
import type { Variant } from "../types.ts";
import { BACKEND_PARAMS, backendProblem } from "./embed.ts";

/** Models of the study and their input (C, H, W): the sizes the pipeline feeds them. */
export const LATENCY_MODELS: Readonly<Record<string, { file: string | null; chw: [number, number, number] }>> = {
  "yunet": { file: "yunet.onnx", chw: [3, 480, 640] },
  "ultraface": { file: "ultraface-rfb-320.onnx", chw: [3, 240, 320] },
  "yolox-nano": { file: "yolox-nano.onnx", chw: [3, 416, 416] },
  "mobilefacenet": { file: "mobilefacenet.onnx", chw: [3, 112, 112] },
  "arcface-r-512": { file: "arcface-r-512.onnx", chw: [3, 112, 112] },
  "osnet": { file: "osnet-x0.25.onnx", chw: [3, 256, 128] },
  "backbone-s": { file: null, chw: [3, 112, 112] },
  "backbone-m": { file: null, chw: [3, 112, 112] },
  "backbone-l": { file: null, chw: [3, 112, 112] },
};

type LatencyParams = {
  backend: string;
  allow_software_adapter: boolean;
  model: string;
  activation: string;
  batch: number;
  calls: number;
  threads: number;
  prelu_rewrite: boolean;
  op_profile: boolean;
  models: string;
};

interface LatencyState {
  // deno-lint-ignore no-explicit-any
  model: any;
  input: Float32Array;
  dims: number[];
  native: boolean;
  backend: { used: string; adapter: string | null; software_adapter: boolean };
  detail: string;
  counters: Record<string, number>;
  metrics: Record<string, { value: number; direction: "none" }>;
}

/** `onnx-latency`: latency distribution and throughput of one model on one backend at one batch size. */
export const latencyVariant: Variant<LatencyParams> = {
  id: "onnx-latency",
  stage: "embed",
  summary: "backend latency study: one model (detector, embedder or built backbone) × backend × batch size",
  params: {
    ...BACKEND_PARAMS,
    model: {
      kind: "enum",
      values: Object.keys(LATENCY_MODELS),
      default: "mobilefacenet",
      help: "a pipeline model, or backbone-s|m|l from the builder (≈ 0.5, 1, 2 M parameters) [mobilefacenet]",
    },
    activation: {
      kind: "enum",
      values: ["prelu", "relu", "hswish"],
      default: "prelu",
      help: "activation of a built backbone (ignored for the pipeline's models) [prelu]",
    },
    batch: { kind: "int", min: 1, max: 1024, default: 1, help: "images per timed call [1]" },
    calls: { kind: "int", min: 1, max: 100000, default: 5, help: "timed calls per repetition [5]" },
    threads: { kind: "int", min: 0, max: 256, default: 0, help: "intra-op threads, 0 = runtime default [0]" },
    prelu_rewrite: { kind: "bool", default: true, help: "rewrite PReLU into faster ops at load [true]" },
    op_profile: {
      kind: "bool",
      default: false,
      help: "add an op-level CPU profile (onnxruntime profiler, ort-node:cpu, 1 thread) as op.* metrics [false]",
    },
    models: { kind: "string", default: "${SHARED}/models", help: "ONNX models folder [${SHARED}/models]" },
  },
  async prepare(_input, p, ctx): Promise<LatencyState> {
    const { loadModel, loadModelBytes, backendRecord, runModel } = await import(
      "../../../pipeline/onnx/backends.ts"
    );
    const spec = LATENCY_MODELS[p.model]!;
    const options = { backend: p.backend, threads: p.threads, rewritePrelu: p.prelu_rewrite, dynamicBatch: true };
    const counters: Record<string, number> = {};
    let bytes: Uint8Array | null = null;
    let model;
    if (spec.file === null) {
      const { BACKBONE_SIZES, buildBackbone } = await import("../../../pipeline/onnx/backbone.ts");
      const size = p.model.slice(-1) as "s" | "m" | "l";
      const built = buildBackbone({ ...BACKBONE_SIZES[size], activation: p.activation as "prelu" }, {
        seed: ctx.seed,
      });
      bytes = built.bytes;
      counters.parameters = built.parameters;
      counters.macs = built.macs;
      model = await loadModelBytes(bytes, `${p.model} (${p.activation})`, options);
    } else {
      const path = `${expandPath(p.models)}/${spec.file}`;
      model = await loadModel(path, options);
      if (p.op_profile) bytes = await Deno.readFile(path);
    }
    const native = typeof model.inputShape[0] !== "number";
    const dims = [native ? p.batch : 1, ...spec.chw];
    const input = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < input.length; i++) input[i] = ctx.rng.float() * 2 - 1;
    await runModel(model, input, dims); // untimed: shader compilation, allocation
    const metrics: LatencyState["metrics"] = {};
    if (p.op_profile && bytes) {
      const { profileOps } = await import("../../../pipeline/onnx/profile.ts");
      const { rewritePrelu } = await import("../../../pipeline/onnx/graph.ts");
      const profiled = p.prelu_rewrite ? rewritePrelu(bytes).bytes : bytes;
      for (const o of await profileOps(profiled, { name: model.inputName, data: input, dims }, p.calls)) {
        metrics[`op.${o.op}.share`] = { value: o.share, direction: "none" };
        metrics[`op.${o.op}.us_per_run`] = { value: o.us_per_run, direction: "none" };
      }
    }
    const detail = `${p.model}${spec.file === null ? ` (${p.activation})` : ""}; input ${dims.join("×")}; ` +
      (native ? "native batch" : `batch of ${p.batch} as single-image calls`);
    return { model, input, dims, native, backend: backendRecord(model), detail, counters, metrics };
  },
  async run(_input, p, ctx, state) {
    const s = state as LatencyState;
    const { runModel } = await import("../../../pipeline/onnx/backends.ts");
    const times: number[] = [];
    let checksum = 0;
    for (let c = 0; c < p.calls; c++) {
      const t0 = ctx.clock();
      if (s.native) {
        const out = await runModel(s.model, s.input, s.dims);
        checksum += Object.values(out)[0]!.data[0]!;
      } else {
        for (let i = 0; i < p.batch; i++) {
          const out = await runModel(s.model, s.input, s.dims);
          checksum += Object.values(out)[0]!.data[0]!;
        }
      }
      times.push(ctx.clock() - t0);
    }
    const total = times.reduce((a, b) => a + b, 0);
    return {
      samples: { call_seconds: times, item_seconds: times.map((t) => t / p.batch) },
      counters: {
        ...s.counters,
        batch: p.batch,
        calls: p.calls,
        native_batch: s.native ? 1 : 0,
        first_value_sum: checksum,
      },
      metrics: {
        ...s.metrics,
        throughput_items_per_s: { value: (p.batch * p.calls) / total, direction: "higher" },
      },
      backend: { requested: p.backend, ...s.backend, detail: s.detail },
    };
  },
  unavailable: (p) => backendProblem(p.backend, p.allow_software_adapter),
};
