/**
 * The models an ingest run needs, as a plain (structured-cloneable) description that the main thread
 * and inference workers load the same way.
 * @module
 */
import { UltraFaceDetector } from "../detect/ultraface.ts";
import { YoloxPersonDetector } from "../detect/yolox.ts";
import { type FaceDetector, YuNetDetector } from "../detect/yunet.ts";
import { BODY_MODELS, Embedder, type EmbedderSpec } from "../embed/embedder.ts";
import { MODEL_FILES, modelPath, resolveFaceModel } from "../models.ts";
import type { LoadModelOptions } from "../onnx/backends.ts";

/** Which models to load, from where, with which session options. */
export interface ModelSetSpec {
  session: LoadModelOptions;
  face: { path: string; spec: EmbedderSpec };
  /** Face detector (null for aligned crops). */
  detector: { name: "yunet" | "ultraface"; path: string; inputSize: number; scoreThreshold?: number } | null;
  /** Person detector for upper bodies (null without a body model). */
  persons: { path: string } | null;
  body: { path: string; spec: EmbedderSpec } | null;
}

/** Loaded models. */
export interface ModelSet {
  face: Embedder;
  detector: FaceDetector | null;
  persons: YoloxPersonDetector | null;
  body: Embedder | null;
}

/**
 * Resolves model files (checked to exist) into a {@link ModelSetSpec}.
 * @param modelsDir models folder
 * @param o the choices of `pb embed`
 * @returns the spec
 * @throws {Error} naming a missing model file
 */
export function planModels(modelsDir: string, o: {
  session: LoadModelOptions;
  faceModel: string;
  aligned: boolean;
  faceDetector: "yunet" | "ultraface";
  detectSize: number;
  faceThreshold?: number;
  bodyModel: "osnet" | "none";
}): ModelSetSpec {
  const face = resolveFaceModel(modelsDir, o.faceModel);
  const threshold = o.faceThreshold !== undefined ? { scoreThreshold: o.faceThreshold } : {};
  const detector = o.aligned ? null : {
    name: o.faceDetector,
    path: modelPath(modelsDir, o.faceDetector === "yunet" ? MODEL_FILES.yunet : MODEL_FILES.ultraface),
    inputSize: o.detectSize,
    ...threshold,
  };
  const bodies = !o.aligned && o.bodyModel === "osnet";
  return {
    session: o.session,
    face,
    detector,
    persons: bodies ? { path: modelPath(modelsDir, MODEL_FILES.yolox) } : null,
    body: bodies ? { path: modelPath(modelsDir, MODEL_FILES.osnet), spec: BODY_MODELS.osnet! } : null,
  };
}

/**
 * Loads every model of a spec (face embedder first: it resolves the backend).
 * @param spec what to load
 * @returns the sessions
 */
export async function loadModelSet(spec: ModelSetSpec): Promise<ModelSet> {
  const s = spec.session;
  const face = await Embedder.load(spec.face.path, spec.face.spec, s);
  let detector: FaceDetector | null = null;
  if (spec.detector) {
    const d = spec.detector;
    const threshold = d.scoreThreshold !== undefined ? { scoreThreshold: d.scoreThreshold } : {};
    detector = d.name === "yunet"
      ? await YuNetDetector.load(d.path, { ...s, inputSize: d.inputSize, ...threshold })
      : await UltraFaceDetector.load(d.path, { ...s, ...threshold });
  }
  const persons = spec.persons ? await YoloxPersonDetector.load(spec.persons.path, s) : null;
  const body = spec.body ? await Embedder.load(spec.body.path, spec.body.spec, s) : null;
  return { face, detector, persons, body };
}
