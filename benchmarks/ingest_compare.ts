/**
 * Compares two datasets that `pb embed` wrote from the same photos (say, before and after a change to
 * the ingest pipeline): observations and face boxes, unclear/clear kinds, face and body embeddings per
 * observation (byte-identical count, cosine min / p10 / median, largest |Δ|), whether each new face's
 * nearest old embedding is its own, and leave-one-out 1-NN identity accuracy of both where faces carry
 * labels.
 *
 * Run: `deno run -A benchmarks/ingest_compare.ts OLD_DATASET NEW_DATASET [--json FILE]`
 * @module
 */
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../base/atomic.ts";
import { readDataset } from "../datasets/io.ts";
import type { Dataset } from "../datasets/format.ts";

/** Cosine of row `i` of `a` and row `j` of `b` (rows of `dim`), and their largest absolute difference. */
function compareRows(a: Float32Array, b: Float32Array, dim: number, i: number, j: number): [number, number] {
  let dot = 0, na = 0, nb = 0, worst = 0;
  for (let k = 0; k < dim; k++) {
    const x = a[i * dim + k]!, y = b[j * dim + k]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
    worst = Math.max(worst, Math.abs(x - y));
  }
  return [dot / Math.sqrt(na * nb), worst];
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.floor(q * (s.length - 1))]!;
}

function label(d: Dataset, i: number, col: "asset" | "identity" | "kind"): string {
  const c = d.observations[col];
  return c.codes[i]! < 0 ? "" : c.values[c.codes[i]!]!;
}

/** Leave-one-out 1-NN (cosine) accuracy over observations with a face and an identity. */
function looAccuracy(d: Dataset): { correct: number; total: number } {
  const o = d.observations, dim = d.manifest.face.dim;
  const rows = [...Array(o.n).keys()].filter((i) => o.faceRow[i]! >= 0 && o.identity.codes[i]! >= 0);
  let correct = 0;
  for (const i of rows) {
    let best = -Infinity, nearest = -1;
    for (const j of rows) {
      if (j === i) continue;
      const c = compareRows(d.face, d.face, dim, o.faceRow[i]!, o.faceRow[j]!)[0];
      if (c > best) best = c, nearest = j;
    }
    if (nearest >= 0 && o.identity.codes[nearest] === o.identity.codes[i]) correct++;
  }
  return { correct, total: rows.length };
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { json: { type: "string" } },
  allowPositionals: true,
});
if (positionals.length !== 2) {
  console.error("usage: deno run -A benchmarks/ingest_compare.ts OLD_DATASET NEW_DATASET [--json FILE]");
  Deno.exit(2);
}
const [before, after] = await Promise.all(positionals.map((p) => readDataset(p)));
const a = before!, b = after!, oa = a.observations, ob = b.observations;
const sameShape = oa.n === ob.n && a.manifest.face.dim === b.manifest.face.dim;
let assetsDiffer = 0, kindsDiffer = 0, boxShift = 0, identical = 0, worstAbs = 0, selfNearest = 0, margin = Infinity;
const faceCos: number[] = [], bodyCos: number[] = [];
const dim = a.manifest.face.dim;
for (let i = 0; sameShape && i < oa.n; i++) {
  if (label(a, i, "asset") !== label(b, i, "asset")) {
    assetsDiffer++;
    continue;
  }
  if (label(a, i, "kind") !== label(b, i, "kind")) kindsDiffer++;
  for (let k = 0; k < 4; k++) {
    const d = Math.abs(oa.faceBox[i * 4 + k]! - ob.faceBox[i * 4 + k]!);
    if (d > boxShift) boxShift = d;
  }
  if (oa.faceRow[i]! >= 0 && ob.faceRow[i]! >= 0) {
    const [c, worst] = compareRows(a.face, b.face, dim, oa.faceRow[i]!, ob.faceRow[i]!);
    faceCos.push(c);
    worstAbs = Math.max(worstAbs, worst);
    if (worst === 0) identical++;
    // The nearest old face of each new face should be the same face.
    let other = -Infinity;
    for (let j = 0; j < oa.n; j++) {
      if (j !== i && oa.faceRow[j]! >= 0) {
        other = Math.max(other, compareRows(b.face, a.face, dim, ob.faceRow[i]!, oa.faceRow[j]!)[0]);
      }
    }
    if (c > other) selfNearest++;
    margin = Math.min(margin, c - other);
  }
  if (oa.bodyRow[i]! >= 0 && ob.bodyRow[i]! >= 0 && a.body && b.body) {
    bodyCos.push(compareRows(a.body, b.body, a.manifest.body!.dim, oa.bodyRow[i]!, ob.bodyRow[i]!)[0]);
  }
}
const report = {
  observations: [oa.n, ob.n],
  faces: [a.manifest.counts.faces, b.manifest.counts.faces],
  comparable: sameShape && assetsDiffer === 0,
  assetsDiffer,
  kindsDiffer,
  maxFaceBoxShift: boxShift,
  faceEmbeddings: {
    identical,
    compared: faceCos.length,
    maxAbsDiff: worstAbs,
    cosine: { min: quantile(faceCos, 0), p10: quantile(faceCos, 0.1), median: quantile(faceCos, 0.5) },
    nearestOldIsOwn: selfNearest,
    smallestMargin: margin,
  },
  bodyCosine: { min: quantile(bodyCos, 0), median: quantile(bodyCos, 0.5), compared: bodyCos.length },
  loo1nn: { before: looAccuracy(a), after: looAccuracy(b) },
};
const f = (v: number, d = 4) => v.toFixed(d);
console.log(
  `observations ${oa.n} → ${ob.n}, faces ${report.faces.join(" → ")}` +
    (report.comparable ? "" : " — NOT comparable row by row (different observations)"),
);
if (report.comparable) {
  console.log(`face boxes: max shift ${f(boxShift, 2)} px; kinds changed: ${kindsDiffer}`);
  console.log(
    `face embeddings: ${identical}/${faceCos.length} byte-identical, max |Δ| ${
      worstAbs.toExponential(2)
    }, cosine min ` +
      `${f(report.faceEmbeddings.cosine.min)} p10 ${f(report.faceEmbeddings.cosine.p10)} median ` +
      `${f(report.faceEmbeddings.cosine.median, 5)}; nearest old face is its own: ${selfNearest}/${faceCos.length} ` +
      `(smallest margin ${f(margin, 3)})`,
  );
  if (bodyCos.length > 0) {
    console.log(`body embeddings: cosine min ${f(report.bodyCosine.min)} median ${f(report.bodyCosine.median, 5)}`);
  }
}
for (const [name, r] of Object.entries(report.loo1nn)) {
  if (r.total > 0) console.log(`LOO 1-NN ${name}: ${r.correct}/${r.total}`);
}
if (values.json) await writeFileAtomic(values.json, JSON.stringify(report, null, 2) + "\n");
