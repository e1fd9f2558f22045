/**
 * Types shared by the ingest stages (decode → detect+align → embed → write) and their public face,
 * `embedImages()` in `pipeline/embed_images.ts`.
 * @module
 */
import type { LeftOutColumn } from "../../datasets/attributes.ts";
import type { ConfidenceMode } from "../confidence_model.ts";
import type { DatasetManifest, ObservationRecord } from "../../datasets/format.ts";
import type { DecodedImage } from "../image/decode.ts";
import type { CaptureInfo } from "../image/exif.ts";
import type { MomentOptions } from "../moments.ts";
import type { BackendName, BackendRequest } from "../onnx/backends.ts";
import type { FaceCues } from "../quality.ts";
import type { SessionCall } from "./protocol.ts";

/** Which face of a labelled photo carries the label. */
export const LABEL_FACE_RULES = ["largest", "central"] as const;
/** One of {@link LABEL_FACE_RULES}. */
export type LabelFaceRule = typeof LABEL_FACE_RULES[number];

/** Options for `embedImages()`. Defaults in brackets. */
export interface EmbedImagesOptions {
  /** Folder of images (searched recursively). */
  images: string;
  /** Output dataset folder. */
  out: string;
  /** "photos": full photos; "identity-folders": each top-level subfolder is one identity ["photos"]. */
  layout?: "photos" | "identity-folders";
  /** CSV `file,identity` (file relative to `images`) labelling photos of one person. */
  labels?: string;
  /** Inputs are already ArcFace-aligned face crops: no detection [false]. */
  aligned?: boolean;
  /** Models folder [../shared/models when it exists]. */
  models?: string;
  /** Face detector ["yunet"]. */
  faceDetector?: "yunet" | "ultraface";
  /** Face model: "mobilefacenet", "arcface-r-512" or PATH.onnx ["mobilefacenet"]. */
  faceModel?: string;
  /** Upper-body model, or none ["osnet"; "none" with `aligned`]. */
  bodyModel?: "osnet" | "none";
  /** Execution provider ["auto"]. */
  backend?: BackendRequest;
  /** Inference workers, each with its own sessions; 0 runs the models in this thread [all cores]. */
  workers?: number;
  /** Intra-op threads per session [1 with workers, all cores without]. */
  threads?: number;
  /** Largest embedding batch; crops of consecutive photos share batches [{@link DEFAULT_BATCH}]. */
  batch?: number;
  /** Photos decoded and detected ahead of the one being consumed [2 × workers + 2]. */
  prefetch?: number;
  /** Log every `session.run` (model and input shape) in the result, for the benchmark's bare loop [false]. */
  recordCalls?: boolean;
  /** Rewrite PReLU nodes at load [true]. */
  rewritePrelu?: boolean;
  /** CoreML only: restrict to devices with the Apple Neural Engine [false]. */
  neuralEngine?: boolean;
  /** CSV with an `identity` column and attribute columns (e.g. `gender`). */
  attributes?: string;
  /** Which attribute columns to keep [every column but identity that groups people: not names, ids or counts]. */
  attributeColumns?: string[];
  /** Moment grouping limits [3 h, 1 km]. */
  moments?: MomentOptions;
  /** Use the file modification time when EXIF has no capture time (counted as such in the manifest) [false]. */
  fileTime?: boolean;
  /** Decode at most this many pixels on the longer side [4096]. */
  maxSide?: number;
  /** Longer side for face detection [640]. */
  detectSize?: number;
  /**
   * Decode every photo whole, resize the detection copy from it and cut the crops from it, as before the
   * shrink-on-load pipeline: bit-identical detections and crops, slower on large photos. Otherwise JPEGs
   * at least 4× the detection size shrink on load for detection, and their crops come from the detection
   * copy, a DCT-scaled region or a region of the frame, whichever is coarsest with a source pixel per
   * crop pixel [false].
   */
  exactDecode?: boolean;
  /** YuNet / UltraFace score threshold [0.6 / 0.7]. */
  faceThreshold?: number;
  /** Also keep people whose face was not found, as `body_only` observations [false]. */
  keepBodyOnly?: boolean;
  /** Faces with unclear score ≥ this get kind "unclear" [0.5]; `face_quality` is 1 − the unclear score. */
  unclearThreshold?: number;
  /** Which face of a labelled photo gets the label: the largest, or the one nearest the centre [largest]. */
  labelFace?: LabelFaceRule;
  /** Embed each face crop and its mirror image and average them (flip test-time augmentation) [false]. */
  flipTta?: boolean;
  /** A confidence-branch classifier file (`pb train confidence`) whose score joins or replaces the cues [none]. */
  confidenceModel?: string;
  /** How the branch meets the cue score [join]. */
  confidenceMode?: ConfidenceMode;
  /** Dataset name [the images folder's name]. */
  name?: string;
  /** Called with (0, files total) before the first file and after each file with (files done, files total). */
  onProgress?: (done: number, total: number) => void;
}

