/**
 * Picks the tfjs backend for from-scratch training: `wasm` (tfjs-backend-wasm, offline: its .wasm files are read
 * from the installed package), `webgpu` (tfjs-backend-webgpu on Deno's navigator.gpu; refused with one line when
 * there is no adapter, labelled software on a fallback adapter such as lavapipe) or `cpu` (tfjs's plain JS
 * kernels: slow, a reference).
 * @module
 */
import { dirname } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { UsageError } from "../../base/errors.ts";
import { describeAdapter, webgpuAdapter } from "../../pipeline/onnx/ort_web.ts";

/** The tfjs backends training can use. */
export const SCRATCH_BACKENDS = ["wasm", "webgpu", "cpu"] as const;
/** One backend id. */
export type ScratchBackend = typeof SCRATCH_BACKENDS[number];

/** What was selected. */
export interface BackendInfo {
  backend: ScratchBackend;
  /** One line: the adapter for webgpu, the wasm flavour, or "JavaScript kernels". */
  device: string;
  /** True on a software WebGPU adapter: its timings say nothing about a GPU. */
  software: boolean;
}

function wasmDir(): string {
  const main = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
  // main is …/tfjs-backend-wasm/dist/index.js (or a bundle beside the .wasm files in dist/).
  return pathToFileURL(dirname(main)).href + "/";
}

/**
 * Makes `backend` tfjs's current backend.
 * @throws {UsageError} for webgpu when there is no adapter (one line saying why), or when tfjs refuses the backend
 */
export async function selectBackend(backend: ScratchBackend): Promise<BackendInfo> {
  if (tf.getBackend() === backend && current) return current;
  // Production mode: no console banners (the cpu backend's "install tfjs-node", WebGPU's sync-read notice).
  tf.env().set("PROD", true);
  let device: string, software = false;
  if (backend === "wasm") {
    setWasmPaths(wasmDir());
    device = "tfjs-backend-wasm";
  } else if (backend === "webgpu") {
    const a = await webgpuAdapter();
    if (typeof a === "string") throw new UsageError(`--backend webgpu: ${a}`);
    await import("@tensorflow/tfjs-backend-webgpu");
    device = describeAdapter(a.info);
    software = a.info.software;
  } else device = "tfjs cpu (JavaScript kernels)";
  if (!(await tf.setBackend(backend))) throw new UsageError(`--backend ${backend}: tfjs could not initialise it`);
  await tf.ready();
  if (backend === "wasm") device += tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? " (SIMD)" : "";
  current = { backend, device, software };
  return current;
}

let current: BackendInfo | null = null;

/** Whether a WebGPU adapter exists (for tests that skip without one): null when it does, else why not. */
export async function webgpuUnavailable(): Promise<string | null> {
  const a = await webgpuAdapter();
  return typeof a === "string" ? a : null;
}
