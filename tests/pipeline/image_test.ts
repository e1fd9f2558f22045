import sharp from "sharp";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { DataFileError } from "../../base/errors.ts";
import { decodeImage, resizeRgb } from "../../pipeline/image/decode.ts";
import { parseExifDate, readCaptureInfo } from "../../pipeline/image/exif.ts";
import { packChw } from "../../pipeline/image/tensor.ts";

const base = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } });
const bytes = (b: Uint8Array | ArrayBufferLike) => new Uint8Array(b as ArrayBuffer);

Deno.test("decodeImage() sniffs the real format (WebP named .jpg) and returns 8-bit RGB", async () => {
  const img = await decodeImage(bytes(await base().webp({ lossless: true }).toBuffer()), {}, "img47.jpg");
  assertEquals([img.format, img.width, img.height, img.data.length], ["webp", 64, 48, 64 * 48 * 3]);
  assertEquals(Array.from(img.data.subarray(0, 3)), [200, 100, 50]);
});

Deno.test("decodeImage() converts CMYK, 16-bit, grey and alpha inputs to 8-bit RGB", async () => {
  const cmyk = await decodeImage(bytes(await base().toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer()));
  assert(cmyk.conversions.includes("cmyk"));
  assert(Math.abs(cmyk.data[0]! - 200) < 12 && Math.abs(cmyk.data[1]! - 100) < 12, `cmyk ${cmyk.data.subarray(0, 3)}`);
  const deep = await decodeImage(bytes(await base().toColourspace("rgb16").png().toBuffer()));
  assertEquals(Array.from(deep.data.subarray(0, 3)), [200, 100, 50]);
  const grey = await decodeImage(bytes(await base().greyscale().png().toBuffer()));
  assertEquals(grey.data.length, 64 * 48 * 3);
  assert(grey.data[0] === grey.data[1] && grey.data[1] === grey.data[2]);
  const alpha = await decodeImage(
    bytes(
      await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png()
        .toBuffer(),
    ),
  );
  assert(alpha.conversions.includes("alpha"));
  assertEquals(Array.from(alpha.data.subarray(0, 3)), [255, 255, 255]); // flattened on white
});

Deno.test("decodeImage() applies EXIF orientation", async () => {
  const img = await decodeImage(bytes(await base().jpeg().withMetadata({ orientation: 6 }).toBuffer()));
  assertEquals([img.width, img.height, img.orientation], [48, 64, 6]);
});

Deno.test("decodeImage() downscales large images and reports the scale back to original pixels", async () => {
  const big = bytes(
    await sharp({ create: { width: 3000, height: 1000, channels: 3, background: "#123456" } }).jpeg().toBuffer(),
  );
  const img = await decodeImage(big, { maxSide: 600 });
  assertEquals([img.width, img.height, img.originalWidth, img.originalHeight], [600, 200, 3000, 1000]);
  assertAlmostEquals(img.scale, 5, 1e-9);
  assert(img.conversions.includes("downscaled"));
});

Deno.test("decodeImage() names the file and the problem for empty, non-image and truncated files", async () => {
  await assertRejects(() => decodeImage(new Uint8Array(), {}, "zero.jpg"), DataFileError, "zero.jpg: empty file");
  await assertRejects(
    () => decodeImage(new TextEncoder().encode("hello"), {}, "t.jpg"),
    DataFileError,
    "not a supported image",
  );
  const jpg = bytes(await base().jpeg().toBuffer());
  await assertRejects(() => decodeImage(jpg.subarray(0, jpg.length >> 1), {}, "cut.jpg"), DataFileError, "truncated");
});

Deno.test("decodeImage() calls truncated data truncated even when concurrent decodes lose libvips' message", async () => {
  // libvips keeps one error buffer: with decodes running in parallel a failure may read "Unknown error".
  const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: "#a85" } }).jpeg().toBuffer();
  const half = new Uint8Array(jpeg.subarray(0, jpeg.length >> 1));
  const errors = await Promise.all(
    Array.from({ length: 24 }, () => decodeImage(half, {}, "half.jpg").then(() => null, (e: Error) => e)),
  );
  for (const e of errors) {
    assert(e instanceof DataFileError, String(e));
    assert(e.message.startsWith("half.jpg: truncated or corrupt image data"), e.message);
  }
});

Deno.test("resizeRgb() and packChw() produce the expected tensor layout", async () => {
  const img = await decodeImage(bytes(await base().png().toBuffer()));
  const small = await resizeRgb(img, 8, 6);
  assertEquals([small.width, small.height], [8, 6]);
  const out = new Float32Array(3 * 10 * 10);
  packChw(small, out, 0, 10, 10, { order: "bgr", mean: [0, 0, 0], std: [1, 1, 1] }, 114);
  assertEquals([out[0], out[100], out[200]], [50, 100, 200]); // B, G, R planes
  assertEquals(out[9], 114); // padding column
  assertEquals(out[99], 114); // padding row
});

Deno.test("parseExifDate() reads offsets and never depends on the machine's time zone", () => {
  assertEquals(parseExifDate("2021:05:06 07:08:09"), Date.UTC(2021, 4, 6, 7, 8, 9));
  assertEquals(parseExifDate("2021:05:06 07:08:09", "+02:00"), Date.UTC(2021, 4, 6, 5, 8, 9));
  assertEquals(parseExifDate("2021:05:06 07:08:09", "-07:00"), Date.UTC(2021, 4, 6, 14, 8, 9));
  assert(Number.isNaN(parseExifDate("0000:00:00 00:00:00")));
  assert(Number.isNaN(parseExifDate(undefined)));
});

Deno.test("readCaptureInfo() reads EXIF time and GPS; the file time is used only when asked", async () => {
  const withExif = bytes(
    await base().jpeg().withExif({
      IFD0: { Make: "pb" },
      IFD2: { DateTimeOriginal: "2021:05:06 07:08:09", OffsetTimeOriginal: "+02:00" },
      IFD3: {
        GPSLatitudeRef: "S",
        GPSLatitude: "33/1 51/1 3540/100",
        GPSLongitudeRef: "E",
        GPSLongitude: "151/1 12/1 3000/100",
      },
    } as never).toBuffer(),
  );
  const info = await readCaptureInfo(withExif);
  assertEquals([info.time, info.timeSource], [Date.UTC(2021, 4, 6, 5, 8, 9), "exif"]);
  assertAlmostEquals(info.lat, -33.8598333, 1e-6);
  assertAlmostEquals(info.lon, 151.2083333, 1e-6);
  const plain = bytes(await base().jpeg().toBuffer());
  assertEquals((await readCaptureInfo(plain, 1000, false)).timeSource, "none");
  const fallback = await readCaptureInfo(plain, 1000, true);
  assertEquals([fallback.time, fallback.timeSource], [1000, "file"]);
  assertEquals((await readCaptureInfo(bytes(await base().webp().toBuffer()))).timeSource, "none");
});
