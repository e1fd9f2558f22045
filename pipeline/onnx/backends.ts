/**
 * Backends (a runtime and an execution provider: `ort-node:cpu`, `ort-web:webgpu`, …) and model sessions: which
 * backends work on this machine and why the others do not, explicit selection with no silent fallback, one
 * session factory for every runtime, and model loading with the PReLU rewrite.
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import {
  AUTO_ORDER,
  BACKEND_ALIASES,
  type BackendName,
  BACKENDS,
  canonicalBackend,
  splitBackend,
} from "./backend_names.ts";
export { type AdapterInfo, describeAdapter } from "./ort_web.ts";
import { type AdapterInfo, createWebSession, describeAdapter, ortWeb, serialised, webgpuAdapter } from "./ort_web.ts";
import {
  type BatchRewriteResult,
  makeBatchDynamic,
  type PreluRewriteResult,
  probeModel,
  rewritePrelu,
} from "./graph.ts";

export {
  AUTO_ORDER,
  BACKEND_ALIASES,
  BACKEND_CHOICES,
  type BackendName,
  type BackendRequest,
  BACKENDS,
  canonicalBackend,
  splitBackend,
} from "./backend_names.ts";

/** The requested backend cannot run here; callers catch this to choose another. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
  /**
   * @param backend the backend that was asked for
   * @param reason why it cannot run here, in one sentence
   */
  constructor(readonly backend: string, readonly reason: string) {
    super(`Backend "${backend}" is unavailable: ${reason}`);
  }
}

/** Whether one backend can run here, and why not. */
export interface BackendStatus {
  name: BackendName;
  runtime: "ort-node" | "ort-web";
  provider: string;
  /** Short names that mean this backend. */
  aliases: string[];
  usable: boolean;
  /** "ok" when usable, else the reason. */
  reason: string;
  /** WebGPU backends: the adapter found (null when none or not WebGPU). */
  adapter: AdapterInfo | null;
  /** True when it runs only on a software/fallback adapter: correct, but its timings are not a GPU's. */
  software_adapter: boolean;
}

function ortBinaryDir(): string | null {
  try {
    const entry = fileURLToPath(import.meta.resolve("onnxruntime-node"));
    const platform = Deno.build.os === "windows" ? "win32" : Deno.build.os;
    const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
    return join(dirname(entry), "..", "bin", "napi-v6", platform, arch);
  } catch {
    return null;
  }
}

/** True / false when the path can be checked; null when Deno's permissions forbid it (e.g. /dev without -A). */
function pathExists(path: string): boolean | null {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    return null;
  }
}

const LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib/x86_64-linux-gnu",
];

function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split("\n")[0]!.trim();
}

/** Creates a session for the probe model `y = Relu(x)` and checks its output. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    const s = await createSession(probeModel(), name, {});
    const out = await s.run({ x: { data: Float32Array.from([-1, 2, -3, 4]), dims: [4] } });
    await s.release();
    const y = out.y?.data;
    if (!y || y[0] !== 0 || y[1] !== 2) return "the probe model ran but returned wrong values";
    return null;
  } catch (e) {
    return firstLine(e);
  }
}

/** Static checks that explain the common reasons before anything is loaded (and avoid noisy probes). */
function precheck(name: BackendName): string | null {
  const os = Deno.build.os;
  switch (name) {
    case "ort-node:cpu":
    case "ort-web:wasm":
    case "ort-web:webgpu":
      return null;
    case "ort-node:coreml":
      return os === "darwin" ? null : `CoreML (and the Apple Neural Engine) exists only on macOS (this is ${os})`;
    case "ort-node:cuda": {
      if (os !== "linux" && os !== "windows") return `CUDA builds of onnxruntime-node exist for Linux and Windows only`;
      const dir = ortBinaryDir();
      const lib = os === "windows" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
      if (dir && !existsSync(join(dir, lib))) {
        return `onnxruntime-node has no CUDA provider library (${lib}; see docs/pipeline.md "CUDA" to install it)`;
      }
      if (os === "linux" && pathExists("/dev/nvidia0") === false) return "no NVIDIA GPU here (/dev/nvidia0 is absent)";
      return null;
    }
    case "ort-node:webgpu":
      // Dawn inside onnxruntime-node needs a GPU adapter; on Linux through the Vulkan loader.
      if (os === "linux" && !LIB_DIRS.some((d) => existsSync(join(d, "libvulkan.so.1")))) {
        return "no Vulkan loader (libvulkan.so.1), which WebGPU (Dawn) needs on Linux to find a GPU adapter";
      }
      return null;
  }
}

