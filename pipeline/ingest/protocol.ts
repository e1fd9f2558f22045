/**
 * Messages between the ingest pipeline and its inference workers (structured clone; pixel and vector
 * buffers are transferred, not copied).
 * @module
 */
import type { Detection } from "../detect/nms.ts";
import type { RgbImage } from "../image/decode.ts";
import type { ModelSetSpec } from "./models.ts";

/** The models a worker can run. */
export type ModelRole = "detector" | "persons" | "face" | "body";

/** A request to a worker. */
export type WorkerRequest =
  | { type: "init"; spec: ModelSetSpec; record: boolean }
  | { type: "detect"; id: number; image: RgbImage }
  | { type: "embed"; id: number; role: "face" | "body"; crops: RgbImage[] }
  | { type: "bare"; id: number; role: ModelRole; dims: number[] }
  | { type: "calls" };

/** One `session.run` a worker made: which model, the input's shape and how long it took. */
export interface SessionCall {
  role: ModelRole;
  dims: number[];
  ms: number;
}

/** What the loaded models are, for the dataset's description. */
export interface ModelSetInfo {
  backend: string;
  /** The WebGPU adapter (null off WebGPU) and whether it is a software one. */
  adapter: string | null;
  software_adapter: boolean;
  face: { name: string; dim: number; file: string; prelu: Record<string, unknown> | null };
  detector: { name: string; file: string } | null;
  persons: { name: string; file: string } | null;
  body: { name: string; dim: number; file: string } | null;
}

/** A worker's answer. `ms`: time in the worker; `ortMs`: of which inside `session.run`. */
export type WorkerResponse =
  | { type: "ready"; info: ModelSetInfo }
  | { type: "detected"; id: number; faces: Detection[]; people: Detection[]; ms: number; ortMs: number }
  | { type: "embedded"; id: number; vectors: Float32Array; norms: Float32Array; ms: number; ortMs: number }
  | { type: "ran"; id: number; ms: number }
  | { type: "calls"; calls: SessionCall[] }
  | { type: "error"; id: number | null; message: string };
