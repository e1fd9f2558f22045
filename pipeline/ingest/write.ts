/**
 * Write stage: moments from the photos' times and places, then the dataset — opened with its full
 * source description — and `skipped.csv`.
 * @module
 */
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic } from "../../base/atomic.ts";
import type { DatasetManifest } from "../../datasets/format.ts";
import { DatasetWriter, type DatasetWriterOptions } from "../../datasets/io.ts";
import type { CaptureInfo } from "../image/exif.ts";
import { groupMoments, type MomentOptions } from "../moments.ts";
import type { EmbeddedRows } from "./embed.ts";
import type { PendingObservation, SkippedFile } from "./types.ts";

/**
 * Writes the dataset folder and `skipped.csv`.
 * @param out dataset folder
 * @param writer dataset description (name, source, spaces, attributes, notes)
 * @param observations every observation, in photo order
 * @param rows embeddings in row order
 * @param photos capture info per photo (indexed by `PendingObservation.photo`)
 * @param moments moment limits
 * @param skipped files without observations
 * @returns the manifest written
 */
export async function writeIngest(
  out: string,
  writer: DatasetWriterOptions,
  observations: readonly PendingObservation[],
  rows: EmbeddedRows,
  photos: readonly CaptureInfo[],
  moments: MomentOptions,
  skipped: readonly SkippedFile[],
): Promise<DatasetManifest> {
  const moment = groupMoments(
    Float64Array.from(photos, (i) => i.time),
    Float64Array.from(photos, (i) => i.lat),
    Float64Array.from(photos, (i) => i.lon),
    moments,
  );
  const w = await DatasetWriter.open(out, writer);
  for (const v of rows.face) await w.faces.write(v);
  for (const v of rows.body) await w.bodies!.write(v);
  for (const p of observations) {
    p.record.moment = moment[p.photo]!;
    await w.addObservation(p.record);
  }
  const manifest = await w.close();
  await writeFileAtomic(
    join(out, "skipped.csv"),
    stringify([["file", "reason"], ...skipped.map((s) => [s.file, s.reason])]),
  );
  return manifest;
}