async function probeOne(name: BackendName): Promise<BackendStatus> {
  const { runtime, provider } = splitBackend(name);
  const aliases = Object.entries(BACKEND_ALIASES).filter(([, v]) => v === name).map(([k]) => k);
  let adapter: AdapterInfo | null = null;
  let reason = precheck(name);
  if (reason === null && name === "ort-web:webgpu") {
    const a = await webgpuAdapter();
    if (typeof a === "string") reason = a;
    else adapter = a.info;
  }
  reason ??= await tryBackend(name);
  if (reason && name === "ort-node:webgpu" && /Failed to get a WebGPU adapter/.test(reason)) {
    // Dawn's own message is a source location and an assertion; say what it means.
    const ours = await webgpuAdapter();
    reason = "onnxruntime-node's Dawn found no WebGPU adapter it supports" +
      (typeof ours !== "string" && ours.info.software
        ? ` (it rejects the software adapter ${ours.info.description}; ort-web:webgpu runs on it)`
        : "");
  }
  return {
    name,
    runtime,
    provider,
    aliases,
    usable: reason === null,
    reason: reason ?? "ok",
    adapter,
    software_adapter: adapter?.software ?? false,
  };
}

const cache = new Map<BackendName, Promise<BackendStatus>>();

/**
 * Probes one backend: a static check (OS, devices, libraries, WebGPU adapter), then a one-node probe model.
 * Cached for the process.
 */
export function probeBackend(name: BackendName): Promise<BackendStatus> {
  let p = cache.get(name);
  if (!p) cache.set(name, p = probeOne(name));
  return p;
}

/**
 * Probes every backend in {@link BACKENDS}, each separately. Cached for the process.
 * @returns one status per backend, in {@link BACKENDS} order
 */
export async function probeBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const name of BACKENDS) out.push(await probeBackend(name));
  return out;
}

/**
 * Resolves a request to a backend that works here.
 * @param request a backend name, an alias or "auto"
 * @returns the backend that will run
 * @throws {BackendUnavailableError} when an explicitly requested backend cannot run here
 * @throws {RangeError} for an unknown name
 */
export async function resolveBackend(request: string): Promise<BackendName> {
  if (request === "auto") {
    for (const name of AUTO_ORDER) {
      const s = await probeBackend(name);
      if (s.usable && !s.software_adapter) return name;
    }
    return "ort-node:cpu";
  }
  const name = canonicalBackend(request);
  if (name === "ort-node:cpu") return name;
  const pre = precheck(name);
  if (pre) throw new BackendUnavailableError(name, pre);
  const status = await probeBackend(name);
  if (!status.usable) throw new BackendUnavailableError(name, status.reason);
  return name;
}

/**
 * Why a requested backend cannot run here, or null when it can: the planning-time check of benchmark sweeps.
 * @param request a backend name, an alias or "auto"
 */
export async function backendUnavailable(request: string): Promise<string | null> {
  try {
    await resolveBackend(request);
    return null;
  } catch (e) {
    if (e instanceof BackendUnavailableError) return e.reason;
    throw e;
  }
}

/** A tensor handed to or returned by a session: float32 data and its shape. */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** A session on any runtime: what the pipeline needs of onnxruntime-node and onnxruntime-web alike. */
export interface BackendSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Declared shape of the first input (symbolic dims as strings), [] when unknown. */
  inputShape: readonly (number | string)[];
  run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
}

