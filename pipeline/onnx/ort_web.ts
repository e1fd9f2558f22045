/**
 * The onnxruntime-web runtime in Deno: its WebAssembly provider (one thread) and its WebGPU provider on the
 * adapter `navigator.gpu` offers (a real GPU, or a software one such as Mesa's lavapipe "llvmpipe").
 * Loaded lazily, so runs that never ask for `ort-web:*` pay nothing.
 * @module
 */

/** What the WebGPU adapter says about itself. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A fallback / software adapter (lavapipe, SwiftShader, WARP): correct but slow, never a speed reference. */
  software: boolean;
}

/** The module we load: its bundle embeds the WebAssembly binary and holds both the wasm and the WebGPU provider. */
type OrtWeb = typeof import("onnxruntime-web/webgpu");

let module_: Promise<OrtWeb> | null = null;

/**
 * Loads onnxruntime-web once, configured for Deno: one WebAssembly thread (its threaded build starts workers
 * from `blob:` URLs, which Deno refuses) and errors only in its log.
 */
export function ortWeb(): Promise<OrtWeb> {
  module_ ??= (async () => {
    const ort = await keepWorker(() => import("onnxruntime-web/webgpu"));
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    return ort;
  })();
  return module_;
}

/**
 * Runs `task` and puts back the global `Worker` if it replaced it: onnxruntime-web's Emscripten glue sees
 * `process.versions.node` in Deno and installs worker_threads' Worker, which breaks every later
 * `new Worker(url)` in this thread (e.g. the ingest's worker pool).
 */
async function keepWorker<T>(task: () => Promise<T>): Promise<T> {
  const worker = globalThis.Worker;
  try {
    return await task();
  } finally {
    if (globalThis.Worker !== worker) globalThis.Worker = worker;
  }
}

// Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid or not set" on stderr when it is unset (headless CI):
// give them a private directory, as a login session would.
function quietVulkanLoader(): void {
  try {
    if (!Deno.env.get("XDG_RUNTIME_DIR")) Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "pb-xdg-" }));
  } catch {
    // no env/write permission: the warning is harmless
  }
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|warp/i;

let adapter_: Promise<{ adapter: GPUAdapter; info: AdapterInfo } | string> | null = null;

/**
 * Asks `navigator.gpu` for an adapter once per process.
 * @returns the adapter and its description, or the reason there is none
 */
export function webgpuAdapter(): Promise<{ adapter: GPUAdapter; info: AdapterInfo } | string> {
  adapter_ ??= (async () => {
    const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
    if (!gpu) return "this Deno exposes no navigator.gpu (WebGPU)";
    quietVulkanLoader();
    let adapter: GPUAdapter | null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    } catch (e) {
      return `navigator.gpu.requestAdapter() failed: ${(e as Error).message}`;
    }
    if (!adapter) {
      return "navigator.gpu.requestAdapter() found no adapter (no GPU driver; on Linux install a Vulkan driver, " +
        "e.g. mesa-vulkan-drivers for a software one)";
    }
    const i = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const fallback = i.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
    const info: AdapterInfo = {
      vendor: i.vendor ?? "",
      architecture: i.architecture ?? "",
      device: i.device ?? "",
      description: i.description ?? "",
      software: fallback || SOFTWARE_NAMES.test(`${i.description} ${i.device}`),
    };
    return { adapter, info };
  })();
  return adapter_;
}

// PCI / Khronos vendor ids some drivers report as a number instead of a name.
const VENDOR_IDS: Record<string, string> = {
  "4318": "NVIDIA",
  "4098": "AMD",
  "32902": "Intel",
  "4203": "Apple",
  "20803": "Qualcomm",
  "5045": "ARM",
  "65541": "Mesa",
};

/** One line naming an adapter: description, vendor, architecture, and "software" when it is one. */
export function describeAdapter(a: AdapterInfo): string {
  const vendor = VENDOR_IDS[a.vendor] ? `${a.vendor} (${VENDOR_IDS[a.vendor]})` : a.vendor || "?";
  const parts = [a.description || a.device || "unnamed adapter", `vendor ${vendor}`];
  parts.push(`architecture ${a.architecture || "not reported"}`);
  parts.push(a.software ? "software/fallback adapter" : "hardware adapter");
  return parts.join(", ");
}

// One WebAssembly instance serves every onnxruntime-web session: run them one at a time.
let queue: Promise<unknown> = Promise.resolve();

/** Runs `task` after every earlier onnxruntime-web call has finished. */
export function serialised<T>(task: () => Promise<T>): Promise<T> {
  const next = queue.then(task, task);
  queue = next.catch(() => undefined);
  return next;
}

/**
 * Creates an onnxruntime-web session on its wasm or WebGPU provider.
 * @param bytes the model
 * @param provider "wasm" or "webgpu"
 * @returns the session
 * @throws {Error} when onnxruntime-web cannot create it (unsupported operator, no adapter)
 */
export async function createWebSession(
  bytes: Uint8Array,
  provider: "wasm" | "webgpu",
): Promise<import("onnxruntime-web/webgpu").InferenceSession> {
  const ort = await ortWeb();
  if (provider === "webgpu") {
    const a = await webgpuAdapter();
    if (typeof a === "string") throw new Error(a);
    // The adapter we probed and record is the one the provider uses.
    ort.env.webgpu.adapter = a.adapter;
  }
  return await serialised(() =>
    keepWorker(() =>
      ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        graphOptimizationLevel: "all",
        logSeverityLevel: 3,
      })
    )
  );
}
