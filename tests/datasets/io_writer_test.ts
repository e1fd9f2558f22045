import { assertEquals } from "../_assert.ts";
import fc from "fast-check";
import { categoricalBuilder, categoricalValue, type Dataset, DATASET_FORMAT } from "../../datasets/format.ts";
import { readDataset, writeDataset } from "../../datasets/io.ts";
import { tempDir } from "../_shared.ts";

/** A one-face-per-row dataset whose text cells are the given strings. */
function datasetWith(assets: string[], identities: string[], kinds: string[]): Omit<Dataset, "dir"> {
  const n = assets.length;
  const a = categoricalBuilder(n), id = categoricalBuilder(n), k = categoricalBuilder(n);
  for (let i = 0; i < n; i++) {
    a.column.codes[i] = a.code(assets[i]!);
    id.column.codes[i] = id.code(identities[i]!);
    k.column.codes[i] = k.code(kinds[i]!);
  }
  const face = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) face[i * 2] = 1;
  return {
    manifest: {
      format: DATASET_FORMAT,
      version: 1,
      name: "csv-quoting",
      source: {},
      seed: null,
      counts: { observations: n, assets: 0, moments: 0, identities: 0, faces: n, bodies: 0 },
      face: { dim: 2, model: "test" },
      body: null,
      attributes: [],
      notes: "",
    },
    observations: {
      n,
      asset: a.column,
      moment: new Int32Array(n),
      time: new Float64Array(n).fill(NaN),
      lat: new Float64Array(n).fill(NaN),
      lon: new Float64Array(n).fill(NaN),
      identity: id.column,
      attributes: new Map(),
      faceRow: Int32Array.from({ length: n }, (_, i) => i),
      bodyRow: new Int32Array(n).fill(-1),
      faceQuality: new Float32Array(n).fill(NaN),
      faceBox: new Float32Array(n * 4).fill(NaN),
      bodyBox: new Float32Array(n * 4).fill(NaN),
      kind: k.column,
    },
    face,
    body: null,
  };
}

Deno.test("DatasetWriter quotes text cells so any string survives a write/read round trip (fast-check)", async () => {
  const dir = await tempDir();
  const cell = fc.oneof(
    fc.string(),
    fc.constantFrom("a,b", 'say "hi"', "two\nlines", "cr\r\nlf", '"', ",", " padded ", ""),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 8 }), async (rows) => {
      const d = datasetWith(rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]));
      await writeDataset(dir, d);
      const back = await readDataset(dir);
      for (let i = 0; i < rows.length; i++) {
        assertEquals(categoricalValue(back.observations.asset, i), rows[i]![0]);
        assertEquals(categoricalValue(back.observations.identity, i), rows[i]![1]);
        assertEquals(categoricalValue(back.observations.kind, i), rows[i]![2]);
      }
    }),
    { numRuns: 60 },
  );
  await Deno.remove(dir, { recursive: true });
});