/** Session options every runtime understands. */
export interface SessionOptions {
  /** Intra-op threads (0 = the runtime's default; onnxruntime-web always uses 1) [0]. */
  threads?: number;
  /** CoreML: only use devices with the Apple Neural Engine [false]. */
  neuralEngine?: boolean;
  /** onnxruntime-node: write an op-level profile with this file prefix (see {@link BackendSession.release}). */
  profilePrefix?: string;
}

/**
 * The one factory for model sessions: creates a session for `bytes` on the named backend (no probing, no
 * fallback; {@link loadModel} resolves and probes first).
 * @param bytes an ONNX model
 * @param backend canonical backend name
 * @param options threads, CoreML flags, profiling
 * @returns a runtime-independent session
 * @throws {Error} when the runtime cannot create the session
 */
export async function createSession(
  bytes: Uint8Array,
  backend: BackendName,
  options: SessionOptions,
): Promise<BackendSession> {
  const { runtime, provider } = splitBackend(backend);
  if (runtime === "ort-web") {
    const ortw = await ortWeb();
    const s = await createWebSession(bytes, provider as "wasm" | "webgpu");
    const meta = s.inputMetadata[0] as { shape?: (number | string)[] } | undefined;
    return {
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      inputShape: meta?.shape ?? [],
      run: (feeds) =>
        serialised(async () => {
          const f: Record<string, InstanceType<typeof ortw.Tensor>> = {};
          for (const [k, t] of Object.entries(feeds)) f[k] = new ortw.Tensor("float32", t.data, t.dims);
          const out = await s.run(f);
          const r: Record<string, FloatTensor> = {};
          for (const [k, t] of Object.entries(out)) {
            r[k] = { data: t.data as Float32Array, dims: t.dims };
            t.dispose();
          }
          return r;
        }),
      release: () => serialised(() => s.release()),
    };
  }
  const ep: ort.InferenceSession.ExecutionProviderConfig = provider === "coreml"
    ? { name: "coreml", coreMlFlags: options.neuralEngine ? 0x004 : 0 } as ort.InferenceSession.ExecutionProviderConfig
    : provider;
  const s = await ort.InferenceSession.create(bytes, {
    executionProviders: [ep],
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
  });
  const meta = s.inputMetadata[0] as { shape?: (number | string)[] } | undefined;
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    inputShape: meta?.shape ?? [],
    async run(feeds) {
      const f: Record<string, ort.Tensor> = {};
      for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor("float32", t.data, t.dims);
      const out = await s.run(f);
      const r: Record<string, FloatTensor> = {};
      for (const [k, t] of Object.entries(out)) r[k] = { data: t.data as Float32Array, dims: t.dims };
      return r;
    },
    async release() {
      if (options.profilePrefix) s.endProfiling();
      await s.release();
    },
  };
}

/** Options for {@link loadModel}. */
export interface LoadModelOptions {
  /** Backend: a name (`ort-web:webgpu`), an alias (`cpu`) or "auto" ["auto"]. */
  backend?: string;
  /** Intra-op threads (0 = onnxruntime's default; onnxruntime-web runs one) [0]. */
  threads?: number;
  /** Rewrite PReLU nodes into a faster equivalent form [true]. */
  rewritePrelu?: boolean;
  /** CoreML: only use devices with the Apple Neural Engine [false]. */
  neuralEngine?: boolean;
  /** Make a model exported with batch 1 accept any batch (see makeBatchDynamic) [false]. */
  dynamicBatch?: boolean;
}

/** A loaded model: the session and what actually ran. */
export interface ModelSession {
  session: BackendSession;
  path: string;
  /** The backend resolved for this session. */
  backend: BackendName;
  /** The WebGPU adapter it runs on (null off WebGPU). */
  adapter: AdapterInfo | null;
  inputName: string;
  outputNames: readonly string[];
  /** Declared input shape (symbolic dims as strings). */
  inputShape: readonly (number | string)[];
  /** What the PReLU rewrite did (null when disabled). */
  prelu: PreluRewriteResult | null;
  /** What the batch rewrite did (null when not asked for). */
  batch: Omit<BatchRewriteResult, "bytes"> | null;
}

