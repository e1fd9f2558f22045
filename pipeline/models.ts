/**
 * Where the ONNX models are: the `--models` folder, defaulting to `../shared/models` (beside the
 * repository or the working directory) when it exists.
 * @module
 */
import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type EmbedderSpec, FACE_MODELS } from "./embed/embedder.ts";

/** Model files the pipeline uses, by role. */
export const MODEL_FILES = {
  yunet: "yunet.onnx",
  ultraface: "ultraface-rfb-320.onnx",
  yolox: "yolox-nano.onnx",
  osnet: "osnet-x0.25.onnx",
  mobilefacenet: "mobilefacenet.onnx",
  "arcface-r-512": "arcface-r-512.onnx",
} as const;

const WHERE = 'the ONNX files listed in README "Models" (yunet, ultraface-rfb-320, yolox-nano, mobilefacenet, ' +
  "arcface-r-512, osnet-x0.25; the project's CI has them in ../shared/models)";

/**
 * Finds the models folder.
 * @param dir explicit folder (from --models), or undefined for the default
 * @returns an absolute folder path
 * @throws {Error} when the folder does not exist, saying where models come from
 */
export function resolveModelsDir(dir?: string): string {
  if (dir !== undefined) {
    const p = resolve(dir);
    if (!existsSync(p)) throw new Error(`Models folder ${p} not found: it should hold ${WHERE}`);
    return p;
  }
  const repoRoot = fileURLToPath(new URL("../", import.meta.url));
  const env = Deno.env.get("PEOPLEBENCH_SHARED");
  const candidates = [
    ...(env ? [join(env, "models")] : []),
    resolve("../shared/models"),
    join(repoRoot, "..", "shared", "models"),
  ];
  for (const c of candidates) if (existsSync(c)) return resolve(c);
  throw new Error(
    `No models folder given and ${candidates[candidates.length - 1]} does not exist: pass --models DIR with ${WHERE}`,
  );
}

/**
 * Path of one model file, checked to exist.
 * @param dir models folder
 * @param file file name
 * @returns the path
 * @throws {Error} naming the missing path and where models come from
 */
export function modelPath(dir: string, file: string): string {
  const p = join(dir, file);
  if (!existsSync(p)) throw new Error(`Model file ${p} not found: --models must point at ${WHERE}`);
  return p;
}

/**
 * Resolves `--face-model`: a known name (mobilefacenet, arcface-r-512) or a path to a 112×112 ONNX
 * model (then MobileFaceNet preprocessing is assumed: RGB, (x − 127.5)/128).
 * @param dir models folder
 * @param faceModel name or path
 * @returns the file and the spec
 * @throws {Error} when the file is missing
 */
export function resolveFaceModel(dir: string, faceModel: string): { path: string; spec: EmbedderSpec } {
  const known = FACE_MODELS[faceModel];
  if (known) return { path: modelPath(dir, known.file), spec: known };
  if (!faceModel.endsWith(".onnx")) {
    throw new RangeError(
      `Unknown face model "${faceModel}" (allowed: ${Object.keys(FACE_MODELS).join(", ")}, or PATH.onnx)`,
    );
  }
  const path = resolve(faceModel);
  if (!existsSync(path)) throw new Error(`Model file ${path} not found`);
  const name = basename(path, ".onnx");
  return { path, spec: { ...FACE_MODELS.mobilefacenet!, name, file: path } };
}
