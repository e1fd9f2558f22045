/**
 * ONNX Runtime execution providers ("backends") and model sessions: which providers work on this
 * machine and why the others do not, explicit selection with no silent fallback, and model loading
 * with the PReLU rewrite.
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import {
  type BatchRewriteResult,
  makeBatchDynamic,
  type PreluRewriteResult,
  probeModel,
  rewritePrelu,
} from "./graph.ts";

/** Execution providers PeopleBench knows, in the order `auto` prefers them. */
export const BACKENDS = ["cuda", "coreml", "webgpu", "cpu"] as const;
/** One execution provider. */
export type BackendName = typeof BACKENDS[number];
/** A requested backend: a provider, or `auto` (the first usable one in {@link BACKENDS} order). */
export type BackendRequest = BackendName | "auto";

/** The requested execution provider cannot run here; callers catch this to choose another. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
  /**
   * @param backend the provider that was asked for
   * @param reason why it cannot run here, in one sentence
   */
  constructor(readonly backend: string, readonly reason: string) {
    super(`Backend "${backend}" is unavailable: ${reason}`);
  }
}

/** Whether one provider can run here, and why not. */
export interface BackendStatus {
  name: BackendName;
  usable: boolean;
  /** "ok" when usable, else the reason. */
  reason: string;
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

async function tryProvider(name: BackendName): Promise<string | null> {
  try {
    const s = await ort.InferenceSession.create(probeModel(), {
      executionProviders: [name],
      logSeverityLevel: 4,
    });
    const x = new ort.Tensor("float32", Float32Array.from([-1, 2, -3, 4]), [4]);
    const out = await s.run({ x });
    const y = out.y?.data as Float32Array | undefined;
    await s.release();
    if (!y || y[0] !== 0 || y[1] !== 2) return "the probe model ran but returned wrong values";
    return null;
  } catch (e) {
    return ((e as Error).message ?? String(e)).split("\n")[0]!.trim();
  }
}

/** Static checks that explain the common reasons before anything is loaded (and avoid noisy probes). */
function precheck(name: BackendName): string | null {
  const os = Deno.build.os;
  if (name === "cpu") return null;
  if (name === "coreml") return os === "darwin" ? null : `CoreML exists only on macOS (this is ${os})`;
  if (name === "cuda") {
    if (os !== "linux" && os !== "windows") return `CUDA builds of onnxruntime-node exist for Linux and Windows only`;
    const dir = ortBinaryDir();
    const lib = os === "windows" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
    if (dir && !existsSync(join(dir, lib))) {
      return `onnxruntime-node has no CUDA provider library (${lib}; its install script downloads it)`;
    }
    if (os === "linux" && pathExists("/dev/nvidia0") === false) return "no NVIDIA GPU here (/dev/nvidia0 is absent)";
    return null;
  }
  // webgpu: Dawn needs a GPU adapter; on Linux through the Vulkan loader.
  if (os === "linux" && !LIB_DIRS.some((d) => existsSync(join(d, "libvulkan.so.1")))) {
    return "no Vulkan loader (libvulkan.so.1), which WebGPU (Dawn) needs on Linux to find a GPU adapter";
  }
  return null;
}

let cache: Promise<BackendStatus[]> | null = null;

/**
 * Checks every provider in {@link BACKENDS}: a static check first, then a one-node probe session.
 * Cached for the process.
 * @returns one status per provider, in preference order
 */
export function probeBackends(): Promise<BackendStatus[]> {
  cache ??= (async () => {
    const out: BackendStatus[] = [];
    for (const name of BACKENDS) {
      const pre = precheck(name);
      const reason = pre ?? await tryProvider(name);
      out.push({ name, usable: reason === null, reason: reason ?? "ok" });
    }
    return out;
  })();
  return cache;
}

/**
 * Resolves a request to a provider that works here.
 * @param request a provider name or "auto"
 * @returns the provider that will run
 * @throws {BackendUnavailableError} when an explicitly requested provider cannot run here
 * @throws {RangeError} for an unknown name
 */
export async function resolveBackend(request: BackendRequest): Promise<BackendName> {
  if (request !== "auto" && !(BACKENDS as readonly string[]).includes(request)) {
    throw new RangeError(`Unknown backend "${request}" (allowed: auto, ${BACKENDS.join(", ")})`);
  }
  if (request === "cpu") return "cpu";
  if (request !== "auto") {
    const pre = precheck(request);
    if (pre) throw new BackendUnavailableError(request, pre);
    const status = (await probeBackends()).find((s) => s.name === request)!;
    if (!status.usable) throw new BackendUnavailableError(request, status.reason);
    return request;
  }
  for (const s of await probeBackends()) if (s.usable) return s.name;
  return "cpu";
}

/** Options for {@link loadModel}. */
export interface LoadModelOptions {
  /** Execution provider ["auto"]. */
  backend?: BackendRequest;
  /** Intra-op threads (0 = onnxruntime's default) [0]. */
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
  session: ort.InferenceSession;
  path: string;
  /** The provider resolved for this session. */
  backend: BackendName;
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
 * Loads an ONNX model into a session on the resolved provider.
 * @param path model file
 * @param options provider, threads, rewrite
 * @returns the session and what was resolved
 * @throws {Error} naming the path when the file is missing or not a model
 * @throws {BackendUnavailableError} when the requested provider cannot run here
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
  const provider: ort.InferenceSession.ExecutionProviderConfig = backend === "coreml"
    ? { name: "coreml", coreMlFlags: options.neuralEngine ? 0x004 : 0 } as ort.InferenceSession.ExecutionProviderConfig
    : backend;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [provider],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    });
  } catch (e) {
    throw new Error(`Cannot load model ${path} on ${backend}: ${((e as Error).message ?? "").split("\n")[0]}`);
  }
  const meta = session.inputMetadata[0] as { name: string; shape?: (number | string)[] } | undefined;
  return {
    session,
    path,
    backend,
    inputName: session.inputNames[0]!,
    outputNames: session.outputNames,
    inputShape: meta?.shape ?? [],
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
export async function runModel(
  model: ModelSession,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const feeds = { [model.inputName]: new ort.Tensor("float32", data, dims) };
  const out = await model.session.run(feeds);
  const result: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [k, t] of Object.entries(out)) result[k] = { data: t.data as Float32Array, dims: t.dims };
  return result;
}