/**
 * Loads an ONNX model into a session on the resolved backend.
 * @param path model file
 * @param options backend, threads, rewrite
 * @returns the session and what was resolved
 * @throws {Error} naming the path when the file is missing or not a model
 * @throws {BackendUnavailableError} when the requested backend cannot run here
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<ModelSession> {
  const backend = await resolveBackend(options.backend ?? "auto");
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `Model file ${path} not found (models are not in the repository: pass --models DIR; ` +
          `see README "Models" for the files and where they come from)`,
      );
    }
    throw new Error(`Cannot read model ${path}: ${(e as Error).message}`);
  }
  return await sessionFor(bytes, path, backend, options);
}

/**
 * Loads a model held in memory (e.g. one emitted by the backbone builder) like {@link loadModel}.
 * @param bytes the encoded model
 * @param label a name for messages and records (stands in for the path)
 * @param options backend, threads, rewrites
 */
export async function loadModelBytes(
  bytes: Uint8Array,
  label: string,
  options: LoadModelOptions = {},
): Promise<ModelSession> {
  return await sessionFor(bytes, label, await resolveBackend(options.backend ?? "auto"), options);
}

async function sessionFor(
  bytes: Uint8Array,
  path: string,
  backend: BackendName,
  options: LoadModelOptions,
): Promise<ModelSession> {
  let prelu: PreluRewriteResult | null = null;
  try {
    if (options.rewritePrelu ?? true) {
      prelu = rewritePrelu(bytes);
      bytes = prelu.bytes;
    }
  } catch (e) {
    throw new Error(`Cannot read ONNX model ${path}: ${(e as Error).message}`);
  }
  let batch: Omit<BatchRewriteResult, "bytes"> | null = null;
  if (options.dynamicBatch) {
    try {
      const r = makeBatchDynamic(bytes);
      bytes = r.bytes;
      batch = { dims: r.dims, flattens: r.flattens };
    } catch (e) {
      throw new Error(`Cannot read ONNX model ${path}: ${(e as Error).message}`);
    }
  }
  let session: BackendSession;
  try {
    session = await createSession(bytes, backend, options);
  } catch (e) {
    throw new Error(`Cannot load model ${path} on ${backend}: ${firstLine(e)}`);
  }
  return {
    session,
    path,
    backend,
    adapter: (await probeBackend(backend)).adapter,
    inputName: session.inputNames[0]!,
    outputNames: session.outputNames,
    inputShape: session.inputShape,
    // Keep the counts, drop the rewritten bytes (the session holds its own copy).
    prelu: prelu ? { ...prelu, bytes: new Uint8Array(0) } : null,
    batch,
  };
}

/**
 * Runs a session on one float32 NCHW input and returns its outputs' data by name.
 * @param model a loaded model
 * @param data input values
 * @param dims input shape
 * @returns output tensors' data and dims
 */
export function runModel(
  model: ModelSession,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, FloatTensor>> {
  return model.session.run({ [model.inputName]: { data, dims } });
}

/** The adapter a model runs on and whether it is a software one, for dataset manifests and benchmark records. */
export function adapterRecord(
  model: Pick<ModelSession, "adapter">,
): { adapter: string | null; software_adapter: boolean } {
  return {
    adapter: model.adapter ? describeAdapter(model.adapter) : null,
    software_adapter: model.adapter?.software ?? false,
  };
}

/**
 * What a benchmark record says about the backend a model ran on: the name, the adapter and whether it is a
 * software one (so reports never put its timings beside a hardware GPU's unmarked).
 */
export function backendRecord(
  model: Pick<ModelSession, "backend" | "adapter">,
): { used: string; adapter: string | null; software_adapter: boolean } {
  return { used: model.backend, ...adapterRecord(model) };
}
