import { assert, assertEquals } from "../_assert.ts";
import { main } from "../../cli/main.ts";
import { readLabels } from "../../datasets/labels.ts";
import { readNpy, writeNpy } from "../../datasets/npy.ts";
import { DatasetWriter } from "../../datasets/io.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import { tempDir } from "../_shared.ts";
import { capture } from "../_cli.ts";
import { availableCores } from "../../base/cores.ts";
import { commandHelp } from "../../cli/command.ts";
import { CLUSTER_DEFAULTS, clusterCommand } from "../../cli/commands/cluster.ts";

function unit(rng: Rng, centre: Float32Array, noise: number): Float32Array {
  const v = new Float32Array(centre.length);
  let s = 0;
  for (let k = 0; k < v.length; k++) (v[k] = centre[k]! + noise * rng.normal(), s += v[k]! ** 2);
  return v.map((x) => x / Math.sqrt(s));
}

/** A small hand-made dataset: 4 people × 12 observations, faces and bodies, 3 moments, some body-only. */
async function smallDataset(dir: string): Promise<void> {
  const rng = new Rng(5), dim = 8;
  const centres = Array.from({ length: 4 }, () => unit(rng, new Float32Array(dim), 1));
  const w = await DatasetWriter.open(dir, {
    name: "hand-made",
    source: { test: true },
    seed: 5,
    face: { dim, model: "test" },
    body: { dim, model: "test" },
    attributes: [],
  });
  for (let i = 0; i < 48; i++) {
    const p = i % 4, moment = i % 3;
    const bodyOnly = i % 11 === 0;
    const faceRow = bodyOnly ? -1 : await w.addFace(unit(rng, centres[p]!, 0.15));
    const bodyRow = await w.addBody(unit(rng, centres[(p + moment) % 4]!, 0.1));
    await w.addObservation({
      asset: `img${i}.jpg`,
      moment,
      time: Date.UTC(2024, 0, 1) + i * 60_000,
      lat: NaN,
      lon: NaN,
      identity: `person${p}`,
      attributes: {},
      faceRow,
      bodyRow,
      faceQuality: 0.9,
      faceBox: null,
      bodyBox: null,
      kind: bodyOnly ? "body_only" : "clear",
    });
  }
  await w.close();
}

