/**
 * Backend names, with no runtime loaded: the one list the CLI, the benchmark variants and the probes share.
 * @module
 */

/**
 * Backends PeopleBench knows, named `runtime:provider`: onnxruntime-node's native providers and onnxruntime-web's
 * WebAssembly and WebGPU providers (run inside Deno). This list is the one source for the CLI, the benchmark
 * variants and the probes.
 */
export const BACKENDS = [
  "ort-node:cpu",
  "ort-web:wasm",
  "ort-web:webgpu",
  "ort-node:webgpu",
  "ort-node:cuda",
  "ort-node:coreml",
] as const;
/** One backend: runtime and execution provider. */
export type BackendName = typeof BACKENDS[number];
/** Short names kept from earlier versions (and for typing). */
export const BACKEND_ALIASES: Readonly<Record<string, BackendName>> = {
  cpu: "ort-node:cpu",
  wasm: "ort-web:wasm",
  webgpu: "ort-web:webgpu",
  cuda: "ort-node:cuda",
  coreml: "ort-node:coreml",
};
/** Every name a user may write: `auto`, the full names and the aliases. */
export const BACKEND_CHOICES: readonly string[] = ["auto", ...BACKENDS, ...Object.keys(BACKEND_ALIASES)];
/**
 * The order `auto` tries: hardware accelerators first, then the CPU. `ort-web:webgpu` counts only on a hardware
 * adapter, and `ort-web:wasm` (one thread) never wins over the native CPU provider.
 */
export const AUTO_ORDER: readonly BackendName[] = [
  "ort-node:cuda",
  "ort-node:coreml",
  "ort-web:webgpu",
  "ort-node:cpu",
];
/** A requested backend: a name, an alias, or `auto`. */
export type BackendRequest = BackendName | keyof typeof BACKEND_ALIASES | "auto";

/**
 * Turns a name or alias into the canonical backend name.
 * @throws {RangeError} for an unknown name, listing the allowed ones
 */
export function canonicalBackend(name: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  const alias = BACKEND_ALIASES[name];
  if (alias) return alias;
  throw new RangeError(`Unknown backend "${name}" (allowed: ${BACKEND_CHOICES.join(", ")})`);
}

/** The runtime and provider halves of a backend name. */
export function splitBackend(name: BackendName): { runtime: "ort-node" | "ort-web"; provider: string } {
  const [runtime, provider] = name.split(":") as ["ort-node" | "ort-web", string];
  return { runtime, provider };
}
