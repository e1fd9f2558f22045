/**
 * Capture time and GPS position from EXIF (via exifr), with the file's modification time as a
 * fallback that is flagged as such.
 * @module
 */
import exifr from "exifr";

/** Where a photo's time came from. */
export type TimeSource = "exif" | "file" | "none";

/** Capture metadata of one photo. */
export interface CaptureInfo {
  /** ms since the Unix epoch, NaN when unknown. */
  time: number;
  timeSource: TimeSource;
  /** Degrees, NaN when unknown. */
  lat: number;
  lon: number;
}

const PICK = [
  "DateTimeOriginal",
  "CreateDate",
  "OffsetTimeOriginal",
  "OffsetTime",
  "GPSLatitude",
  "GPSLongitude",
  "GPSLatitudeRef",
  "GPSLongitudeRef",
];

/**
 * Parses an EXIF date ("YYYY:MM:DD HH:MM:SS") with an optional offset ("+02:00"). Without an offset
 * the wall-clock time is read as UTC, so results never depend on the machine's time zone.
 * @param text EXIF date text
 * @param offset EXIF OffsetTime* text, if any
 * @returns ms since the epoch, or NaN when unparseable
 */
export function parseExifDate(text: unknown, offset?: unknown): number {
  if (typeof text !== "string") return NaN;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (!y || y < 1900 || !mo || mo > 12 || !d || d > 31) return NaN;
  let t = Date.UTC(y, mo - 1, d, h!, mi!, s!);
  const o = typeof offset === "string" ? /^([+-])(\d{2}):?(\d{2})$/.exec(offset.trim()) : null;
  if (o) t -= (o[1] === "-" ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) * 60000;
  return t;
}

function degrees(v: unknown, ref: unknown): number {
  let x = NaN;
  if (typeof v === "number") x = v;
  else if (Array.isArray(v) && v.length >= 1) x = Number(v[0]) + Number(v[1] ?? 0) / 60 + Number(v[2] ?? 0) / 3600;
  if (!Number.isFinite(x)) return NaN;
  if (ref === "S" || ref === "W") x = -Math.abs(x);
  return x;
}

/**
 * Reads capture time and GPS from a photo's EXIF block.
 * @param bytes the encoded file
 * @param fileTime the file's modification time (ms), used only when `useFileTime` and EXIF has none
 * @param useFileTime fall back to the file time [false]
 * @returns time (and its source), latitude and longitude (NaN when unknown)
 */
export async function readCaptureInfo(
  bytes: Uint8Array,
  fileTime: number = NaN,
  useFileTime = false,
): Promise<CaptureInfo> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(bytes, { pick: PICK, reviveValues: false, gps: true, tiff: true, exif: true });
  } catch {
    tags = undefined; // no EXIF block, or a format exifr does not read (e.g. some WebP)
  }
  const t = tags ?? {};
  let time = parseExifDate(t.DateTimeOriginal, t.OffsetTimeOriginal ?? t.OffsetTime);
  if (Number.isNaN(time)) time = parseExifDate(t.CreateDate, t.OffsetTime);
  let timeSource: TimeSource = Number.isNaN(time) ? "none" : "exif";
  if (timeSource === "none" && useFileTime && Number.isFinite(fileTime)) {
    time = fileTime;
    timeSource = "file";
  }
  const lat = degrees(t.GPSLatitude, t.GPSLatitudeRef);
  const lon = degrees(t.GPSLongitude, t.GPSLongitudeRef);
  const ok = Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  return { time, timeSource, lat: ok ? lat : NaN, lon: ok ? lon : NaN };
}
