/**
 * `pb assign` behind the CLI: read a gallery dataset with its labels and a query dataset, build the gallery,
 * recognise every query face, time it, score it against the ground truth and write `assignments.csv`.
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { type AssignParams, finishAssignment, prepareMethod } from "../algorithms/assignment/methods.ts";
import { type OpenSetFigures, openSetFigures } from "../algorithms/assignment/open_set.ts";
import { buildGallery, type ExemplarStrategy, type Gallery } from "../algorithms/gallery/mod.ts";
import { DataFileError } from "../base/errors.ts";
import { categoricalValue, type Dataset } from "../datasets/format.ts";
import { readDataset } from "../datasets/io.ts";
import { readLabels } from "../datasets/labels.ts";
import { writeFileAtomic } from "../base/atomic.ts";

/** Face rows of a dataset with their observation ids. */
export interface FaceRows {
  /** Observation id per row. */
  ids: Int32Array;
  /** rows × dim. */
  x: Float32Array;
  dim: number;
}

/**
 * Gathers the face embeddings of the given observations (those without a face are skipped).
 * @param ds the dataset.
 * @param keep which observations to take [all].
 * @returns ids and rows.
 */
export function faceRows(ds: Dataset, keep?: (i: number) => boolean): FaceRows {
  const o = ds.observations, dim = ds.manifest.face.dim;
  const ids: number[] = [];
  for (let i = 0; i < o.n; i++) if (o.faceRow[i]! >= 0 && (!keep || keep(i))) ids.push(i);
  const x = new Float32Array(ids.length * dim);
  ids.forEach((i, r) => x.set(ds.face.subarray(o.faceRow[i]! * dim, (o.faceRow[i]! + 1) * dim), r * dim));
  return { ids: Int32Array.from(ids), x, dim };
}

/** Options of {@link runAssign}. */
export interface RunAssignOptions {
  galleryDir: string;
  /** Labels file (`id,cluster` CSV or .npy) for the gallery; absent: the identity column. */
  galleryLabels?: string;
  queriesDir: string;
  method: string;
  exemplars: number;
  strategy: ExemplarStrategy;
  seed: number;
  params: AssignParams;
  /** Output CSV path, or undefined for none. */
  out?: string;
  /** Clock in ms (performance.now). */
  clock?: () => number;
}

/** What `pb assign --json` prints. */
export interface AssignReport {
  method: string;
  params: AssignParams & { exemplars: number; strategy: string; seed: number };
  gallery: { dir: string; labels: string; persons: number; atoms: number };
  queries: { dir: string; faces: number; known: number; unknown: number; unlabelled: number };
  /** Closed-set top-1 accuracy over known queries (pre-threshold). */
  accuracy: number;
  /** With the unknown threshold: known queries accepted with the right person / known. */
  acceptedCorrectRate: number;
  /** With the unknown threshold: unknown queries accepted as someone / unknown. */
  falseAcceptRate: number;
  openSet: OpenSetFigures;
  latencyMs: { prepare: number; perQueryMedian: number; perQueryP95: number; perQueryMean: number };
  out: string | null;
}

/**
 * Runs `pb assign`.
 *
 * Ground truth: a query is *known* when its identity name is the identity of a gallery person — with identity
 * labels, the person's identity; with cluster labels, the majority identity of the cluster's members — and
 * *unknown* when its identity is another name; queries without identity are scored in neither.
 *
 * @param options files, method and parameters.
 * @returns the report (also written as CSV when `out` is set).
 * @throws {DataFileError} on unreadable or inconsistent inputs.
 */
