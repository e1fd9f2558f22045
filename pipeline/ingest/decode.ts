/**
 * Decode stage: read a file, its EXIF capture time and GPS, and its pixels (upright 8-bit RGB).
 * Failures come back as a {@link SkippedFile} with the reason, never as an exception.
 * @module
 */
import { join } from "node:path";
import { DataFileError } from "../../base/errors.ts";
import { decodeImage } from "../image/decode.ts";
import { readCaptureInfo } from "../image/exif.ts";
import type { DecodedPhoto, SkippedFile } from "./types.ts";

/** Options of the decode stage. */
export interface DecodeStageOptions {
  /** Decode at most this many pixels on the longer side. */
  maxSide: number;
  /** Fall back to the file's modification time when EXIF has no capture time. */
  fileTime: boolean;
}

/** The reason to report for a failed file. */
export function skipReason(e: unknown): string {
  return e instanceof DataFileError ? e.problem : (e as Error).message;
}

/**
 * Reads the file's bytes and modification time (only when `fileTime` asks for it) and its EXIF.
 * @param root images folder
 * @param rel path relative to it
 * @param fileTime whether the modification time is needed
 * @returns the bytes and capture info
 */
export async function readPhotoFile(root: string, rel: string, fileTime: boolean) {
  const path = join(root, rel);
  const bytes = await Deno.readFile(path);
  const mtime = fileTime ? (await Deno.stat(path)).mtime?.getTime() ?? NaN : NaN;
  const info = await readCaptureInfo(bytes, mtime, fileTime);
  return { bytes, info };
}

/**
 * Decodes one photo at full resolution (up to `maxSide`).
 * @param root images folder
 * @param rel path relative to it
 * @param options size limit and time fallback
 * @returns the decoded photo, or why it was skipped
 */
export async function decodePhoto(
  root: string,
  rel: string,
  options: DecodeStageOptions,
): Promise<DecodedPhoto | SkippedFile> {
  try {
    const { bytes, info } = await readPhotoFile(root, rel, options.fileTime);
    const image = await decodeImage(bytes, { maxSide: options.maxSide }, rel);
    return { rel, info, image };
  } catch (e) {
    return { file: rel, reason: skipReason(e) };
  }
}
