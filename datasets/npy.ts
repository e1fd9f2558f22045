/**
 * NumPy `.npy` files (format versions 1–3), read and written without numpy.
 *
 * Supports little-endian float32, float64, int32, int64 (read as float64-safe integers into an
 * Int32Array when in range) and uint8, C order. Every problem is reported as a {@link DataFileError}
 * naming the file. Writes are atomic (temporary file, then rename).
 *
 * @module
 */
import { DataFileError } from "../base/errors.ts";
import { writeFileAtomic } from "../base/atomic.ts";

/** The element types PeopleBench reads and writes. */
export type NpyDtype = "float32" | "float64" | "int32" | "int64" | "uint8";

/** An array read from or written to a `.npy` file. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

const DESCR: Record<NpyDtype, string> = {
  float32: "<f4",
  float64: "<f8",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
};
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function dtypeFromDescr(descr: string): NpyDtype | undefined {
  for (const [k, v] of Object.entries(DESCR)) {
    if (v === descr || (k === "uint8" && descr === "<u1")) return k as NpyDtype;
  }
  return undefined;
}

/** Parses the header of a `.npy` buffer. Returns the dtype, shape and data offset. */
export function parseNpyHeader(
  bytes: Uint8Array,
  file: string,
): { dtype: NpyDtype; shape: number[]; offset: number; descr: string; fortranOrder: boolean } {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new DataFileError(file, "not a .npy file (bad magic bytes)");
  }
  const major = bytes[6]!;
  let headerLen: number, start: number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataFileError(file, "truncated .npy header");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new DataFileError(file, `unsupported .npy format version ${major}`);
  }
  if (start + headerLen > bytes.length) throw new DataFileError(file, "truncated .npy header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataFileError(file, `malformed .npy header: ${header.trim()}`);
  }
  const dtype = dtypeFromDescr(descr);
  if (dtype === undefined) {
    throw new DataFileError(
      file,
      `unsupported dtype '${descr}' (expected little-endian float32, float64, int32, int64 or uint8)`,
    );
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new DataFileError(file, `bad shape (${shapeText})`);
  return { dtype, shape, offset: start + headerLen, descr, fortranOrder: fortran === "True" };
}

/**
 * Decodes a whole `.npy` buffer into C order (Fortran-order files, as numpy writes for transposed arrays,
 * are reordered). int64 data is returned as Int32Array when every value fits.
 */
export function decodeNpy(bytes: Uint8Array, file = "<buffer>"): NpyArray {
  const array = decodeNpyRaw(bytes, file);
  return array.fortranOrder ? { dtype: array.dtype, shape: array.shape, data: toCOrder(array.data, array.shape) } : {
    dtype: array.dtype,
    shape: array.shape,
    data: array.data,
  };
}

/** Reorders a Fortran-order (column-major) payload of any rank into C order. */
function toCOrder<T extends NpyArray["data"]>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const rank = shape.length;
  if (rank < 2) return data;
  const fStride = new Array<number>(rank);
  fStride[0] = 1;
  for (let k = 1; k < rank; k++) fStride[k] = fStride[k - 1]! * shape[k - 1]!;
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  // Walk the output in C order, keeping the Fortran offset of the current index in step.
  for (let c = 0; c < data.length; c++) {
    out[c] = data[src]!;
    for (let k = rank - 1; k >= 0; k--) {
      index[k]!++;
      src += fStride[k]!;
      if (index[k]! < shape[k]!) break;
      src -= fStride[k]! * shape[k]!;
      index[k] = 0;
    }
  }
  return out;
}

