import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { main } from "../../cli/main.ts";
import { DataFileError } from "../../base/errors.ts";
import { readDataset } from "../../datasets/io.ts";
import { readNpy, writeNpy } from "../../datasets/npy.ts";
import { writeLabels } from "../../datasets/labels.ts";
import { generateLibrary, resolveConfig } from "../../datasets/synthetic/mod.ts";
import { tempDir } from "../_shared.ts";
import { capture } from "../_cli.ts";

const N = 60;

/** A small valid dataset (face dim 8, body dim 8) in a fresh folder. */
async function validDataset(): Promise<string> {
  const dir = await tempDir();
  await generateLibrary(resolveConfig({ observations: N, identities: 6, faceDim: 8, bodyDim: 8, seed: 2 }), dir);
  return dir;
}

async function editCsv(dir: string, edit: (rows: string[][]) => void): Promise<void> {
  const path = `${dir}/observations.csv`;
  const rows = (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => l.split(","));
  edit(rows);
  await Deno.writeTextFile(path, rows.map((r) => r.join(",")).join("\n") + "\n");
}

async function editFace(dir: string, edit: (data: Float32Array, dim: number) => void): Promise<void> {
  const a = await readNpy(`${dir}/face.npy`);
  const data = a.data as Float32Array;
  edit(data, a.shape[1]!);
  await writeNpy(`${dir}/face.npy`, { dtype: "float32", shape: a.shape, data });
}

/** Each malformed case: a name, the file it breaks, a fragment of the expected message, the damage. */
const CASES: [string, string, string, (dir: string) => Promise<void>][] = [
  ["truncated face.npy", "face.npy", "truncated", async (dir) => {
    const b = await Deno.readFile(`${dir}/face.npy`);
    await Deno.writeFile(`${dir}/face.npy`, b.subarray(0, b.length - 10));
  }],
  ["float64 face.npy", "face.npy", "float64", async (dir) => {
    const a = await readNpy(`${dir}/face.npy`);
    await writeNpy(`${dir}/face.npy`, { dtype: "float64", shape: a.shape, data: Float64Array.from(a.data) });
  }],
  ["wrong dimension", "face.npy", "dimension 4", async (dir) => {
    const a = await readNpy(`${dir}/face.npy`);
    const n = a.shape[0]!;
    await writeNpy(`${dir}/face.npy`, { dtype: "float32", shape: [n, 4], data: new Float32Array(n * 4).fill(0.5) });
  }],
  ["NaN row", "face.npy", "row 3 contains NaN", (dir) => editFace(dir, (d, dim) => d[3 * dim + 1] = NaN)],
  ["Inf row", "face.npy", "row 0 contains Inf", (dir) => editFace(dir, (d) => d[2] = Infinity)],
  ["non-unit row", "face.npy", "row 5 is not L2-normalised", (dir) =>
    editFace(dir, (d, dim) => {
      for (let j = 0; j < dim; j++) d[5 * dim + j]! *= 2;
    })],
  ["row count differs from the manifest", "face.npy", "rows", async (dir) => {
    const a = await readNpy(`${dir}/face.npy`);
    const dim = a.shape[1]!;
    await writeNpy(`${dir}/face.npy`, { dtype: "float32", shape: [a.shape[0]! - 1, dim], data: a.data.slice(dim) });
  }],
  ["body.npy missing", "body.npy", "cannot read", (dir) => Deno.remove(`${dir}/body.npy`)],
  ["face_row out of range", "observations.csv", "face_row 99999 is out of range", (dir) =>
    editCsv(dir, (rows) => {
      rows[2]![rows[0]!.indexOf("face_row")] = "99999";
    })],
  ["body_row below -1", "observations.csv", "body_row -2 is out of range", (dir) =>
    editCsv(dir, (rows) => {
      rows[4]![rows[0]!.indexOf("body_row")] = "-2";
    })],
  ["duplicate id", "observations.csv", "duplicate id 0", (dir) => editCsv(dir, (rows) => rows[2]![0] = "0")],
  ["missing column", "observations.csv", "missing column(s): kind", (dir) =>
    editCsv(dir, (rows) => {
      const k = rows[0]!.indexOf("kind");
      for (const r of rows) r.splice(k, 1);
    })],
  ["ragged row", "observations.csv", "malformed CSV", (dir) => editCsv(dir, (rows) => rows[3]!.push("extra"))],
  ["fewer rows than the manifest", "observations.csv", `has ${N - 1} observations`, (dir) =>
    editCsv(dir, (rows) => {
      rows.pop();
    })],
  [
    "non-numeric moment",
    "observations.csv",
    `column "moment" is not an integer`,
    (dir) => editCsv(dir, (rows) => rows[1]![2] = "abc"),
  ],
  ["bad time", "observations.csv", "ISO 8601", (dir) => editCsv(dir, (rows) => rows[1]![3] = "yesterday")],
  ["face_quality out of 0..1", "observations.csv", "face_quality 1.5", (dir) =>
    editCsv(dir, (rows) => {
      rows[1]![rows[0]!.indexOf("face_quality")] = "1.5";
    })],
  [
    "malformed dataset.json",
    "dataset.json",
    "invalid JSON",
    (dir) => Deno.writeTextFile(`${dir}/dataset.json`, "{ not json"),
  ],
  ["wrong format tag", "dataset.json", `"format" must be "peoplebench-dataset"`, async (dir) => {
    const m = JSON.parse(await Deno.readTextFile(`${dir}/dataset.json`));
    m.format = "something-else";
    await Deno.writeTextFile(`${dir}/dataset.json`, JSON.stringify(m));
  }],
  ["unsupported version", "dataset.json", 'unsupported "version" 2', async (dir) => {
    const m = JSON.parse(await Deno.readTextFile(`${dir}/dataset.json`));
    m.version = 2;
    await Deno.writeTextFile(`${dir}/dataset.json`, JSON.stringify(m));
  }],
  ["missing dataset.json", "dataset.json", "not found", (dir) => Deno.remove(`${dir}/dataset.json`)],
];

Deno.test("readDataset accepts the untouched dataset", async () => {
  const dir = await validDataset();
  const d = await readDataset(dir);
  assertEquals(d.observations.n, N);
  await Deno.remove(dir, { recursive: true });
});

for (const [name, file, fragment, damage] of CASES) {
  Deno.test(`readDataset: ${name} gives one DataFileError line naming ${file}; pb metrics --data exits 1`, async () => {
    const dir = await validDataset();
    await damage(dir);
    const e = await assertRejects(() => readDataset(dir), DataFileError, fragment);
    assert(e.file.endsWith(file), `error names ${e.file}, expected ${file}`);
    assert(!e.message.includes("\n"), `message is not one line: ${e.message}`);
    // Through the CLI: a command that reads the dataset prints one line and exits 1.
    const pred = `${dir}-pred.csv`;
    await writeLabels(pred, new Int32Array(N));
    const r = await capture(() => main(["metrics", "--pred", pred, "--data", dir]));
    await Deno.remove(pred).catch(() => {});
    await Deno.remove(dir, { recursive: true });
    assertEquals(r.code, 1);
    const err = r.err.split("\n");
    assertEquals(err.length, 1, err.join(" | "));
    assert(err[0]!.includes(file) && err[0]!.includes(fragment), err[0]);
  });
}
