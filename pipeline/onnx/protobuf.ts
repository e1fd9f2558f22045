/**
 * A minimal protocol-buffers wire-format reader and writer: enough to walk an ONNX `ModelProto`,
 * replace some `NodeProto`s and write it back byte-exact everywhere else. Fields are kept as raw
 * encoded slices, so unknown fields and fields we do not touch survive unchanged.
 * @module
 */

/** Wire types of the protobuf encoding. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** One encoded field of a message. */
export interface PbField {
  /** Field number. */
  no: number;
  /** Wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
  wire: number;
  /** The whole encoded field, tag included (re-emitted as is when unchanged). */
  raw: Uint8Array;
  /** The payload: bytes of a length-delimited field, or the value bytes of a fixed field. */
  data: Uint8Array;
  /** The value of a varint field (as a bigint, int64-safe); 0n for other wire types. */
  varint: bigint;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new SyntaxError("Cannot parse protobuf: truncated varint");
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new SyntaxError("Cannot parse protobuf: varint longer than 10 bytes");
  }
}

/**
 * Splits an encoded message into its fields, in file order.
 * @param buf the encoded message
 * @returns the fields, each with its raw slice
 * @throws {SyntaxError} when the bytes are not a valid protobuf encoding
 */
export function parseMessage(buf: Uint8Array): PbField[] {
  const fields: PbField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let data: Uint8Array;
    let varint = 0n;
    if (wire === WIRE.VARINT) {
      const [v, p2] = readVarint(buf, pos);
      varint = v;
      data = buf.subarray(pos, p2);
      pos = p2;
    } else if (wire === WIRE.LEN) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new SyntaxError(`Cannot parse protobuf: field ${no} runs past the end`);
      data = buf.subarray(p2, end);
      pos = end;
    } else if (wire === WIRE.I64 || wire === WIRE.I32) {
      const end = pos + (wire === WIRE.I64 ? 8 : 4);
      if (end > buf.length) throw new SyntaxError(`Cannot parse protobuf: field ${no} runs past the end`);
      data = buf.subarray(pos, end);
      pos = end;
    } else {
      throw new SyntaxError(`Cannot parse protobuf: unsupported wire type ${wire} at byte ${start}`);
    }
    fields.push({ no, wire, raw: buf.subarray(start, pos), data, varint });
  }
  return fields;
}

/** Encodes an unsigned varint (non-negative integers up to 2^64). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) v = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encodes a length-delimited field (sub-message, string or bytes). */
export function lenField(no: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return concatBytes([encodeVarint((no << 3) | WIRE.LEN), encodeVarint(bytes.length), bytes]);
}

/** Encodes a varint field. */
export function varintField(no: number, value: number | bigint): Uint8Array {
  return concatBytes([encodeVarint((no << 3) | WIRE.VARINT), encodeVarint(value)]);
}

/** Decodes a length-delimited field as UTF-8 text. */
export function fieldText(f: PbField): string {
  return new TextDecoder().decode(f.data);
}

/** Reads a repeated int64 field that may be packed or unpacked. */
export function repeatedInts(fields: readonly PbField[], no: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.no !== no) continue;
    if (f.wire === WIRE.VARINT) out.push(Number(BigInt.asIntN(64, f.varint)));
    else if (f.wire === WIRE.LEN) {
      let p = 0;
      while (p < f.data.length) {
        const [v, q] = readVarint(f.data, p);
        out.push(Number(BigInt.asIntN(64, v)));
        p = q;
      }
    }
  }
  return out;
}