function decodeNpyRaw(bytes: Uint8Array, file: string): NpyArray & { fortranOrder: boolean } {
  const { dtype, shape, offset, fortranOrder } = parseNpyHeader(bytes, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * BYTES[dtype];
  const have = bytes.length - offset;
  if (have < need) {
    throw new DataFileError(file, `truncated: shape (${shape.join(", ")}) needs ${need} data bytes, file has ${have}`);
  }
  if (have > need) {
    throw new DataFileError(file, `${have - need} unexpected bytes after the data of shape (${shape.join(", ")})`);
  }
  // View the payload in place when it is aligned (our own writers align it); copy otherwise, since the
  // data offset need not be a multiple of the element size. Zero-copy halves peak memory on big files.
  const start = bytes.byteOffset + offset;
  const raw = start % BYTES[dtype] === 0 ? bytes.buffer : bytes.slice(offset, offset + need).buffer;
  const at = start % BYTES[dtype] === 0 ? start : 0;
  switch (dtype) {
    case "float32":
      return { dtype, shape, fortranOrder, data: new Float32Array(raw, at, count) };
    case "float64":
      return { dtype, shape, fortranOrder, data: new Float64Array(raw, at, count) };
    case "int32":
      return { dtype, shape, fortranOrder, data: new Int32Array(raw, at, count) };
    case "uint8":
      return { dtype, shape, fortranOrder, data: new Uint8Array(raw, at, count) };
    case "int64": {
      const big = new BigInt64Array(raw, at, count);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = big[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new DataFileError(file, `int64 value ${v} at index ${i} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return { dtype: "int32", shape, fortranOrder, data: out };
    }
  }
}

/** Reads a `.npy` file. @throws {DataFileError} naming the file and the problem. */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read: ${(e as Error).message}`);
  }
  return decodeNpy(bytes, path);
}

/** Builds a `.npy` v1.0 header padded so the data starts at a multiple of 64 bytes. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[], minLength = 0): Uint8Array {
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const total = Math.max(minLength, Math.ceil((10 + dict.length + 1) / 64) * 64);
  dict = dict.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/** Encodes an array as `.npy` bytes. @throws {RangeError} when data length and shape disagree. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new RangeError(
      `npy: data has ${array.data.length} elements, shape (${array.shape.join(", ")}) needs ${count}`,
    );
  }
  let payload: Uint8Array;
  if (array.dtype === "int64") {
    const big = new BigInt64Array(count);
    for (let i = 0; i < count; i++) big[i] = BigInt(array.data[i]!);
    payload = new Uint8Array(big.buffer);
  } else {
    payload = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  }
  const header = encodeNpyHeader(array.dtype, array.shape);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

/** Writes an array as a `.npy` file, atomically. */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}

/**
 * Streams rows into a `.npy` file whose row count is not known in advance (the header is
 * rewritten with the final shape on {@link NpyRowWriter.close}). Holds only its small buffer in memory.
 */
export class NpyRowWriter {
  #file: Deno.FsFile | undefined;
  #tmp: string;
  #rows = 0;
  #buffer: Uint8Array;
  #used = 0;
  static readonly HEADER_BYTES = 128;

  private constructor(
    readonly path: string,
    readonly dtype: "float32" | "int32",
    readonly rowLength: number,
    file: Deno.FsFile,
    tmp: string,
  ) {
    this.#file = file;
    this.#tmp = tmp;
    this.#buffer = new Uint8Array(1 << 20);
  }

  /** Opens a writer for rows of `rowLength` elements. */
  static async open(path: string, dtype: "float32" | "int32", rowLength: number): Promise<NpyRowWriter> {
    const tmp = `${path}.tmp-${Deno.pid}`;
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    await file.write(new Uint8Array(NpyRowWriter.HEADER_BYTES));
    return new NpyRowWriter(path, dtype, rowLength, file, tmp);
  }

  /** Number of rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Appends one or more whole rows. @throws {RangeError} on a partial row. */
  async write(values: Float32Array | Int32Array): Promise<void> {
    if (values.length % this.rowLength !== 0) {
      throw new RangeError(`NpyRowWriter: ${values.length} values is not a whole number of rows of ${this.rowLength}`);
    }
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (this.#used + bytes.length > this.#buffer.length) await this.#flush();
    if (bytes.length > this.#buffer.length) await this.#writeAll(bytes);
    else {
      this.#buffer.set(bytes, this.#used);
      this.#used += bytes.length;
    }
    this.#rows += values.length / this.rowLength;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.#file!.write(bytes.subarray(off));
  }

  async #flush(): Promise<void> {
    if (this.#used > 0) await this.#writeAll(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  /** Writes the final header and renames the file into place. */
  async close(): Promise<void> {
    await this.#flush();
    const header = encodeNpyHeader(this.dtype, [this.#rows, this.rowLength], NpyRowWriter.HEADER_BYTES);
    if (header.length !== NpyRowWriter.HEADER_BYTES) throw new Error("npy header grew beyond its reserved size");
    await this.#file!.seek(0, Deno.SeekMode.Start);
    await this.#writeAll(header);
    this.#file!.close();
    this.#file = undefined;
    await Deno.rename(this.#tmp, this.path);
  }
}