export async function runAssign(options: RunAssignOptions): Promise<AssignReport> {
  const clock = options.clock ?? (() => performance.now());
  const gds = await readDataset(options.galleryDir);
  const qds = options.queriesDir === options.galleryDir ? gds : await readDataset(options.queriesDir);
  if (gds.manifest.face.dim !== qds.manifest.face.dim) {
    throw new DataFileError(
      `${options.queriesDir}/dataset.json`,
      `face dimension ${qds.manifest.face.dim} differs from the gallery's ${gds.manifest.face.dim}`,
    );
  }
  const go = gds.observations;
  let labels: Int32Array, byIdentity = false;
  if (options.galleryLabels) {
    labels = await readLabels(options.galleryLabels);
    if (labels.length !== go.n) {
      throw new DataFileError(
        options.galleryLabels,
        `has ${labels.length} labels, the gallery has ${go.n} observations`,
      );
    }
  } else {
    labels = go.identity.codes;
    byIdentity = true;
  }
  const rows = faceRows(gds, (i) => labels[i]! >= 0);
  if (rows.ids.length === 0) {
    throw new DataFileError(options.galleryLabels ?? `${options.galleryDir}/observations.csv`, "no labelled face");
  }
  const rowLabels = Int32Array.from(rows.ids, (i) => labels[i]!);
  const t0 = clock();
  const gallery = buildGallery(rows.x, rows.dim, rowLabels, {
    exemplars: options.exemplars,
    strategy: options.strategy,
    seed: options.seed,
  });
  const prepared = prepareMethod(options.method, gallery, options.params);
  const prepareMs = clock() - t0;
  // Identity name of each gallery person.
  const personName = galleryPersonNames(gds, gallery, rows.ids, rowLabels, byIdentity);

  const q = faceRows(qds);
  const n = q.ids.length, dim = q.dim;
  const best = new Int32Array(n), score = new Float64Array(n), lat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = clock();
    const r = prepared.assign(q.x.subarray(i * dim, (i + 1) * dim));
    lat[i] = clock() - s;
    best[i] = r.best[0]!;
    score[i] = r.score[0]!;
  }
  const result = finishAssignment(gallery, { best, score }, options.params.unknownThreshold);
  const known = new Uint8Array(n), correct = new Uint8Array(n), unknownQ = new Uint8Array(n);
  const galleryNames = new Set(personName.filter((s) => s !== ""));
  let nKnown = 0, nUnknown = 0, unlabelled = 0, acceptedCorrect = 0, falseAccept = 0;
  for (let i = 0; i < n; i++) {
    const name = categoricalValue(qds.observations.identity, q.ids[i]!);
    if (name === "") {
      unlabelled++;
      continue;
    }
    const b = best[i]!;
    if (galleryNames.has(name)) {
      known[i] = 1;
      nKnown++;
      if (b >= 0 && personName[b] === name) {
        correct[i] = 1;
        if (result.person[i] !== -1) acceptedCorrect++;
      }
    } else {
      unknownQ[i] = 1;
      nUnknown++;
      if (result.person[i] !== -1) falseAccept++;
    }
  }
  // Open-set figures over labelled queries only.
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (known[i] || unknownQ[i]) keep.push(i);
  const openSet = openSetFigures(
    Float64Array.from(keep, (i) => score[i]!),
    Uint8Array.from(keep, (i) => known[i]!),
    Uint8Array.from(keep, (i) => correct[i]!),
  );
  let out: string | null = null;
  if (options.out) {
    const csv: (string | number)[][] = [["id", "person", "score"]];
    for (let i = 0; i < n; i++) {
      const p = result.person[i]!;
      const person = byIdentity ? (p < 0 ? "" : go.identity.values[p]!) : p;
      csv.push([q.ids[i]!, person, Number.isFinite(score[i]!) ? +score[i]!.toFixed(6) : ""]);
    }
    await writeFileAtomic(options.out, stringify(csv));
    out = options.out;
  }
  const sorted = Float64Array.from(lat).sort();
  const pct = (p: number) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.floor(p * n))]!);
  return {
    method: options.method,
    params: { ...options.params, exemplars: options.exemplars, strategy: options.strategy, seed: options.seed },
    gallery: {
      dir: options.galleryDir,
      labels: options.galleryLabels ?? "identity",
      persons: gallery.persons,
      atoms: gallery.atomPerson.length,
    },
    queries: { dir: options.queriesDir, faces: n, known: nKnown, unknown: nUnknown, unlabelled },
    accuracy: nKnown > 0 ? openSet.top1 : NaN,
    acceptedCorrectRate: nKnown > 0 ? acceptedCorrect / nKnown : NaN,
    falseAcceptRate: nUnknown > 0 ? falseAccept / nUnknown : NaN,
    openSet,
    latencyMs: {
      prepare: prepareMs,
      perQueryMedian: pct(0.5),
      perQueryP95: pct(0.95),
      perQueryMean: n > 0 ? lat.reduce((a, b) => a + b, 0) / n : NaN,
    },
    out,
  };
}

/** Identity name per gallery person: the identity itself, or the majority identity of the cluster. */
function galleryPersonNames(
  ds: Dataset,
  gallery: Gallery,
  ids: Int32Array,
  rowLabels: Int32Array,
  byIdentity: boolean,
): string[] {
  const idn = ds.observations.identity;
  if (byIdentity) return Array.from(gallery.personId, (p) => idn.values[p] ?? "");
  const index = new Map<number, number>();
  gallery.personId.forEach((p, k) => index.set(p, k));
  const votes: Map<string, number>[] = Array.from({ length: gallery.persons }, () => new Map());
  for (let r = 0; r < ids.length; r++) {
    const k = index.get(rowLabels[r]!);
    const name = categoricalValue(idn, ids[r]!);
    if (k === undefined || name === "") continue;
    votes[k]!.set(name, (votes[k]!.get(name) ?? 0) + 1);
  }
  return votes.map((v) => {
    let best = "", bc = 0;
    for (const [name, c] of [...v.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (c > bc) (bc = c, best = name);
    return best;
  });
}