/** A file that produced no observation, and why. */
export interface SkippedFile {
  /** Path relative to the images folder. */
  file: string;
  reason: string;
}

/** Embedding batch size by default: small enough that activations stay in cache (batch 32 costs ~2× per crop). */
export const DEFAULT_BATCH = 8;

/**
 * Seconds per stage. Stages overlap (decoding runs on libvips threads, inference in workers), so these
 * are busy times summed over everything doing that stage, not slices of the wall time.
 */
export interface StageSeconds {
  /** Starting the workers and loading the models. */
  load: number;
  /** Reading files, EXIF and headers, decoding the detection copies and the crop regions (in flight, overlapping). */
  decode: number;
  /** Detector calls (in the workers: resize to the model's input, packing, ONNX Runtime, box decoding). */
  detect: number;
  /** Planning the crops (association, alignment transforms), aligning and cutting them (main thread). */
  align: number;
  /** Embedder calls (packing, ONNX Runtime, normalising). */
  embed: number;
  /** Moments, the dataset files and skipped.csv. */
  write: number;
}

/**
 * Where a photo's crops were cut from: the whole decoded frame (photos that do not shrink on load, and
 * `exactDecode`), the detection copy, a region decoded at `scale k` original pixels per pixel (JPEG DCT
 * scaling), a region of the frame, or none (no crop reads a pixel).
 */
export type CropSourceKind = "frame" | "copy" | "scale 9" | "scale 5" | "scale 3" | "scale 2" | "frame region" | "none";

/** What `embedImages()` did. */
export interface EmbedImagesResult {
  manifest: DatasetManifest;
  /** Candidate image files found. */
  files: number;
  /** Files that yielded at least one observation. */
  photos: number;
  faces: number;
  bodies: number;
  skipped: SkippedFile[];
  /** Columns of the `attributes` table left out as free columns (names, counts), with the reason. */
  attributesLeftOut: LeftOutColumn[];
  /** Provider that ran the models. */
  backend: BackendName;
  seconds: number;
  /** Seconds spent per stage. */
  stageSeconds: StageSeconds;
  /** Photos by where their crops were cut from. */
  cropSources: Partial<Record<CropSourceKind, number>>;
  /**
   * The inference side: parallel lanes, the pipeline's wall time (listing to last embedding), the CPU time of
   * the whole process (every thread) over that span, time in ONNX Runtime.
   */
  inference: {
    lanes: number;
    pipelineSeconds: number;
    pipelineCpuSeconds: number;
    ortSeconds: number;
    calls: SessionCall[];
  };
}

/** One observation on its way to the dataset: the record, its photo's index, and the face cues. */
export interface PendingObservation {
  record: ObservationRecord;
  /** Index of the photo among the photos that yielded observations (moments are per photo). */
  photo: number;
  /** Unclear-score cues (the embedding norm is filled in by the embed stage); null without a face. */
  cues: FaceCues | null;
}

/** Output of the decode stage for one file. */
export interface DecodedPhoto {
  /** Path relative to the images folder, with "/" separators. */
  rel: string;
  info: CaptureInfo;
  image: DecodedImage;
}