Deno.test("pb cluster clusters a dataset (two-pass) and writes labels, merges and iterations", async () => {
  const dir = await tempDir();
  await smallDataset(`${dir}/ds`);
  const r = await capture(() =>
    main([
      "cluster",
      "--data",
      `${dir}/ds`,
      "--linkage",
      "median",
      "--threshold",
      "0.3",
      "--first-pass",
      "greedy",
      "--first-threshold",
      "0.2",
      "--out",
      `${dir}/labels.csv`,
      "--merges",
      `${dir}/merges.npy`,
      "--iterations",
      `${dir}/it.csv`,
      "--json",
    ])
  );
  assertEquals(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  for (const k of ["clusters", "seconds", "peak_rss_mb", "inversions", "metrics"]) assert(k in s, k);
  assert(s.metrics.bcubed.f1 > 0.8, `BCubed F ${s.metrics.bcubed.f1}`);
  const labels = await readLabels(`${dir}/labels.csv`);
  assertEquals(labels.length, 48);
  assertEquals(new Set(labels).size, s.clusters);
  const merges = await readNpy(`${dir}/merges.npy`);
  assertEquals(merges.dtype, "float64");
  assertEquals(merges.shape[1], 4);
  const lines = (await Deno.readTextFile(`${dir}/it.csv`)).trim().split("\n");
  assertEquals(lines.length, merges.shape[0]! + 1);
});

Deno.test("pb cluster on a bare .npy builds the full dendrogram without a threshold", async () => {
  const dir = await tempDir();
  const rng = new Rng(1);
  const x = new Float32Array(30 * 4).map(() => rng.normal() * 3); // not unit: normalised and reported
  await writeNpy(`${dir}/e.npy`, { dtype: "float32", shape: [30, 4], data: x });
  for (const gemm of ["js", "onnxruntime"]) {
    const r = await capture(() =>
      main([
        "cluster",
        "--embeddings",
        `${dir}/e.npy`,
        "--linkage",
        "average",
        "--merges",
        `${dir}/m.npy`,
        "--gemm",
        gemm,
        "--json",
      ])
    );
    assertEquals(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assertEquals(s.clusters, 1);
    assertEquals(s.normalized_rows, 30);
    assertEquals(s.metrics, null);
    assertEquals((await readNpy(`${dir}/m.npy`)).shape, [29, 4]);
  }
});

Deno.test("pb cluster: bad input gives one clear line and exit 1 or 2", async () => {
  const dir = await tempDir();
  const nan = Float32Array.of(1, 0, NaN, 0);
  await writeNpy(`${dir}/nan.npy`, { dtype: "float32", shape: [2, 2], data: nan });
  await writeNpy(`${dir}/flat.npy`, { dtype: "float32", shape: [4], data: Float32Array.of(1, 0, 0, 1) });
  await writeNpy(`${dir}/ok.npy`, { dtype: "float32", shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) });
  await smallDataset(`${dir}/ds`);
  // Dimension mismatch: face.npy rows no longer match dataset.json.
  const face = await readNpy(`${dir}/ds/face.npy`);
  await writeNpy(`${dir}/ds/face.npy`, {
    dtype: "float32",
    shape: [face.shape[0]!, 4],
    data: (face.data as Float32Array).subarray(0, face.shape[0]! * 4),
  });
  const cases: [string[], number, string][] = [
    [["cluster", "--embeddings", `${dir}/nan.npy`, "--linkage", "average"], 1, "row 1 contains NaN"],
    [["cluster", "--embeddings", `${dir}/flat.npy`, "--linkage", "average"], 1, "2-D"],
    [["cluster", "--data", `${dir}/ds`, "--linkage", "average", "--threshold", "0.5"], 1, "face.npy"],
    [["cluster", "--embeddings", `${dir}/ok.npy`, "--linkage", "average", "--threshold", "-1"], 2, "--threshold"],
    [["cluster", "--embeddings", `${dir}/ok.npy`, "--linkage", "ward"], 2, "--linkage must be one of"],
    [["cluster", "--linkage", "average"], 2, "--data"],
    [["cluster", "--embeddings", `${dir}/ok.npy`, "--linkage", "average", "--threads", "0"], 2, "--threads"],
    [["cluster", "--embeddings", `${dir}/ok.npy`, "--linkage", "average", "--algorithm", "slink"], 2, "--algorithm"],
  ];
  for (const [argv, code, text] of cases) {
    const r = await capture(() => main(argv));
    assertEquals(r.code, code, argv.join(" ") + ": " + r.err);
    assertEquals(r.err.split("\n").length, 1, r.err);
    assert(r.err.includes(text), `${argv.join(" ")}: "${r.err}" lacks "${text}"`);
  }
});

Deno.test("pb cluster: dense and sparse modes give the same labels through onnxruntime", async () => {
  const dir = await tempDir();
  await smallDataset(`${dir}/ds`);
  const labels: Int32Array[] = [];
  for (const mode of ["dense", "sparse"]) {
    const argv = ["cluster", "--data", `${dir}/ds`, "--linkage", "median-sampled", "--sample-pairs", "2"];
    argv.push("--threshold", "0.4", "--mode", mode, "--gemm", "onnxruntime", "--out", `${dir}/${mode}.csv`, "--json");
    const r = await capture(() => main(argv));
    assertEquals(r.code, 0, r.err);
    assertEquals(JSON.parse(r.out).mode, mode);
    labels.push(await readLabels(`${dir}/${mode}.csv`));
  }
  assertEquals(labels[1], labels[0]);
});

Deno.test("pb cluster --threads 1 and 2 and --algorithm nn-chain give the default's labels", async () => {
  const dir = await tempDir();
  const rng = new Rng(9);
  const centres = Array.from({ length: 12 }, () => unit(rng, new Float32Array(16), 1));
  const n = 2400; // above the batched core's parallel cut-off (2,048 clusters)
  const x = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) x.set(unit(rng, centres[i % 12]!, 0.4), i * 16);
  await writeNpy(`${dir}/e.npy`, { dtype: "float32", shape: [n, 16], data: x });
  const run = async (extra: string[]) => {
    const r = await capture(() =>
      main([
        "cluster",
        "--embeddings",
        `${dir}/e.npy`,
        "--linkage",
        "average",
        "--threshold",
        "0.6",
        "--json",
        ...extra,
      ])
    );
    assertEquals(r.code, 0, r.err);
    return JSON.parse(r.out) as { clusters: number; threads: number; algorithm: string };
  };
  const base = await run(["--out", `${dir}/a.csv`]);
  const threaded = await run(["--threads", base.threads === 1 ? "2" : "1", "--out", `${dir}/b.csv`]);
  const chain = await run(["--algorithm", "nn-chain", "--out", `${dir}/c.csv`]);
  assertEquals([base.threads, threaded.threads, chain.algorithm], [
    availableCores(),
    base.threads === 1 ? 2 : 1,
    "nn-chain",
  ]);
  assert(base.clusters > 1 && base.clusters < n, `${base.clusters} clusters`);
  const a = await readLabels(`${dir}/a.csv`),
    b = await readLabels(`${dir}/b.csv`),
    c = await readLabels(`${dir}/c.csv`);
  assertEquals(b, a);
  assertEquals(c, a);
  // The WebAssembly kernel: dense, and sparse with the threshold graph on two threads, agree.
  await run(["--gemm", "wasm", "--mode", "dense", "--threads", "1", "--out", `${dir}/d.csv`]);
  await run(["--gemm", "wasm", "--mode", "sparse", "--threads", "2", "--out", `${dir}/e.csv`]);
  assertEquals(await readLabels(`${dir}/e.csv`), await readLabels(`${dir}/d.csv`));
});

