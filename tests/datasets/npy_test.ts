import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import fc from "fast-check";
import { DataFileError } from "../../base/errors.ts";
import { decodeNpy, encodeNpy, NpyRowWriter, readNpy, writeNpy } from "../../datasets/npy.ts";
import { tempDir } from "../_shared.ts";

Deno.test("encodeNpy/decodeNpy round-trip every dtype and shape", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20 }),
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom("float32", "float64", "int32", "int64", "uint8"),
      (rows, cols, dtype) => {
        const n = rows * cols;
        const data = dtype === "float32"
          ? Float32Array.from({ length: n }, (_, i) => i / 3)
          : dtype === "float64"
          ? Float64Array.from({ length: n }, (_, i) => i / 7)
          : dtype === "uint8"
          ? Uint8Array.from({ length: n }, (_, i) => i % 256)
          : Int32Array.from({ length: n }, (_, i) => i - 5);
        const bytes = encodeNpy({ dtype, shape: [rows, cols], data });
        const itemBytes = dtype === "float64" || dtype === "int64" ? 8 : dtype === "uint8" ? 1 : 4;
        assertEquals((bytes.length - n * itemBytes) % 64, 0, "data starts on a 64-byte boundary");
        const back = decodeNpy(bytes);
        assertEquals(back.shape, [rows, cols]);
        assertEquals(Array.from(back.data), Array.from(data));
      },
    ),
  );
});

Deno.test("decodeNpy names the file and the problem for malformed input", () => {
  const good = encodeNpy({ dtype: "float32", shape: [3, 2], data: new Float32Array(6) });
  assertThrows(() => decodeNpy(good.slice(0, good.length - 4), "f.npy"), DataFileError, "f.npy: truncated");
  assertThrows(() => decodeNpy(new TextEncoder().encode("hello world"), "t.npy"), DataFileError, "bad magic");
  const big = encodeNpy({ dtype: "float32", shape: [1], data: new Float32Array(1) });
  const withTail = new Uint8Array(big.length + 3);
  withTail.set(big);
  assertThrows(() => decodeNpy(withTail, "x.npy"), DataFileError, "unexpected bytes");
  const bigEndian = encodeNpy({ dtype: "float32", shape: [1], data: new Float32Array(1) });
  const at = new TextDecoder("latin1").decode(bigEndian.subarray(0, 64)).indexOf("<f4");
  bigEndian[at] = ">".charCodeAt(0);
  assertThrows(() => decodeNpy(bigEndian, "be.npy"), DataFileError, "unsupported dtype '>f4'");
});

Deno.test("NpyRowWriter streams rows and writes the final shape; readNpy reads it back", async () => {
  const dir = await tempDir();
  const w = await NpyRowWriter.open(`${dir}/x.npy`, "float32", 3);
  await w.write(Float32Array.of(1, 2, 3));
  await w.write(Float32Array.of(4, 5, 6, 7, 8, 9));
  await assertRejects(() => w.write(Float32Array.of(1)), RangeError);
  await w.close();
  const a = await readNpy(`${dir}/x.npy`);
  assertEquals(a.shape, [3, 3]);
  assertEquals(Array.from(a.data), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await writeNpy(`${dir}/y.npy`, { dtype: "int32", shape: [2], data: Int32Array.of(-1, 4) });
  assertEquals(Array.from((await readNpy(`${dir}/y.npy`)).data), [-1, 4]);
  await assertRejects(() => readNpy(`${dir}/missing.npy`), DataFileError, "missing.npy");
  assert(true);
});

Deno.test("decodeNpy reorders Fortran-order arrays into C order", () => {
  // numpy's np.asfortranarray([[1, 2, 3], [4, 5, 6]]) stores columns first: 1 4 2 5 3 6.
  const c = encodeNpy({ dtype: "float64", shape: [2, 3], data: Float64Array.of(1, 4, 2, 5, 3, 6) });
  const at = new TextDecoder("latin1").decode(c.subarray(0, 64)).indexOf("False");
  c.set(new TextEncoder().encode("True, "), at);
  const a = decodeNpy(c, "f.npy");
  assertEquals(a.shape, [2, 3]);
  assertEquals(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
});
