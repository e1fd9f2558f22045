/**
 * Loads the ../shared/reference lasso cases. The reference codes are saved in Fortran order, which
 * `readNpy` rejects, so this reads them by rewriting the header flag and transposing.
 * @module
 */
import { decodeNpy, readNpy } from "../../../datasets/npy.ts";
import { sharedPath } from "../../_shared.ts";

/** One lasso reference case. */
export interface LassoCase {
  name: string;
  lambda: number;
  dim: number;
  atoms: number;
  dictionary: Float32Array;
  queries: Float32Array;
  /** q × atoms, row-major. */
  codes: Float64Array;
  objective: number[];
}

/** Decodes a 2-D `.npy`, accepting Fortran order (returned in C order). */
export async function readNpyAnyOrder(path: string): Promise<{ shape: number[]; data: Float64Array | Float32Array }> {
  const bytes = await Deno.readFile(path);
  const headerEnd = bytes.indexOf(0x0a, 10);
  const header = new TextDecoder("latin1").decode(bytes.subarray(0, headerEnd));
  if (!header.includes("'fortran_order': True")) {
    const a = await readNpy(path);
    return { shape: a.shape, data: a.data as Float64Array | Float32Array };
  }
  // "True," → "False" keeps the header length; the parser does not need the comma.
  const patched = bytes.slice();
  const at = header.indexOf("True,");
  patched.set(new TextEncoder().encode("False"), at);
  const a = decodeNpy(patched, path);
  const [rows, cols] = a.shape as [number, number];
  const src = a.data as Float64Array;
  const out = new (src.constructor as Float64ArrayConstructor)(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = src[j * rows + i]!;
  return { shape: a.shape, data: out };
}

/** Reads every lasso case listed in reference.json. */
export async function loadLassoCases(): Promise<LassoCase[]> {
  const ref = JSON.parse(await Deno.readTextFile(sharedPath("reference", "reference.json")));
  const out: LassoCase[] = [];
  for (const [name, spec] of Object.entries(ref.lasso as Record<string, { lambda: number; objective: number[] }>)) {
    const d = await readNpyAnyOrder(sharedPath("reference", `${name}.dictionary.npy`));
    const q = await readNpyAnyOrder(sharedPath("reference", `${name}.queries.npy`));
    const c = await readNpyAnyOrder(sharedPath("reference", `${name}.codes.npy`));
    out.push({
      name,
      lambda: spec.lambda,
      dim: d.shape[1]!,
      atoms: d.shape[0]!,
      dictionary: d.data as Float32Array,
      queries: q.data as Float32Array,
      codes: Float64Array.from(c.data),
      objective: spec.objective,
    });
  }
  return out;
}