Deno.test("pb cluster: the full dendrogram is byte-identical for 1, 2 and 3 threads", async () => {
  const dir = await tempDir();
  const rng = new Rng(12);
  const n = 2300, dim = 24; // above the distance split (512 rows) and the merges' parallel cut-off (2,048)
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) x.set(unit(rng, new Float32Array(dim), 1), i * dim);
  await writeNpy(`${dir}/e.npy`, { dtype: "float32", shape: [n, dim], data: x });
  const merges: Uint8Array[] = [];
  for (const threads of ["1", "2", "3"]) {
    const argv = ["cluster", "--embeddings", `${dir}/e.npy`, "--linkage", "average", "--threads", threads];
    const r = await capture(() => main([...argv, "--merges", `${dir}/m${threads}.npy`, "--json"]));
    assertEquals(r.code, 0, r.err);
    merges.push(await Deno.readFile(`${dir}/m${threads}.npy`));
  }
  assertEquals(merges[1], merges[0]);
  assertEquals(merges[2], merges[0]);
});

Deno.test("pb cluster: --help names the defaults the parser uses", async () => {
  const help = commandHelp(clusterCommand);
  const D = CLUSTER_DEFAULTS;
  for (const [option, value] of [["first-pass", D.firstPass], ["gemm", D.gemm], ["alpha", D.alpha]] as const) {
    const line = help.split("\n").find((l) => l.trimStart().startsWith(`--${option} `)) ?? "";
    assert(line.endsWith(`[${value}]`), `--${option}: ${line}`);
  }
  assert(help.includes(`[available cores: ${availableCores()}]`), "threads default in help");
  assertEquals(clusterCommand.summary.includes("greedy first pass on face+body, then"), D.firstPass === "greedy");
  const dir = await tempDir();
  await smallDataset(`${dir}/ds`);
  const r = await capture(() => main(["cluster", "--data", `${dir}/ds`, "--linkage", "average", "--json"]));
  assertEquals(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assertEquals([s.first_pass, s.gemm, s.threads, s.algorithm], [D.firstPass, D.gemm, D.threads, D.algorithm]);
});

Deno.test("pb cluster --threshold auto: the dev-tuned threshold without a calibration, the table's with one", async () => {
  const dir = await tempDir();
  await smallDataset(`${dir}/ds`);
  const r = await capture(() =>
    main(["cluster", "--data", `${dir}/ds`, "--linkage", "average", "--threshold", "auto", "--json"])
  );
  assertEquals(r.code, 0, r.err);
  assert(r.err.includes("tuned on the dev split"), r.err);
  const s = JSON.parse(r.out);
  assert(typeof s.threshold === "number" && s.threshold > 0, `threshold ${s.threshold}`);
  // A bare .npy knows no identities: auto needs a calibrated --face-model.
  const rng = new Rng(2);
  await writeNpy(`${dir}/e.npy`, {
    dtype: "float32",
    shape: [10, 4],
    data: new Float32Array(40).map(() => rng.normal()),
  });
  const bare = await capture(() =>
    main(["cluster", "--embeddings", `${dir}/e.npy`, "--linkage", "average", "--threshold", "auto"])
  );
  assertEquals(bare.code, 2);
  assert(bare.err.includes("give a number"), bare.err);
  const named = await capture(() =>
    main([
      "cluster",
      "--embeddings",
      `${dir}/e.npy`,
      "--linkage",
      "average",
      "--threshold",
      "auto",
      "--face-model",
      "mobilefacenet",
      "--json",
    ])
  );
  assertEquals(named.code, 0, named.err);
  assert(named.err.includes("calibrated for mobilefacenet"), named.err);
});
