/**
 * The three assignment experiments of issue 5 (the article's regimes), each one function and one command
 * (`pb assign-experiment small-clusters|split-identity|open-set --data DIR`):
 *
 * 1. `small-clusters`: every identity with ≥ 12 faces enrols c ∈ {2, 3, 5, 10} random faces (nested: the
 *    c = 2 faces are among the c = 3 ones...), all of them exemplars; the same held-out faces are queried
 *    for every c. Closed-set top-1 accuracy per method.
 * 2. `split-identity`: gallery of 10 faces per identity; in turn, each of up to S sampled identities is split
 *    over two gallery entries (2-means of its 10 faces, the way a clustering splits a person by pose or age);
 *    a query of that identity is right when it goes to either entry. Accuracy before and after the split on
 *    the same queries.
 * 3. `open-set`: a third of the identities (seeded) are held out as unknown; the others enrol 5 faces.
 *    Open-set ROC AUC and detection-and-identification rate at 1% false accepts, per method and score.
 *
 * Intervals: percentile bootstrap over identities (1000 resamples unless set), seeded; `vsCentroid` and
 * `aucVsCentroid` are paired differences with the centroid method on the same resampled identities.
 * @module
 */
import { type AssignParams, prepareMethod } from "../algorithms/assignment/methods.ts";
import { bootstrapOverGroups, type Interval, openSetFigures } from "../algorithms/assignment/open_set.ts";
import { type Gallery, galleryFromAtoms, selectExemplars } from "../algorithms/gallery/mod.ts";
import { Rng } from "../algorithms/random/rng.ts";
import type { Dataset } from "../datasets/format.ts";

/** Experiment ids. */
export const ASSIGN_EXPERIMENTS = ["small-clusters", "split-identity", "open-set"] as const;
/** An experiment id. */
export type AssignExperiment = typeof ASSIGN_EXPERIMENTS[number];

/** Options shared by the experiments. */
export interface ExperimentOptions {
  /** Seed of every random choice [0]. */
  seed?: number;
  /** Bootstrap resamples [1000]. */
  resamples?: number;
  /** Queries per identity at most [50]. */
  maxQueries?: number;
  /** split-identity: identities split in turn [30]. */
  splits?: number;
  /** λ of the sparse method [0.1]. */
  sparseLambda?: number;
  /** λ of the crc method [1]. */
  crcLambda?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One table row: a method (and setting) with its figures. */
export interface ExperimentRow {
  setting: string;
  method: string;
  figures: Record<string, Interval>;
}

/** An experiment's output. */
export interface ExperimentResult {
  experiment: AssignExperiment;
  dataset: string;
  identities: number;
  queries: number;
  /** Column names of `figures`, in display order. */
  columns: string[];
  rows: ExperimentRow[];
  notes: string[];
}

/** A method as run in the experiments. */
interface MethodSpec {
  label: string;
  id: string;
  params: AssignParams;
}

/** The methods compared, centroid first (the paired differences are taken against it). */
function closedMethods(o: ExperimentOptions): MethodSpec[] {
  const ls = o.sparseLambda ?? 0.1, lc = o.crcLambda ?? 1;
  return [
    { label: "centroid", id: "centroid", params: {} },
    { label: "exemplar", id: "exemplar", params: {} },
    { label: "knn (k=5)", id: "knn", params: { k: 5 } },
    { label: `sparse (λ=${ls})`, id: "sparse", params: { lambda: ls } },
    { label: `crc (λ=${lc})`, id: "crc", params: { lambda: lc } },
  ];
}

interface Faces {
  dim: number;
  x: Float32Array;
  /** Face row indices (into x) per identity code, in observation order. */
  byIdentity: Map<number, number[]>;
}

function facesByIdentity(ds: Dataset): Faces {
  const o = ds.observations, dim = ds.manifest.face.dim;
  const byIdentity = new Map<number, number[]>();
  for (let i = 0; i < o.n; i++) {
    const id = o.identity.codes[i]!, r = o.faceRow[i]!;
    if (id < 0 || r < 0) continue;
    let l = byIdentity.get(id);
    if (!l) byIdentity.set(id, l = []);
    l.push(r);
  }
  return { dim, x: ds.face, byIdentity };
}

function rowsOf(f: Faces, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * f.dim);
  rows.forEach((r, k) => out.set(f.x.subarray(r * f.dim, (r + 1) * f.dim), k * f.dim));
  return out;
}

/** Identities with at least `min` faces, each with its faces shuffled (seeded per identity). */
function eligible(f: Faces, min: number, seed: number): { id: number; faces: number[] }[] {
  const out: { id: number; faces: number[] }[] = [];
  for (const id of [...f.byIdentity.keys()].sort((a, b) => a - b)) {
    const faces = f.byIdentity.get(id)!;
    if (faces.length < min) continue;
    out.push({ id, faces: new Rng(`${seed}:faces:${id}`).shuffle([...faces]) });
  }
  return out;
}

function meanOf(values: Uint8Array): (rows: Int32Array) => number {
  return (rows) => {
    let s = 0;
    for (const i of rows) s += values[i]!;
    return rows.length ? s / rows.length : NaN;
  };
}

/** Runs a method on a gallery and returns whether each query's best person is in `accept`(query). */
function topOneCorrect(
  spec: MethodSpec,
  gallery: Gallery,
  queries: Float32Array,
  isRight: (q: number, person: number) => boolean,
): Uint8Array {
  const raw = prepareMethod(spec.id, gallery, spec.params).assign(queries);
  const n = raw.best.length, out = new Uint8Array(n);
  for (let q = 0; q < n; q++) out[q] = raw.best[q]! >= 0 && isRight(q, raw.best[q]!) ? 1 : 0;
  return out;
}

/**
 * Experiment 1: small clusters (c exemplars per person).
 * @param ds a dataset with identities.
 * @param options seed, resamples, query cap.
 * @returns rows per c × method with top-1 accuracy intervals.
 */
export function smallClustersExperiment(ds: Dataset, options: ExperimentOptions = {}): ExperimentResult {
  const seed = options.seed ?? 0, maxQ = options.maxQueries ?? 50, cs = [2, 3, 5, 10];
  const f = facesByIdentity(ds);
  const ids = eligible(f, 12, seed);
  const qRows: number[] = [], qGroup: number[] = [];
  ids.forEach((e, p) => {
    for (const r of e.faces.slice(10, 10 + maxQ)) (qRows.push(r), qGroup.push(p));
  });
  const queries = rowsOf(f, qRows), group = Int32Array.from(qGroup);
  const rows: ExperimentRow[] = [];
  for (const c of cs) {
    const atomRows: number[] = [], atomPerson: number[] = [];
    ids.forEach((e, p) => e.faces.slice(0, c).forEach((r) => (atomRows.push(r), atomPerson.push(p))));
    const gallery = galleryFromAtoms(rowsOf(f, atomRows), f.dim, Int32Array.from(atomPerson));
    let base: Uint8Array | null = null; // the centroid method's answers (first in the list)
    for (const spec of closedMethods(options)) {
      options.log?.(`small-clusters: c = ${c}, ${spec.label}`);
      const correct = topOneCorrect(spec, gallery, queries, (q, p) => p === group[q]);
      base ??= correct;
      const ref = base;
      const boot = { resamples: options.resamples, seed };
      rows.push({
        setting: `c = ${c}`,
        method: spec.label,
        figures: {
          top1: bootstrapOverGroups(group, meanOf(correct), boot),
          // Paired difference with centroid on the same resampled identities.
          vsCentroid: bootstrapOverGroups(group, (r) => {
            let s = 0;
            for (const i of r) s += correct[i]! - ref[i]!;
            return r.length ? s / r.length : NaN;
          }, boot),
        },
      });
    }
  }
  return {
    experiment: "small-clusters",
    dataset: ds.manifest.name,
    identities: ids.length,
    queries: qRows.length,
    columns: ["top1", "vsCentroid"],
    rows,
    notes: [
      "identities with ≥ 12 faces; gallery = c random faces each (all exemplars); " +
      `the same ≤ ${maxQ} held-out faces per identity queried for every c`,
    ],
  };
}

/** Splits one identity's rows in two by spherical 2-means (farthest-point start); returns the two groups. */
function splitInTwo(f: Faces, rows: number[], seed: number): [number[], number[]] {
  const members = Int32Array.from(rows);
  const centres = selectExemplars(f.x, f.dim, members, { exemplars: 2, strategy: "kmeans", seed });
  const a: number[] = [], b: number[] = [];
  for (const r of rows) {
    let s0 = 0, s1 = 0;
    for (let t = 0; t < f.dim; t++) {
      s0 += f.x[r * f.dim + t]! * centres[t]!;
      s1 += f.x[r * f.dim + t]! * centres[f.dim + t]!;
    }
    (s0 >= s1 ? a : b).push(r);
  }
  if (b.length === 0) b.push(a.pop()!); // a degenerate split still yields two entries
  if (a.length === 0) a.push(b.pop()!);
  return [a, b];
}

/**
 * Experiment 2: one identity split over two gallery entries.
 * @param ds a dataset with identities.
 * @param options seed, resamples, query cap, number of identities split.
 * @returns rows per method: accuracy before and after the split, and the change, on the split identities.
 */
export function splitIdentityExperiment(ds: Dataset, options: ExperimentOptions = {}): ExperimentResult {
  const seed = options.seed ?? 0, maxQ = options.maxQueries ?? 50, c = 10;
  const f = facesByIdentity(ds);
  const ids = eligible(f, 12, seed);
  // Gallery atoms ordered so that each identity's two halves are contiguous: every split gallery can then
  // share one atoms array (and the methods' per-dictionary precomputation).
  const halves = ids.map((e, p) => splitInTwo(f, e.faces.slice(0, c), seed + p));
  const atomRows: number[] = [], atomPerson: number[] = [], half: number[] = [];
  halves.forEach(([a, b], p) => {
    for (const r of a) (atomRows.push(r), atomPerson.push(p), half.push(0));
    for (const r of b) (atomRows.push(r), atomPerson.push(p), half.push(1));
  });
  const atoms = rowsOf(f, atomRows);
  const base = galleryFromAtoms(atoms, f.dim, Int32Array.from(atomPerson));
  const order = new Rng(`${seed}:split-order`).shuffle(ids.map((_, p) => p));
  const chosen = order.slice(0, Math.min(options.splits ?? 30, ids.length));
  const qRows: number[] = [], qGroup: number[] = [];
  for (const p of chosen) for (const r of ids[p]!.faces.slice(c, c + maxQ)) (qRows.push(r), qGroup.push(p));
  const queries = rowsOf(f, qRows), group = Int32Array.from(qGroup);
  const rows: ExperimentRow[] = [];
  for (const spec of closedMethods(options)) {
    options.log?.(`split-identity: ${spec.label}`);
    const before = topOneCorrect(spec, base, queries, (q, p) => p === group[q]);
    const after = new Uint8Array(qRows.length);
    for (const s of chosen) {
      // Person s becomes entries s (first half) and s + 1 (second half); later persons shift by one.
      const person = Int32Array.from(atomPerson, (p, a) => (p < s ? p : p > s ? p + 1 : s + half[a]!));
      const gallery = splitGallery(base, atoms, person, f.dim);
      const mine: number[] = [];
      for (let q = 0; q < qRows.length; q++) if (group[q] === s) mine.push(q);
      const correct = topOneCorrect(
        spec,
        gallery,
        rowsOf(f, mine.map((q) => qRows[q]!)),
        (_q, p) => p === s || p === s + 1,
      );
      mine.forEach((q, k) => (after[q] = correct[k]!));
    }
    const diff = new Float64Array(qRows.length);
    for (let q = 0; q < qRows.length; q++) diff[q] = after[q]! - before[q]!;
    const boot = { resamples: options.resamples, seed };
    rows.push({
      setting: `${chosen.length} identities split`,
      method: spec.label,
      figures: {
        before: bootstrapOverGroups(group, meanOf(before), boot),
        after: bootstrapOverGroups(group, meanOf(after), boot),
        change: bootstrapOverGroups(group, (r) => {
          let s = 0;
          for (const i of r) s += diff[i]!;
          return r.length ? s / r.length : NaN;
        }, boot),
      },
    });
  }
  return {
    experiment: "split-identity",
    dataset: ds.manifest.name,
    identities: ids.length,
    queries: qRows.length,
    columns: ["before", "after", "change"],
    rows,
    notes: [
      `gallery = 10 random faces per identity with ≥ 12 faces; each of ${chosen.length} sampled identities in turn ` +
      `is split by 2-means into two entries; right = either entry; ≤ ${maxQ} held-out queries per split identity`,
    ],
  };
}

function splitGallery(base: Gallery, atoms: Float32Array, person: Int32Array, dim: number): Gallery {
  const g = galleryFromAtoms(atoms, dim, person);
  // Same order of atoms as `base` (halves were contiguous): share the array so precomputations are reused.
  return { ...g, atoms: base.atoms };
}

/**
 * Experiment 3: open set, a third of the identities held out as unknown.
 * @param ds a dataset with identities.
 * @param options seed, resamples, query cap.
 * @returns rows per method and score: ROC AUC, TPR at 1% FAR and top-1 over the known.
 */
export function openSetExperiment(ds: Dataset, options: ExperimentOptions = {}): ExperimentResult {
  const seed = options.seed ?? 0, maxQ = options.maxQueries ?? 50, c = 5;
  const f = facesByIdentity(ds);
  const ids = eligible(f, c + 2, seed);
  const order = new Rng(`${seed}:unknown`).shuffle(ids.map((_, p) => p));
  const unknown = new Set(order.slice(0, Math.floor(ids.length / 3)));
  const known = ids.map((_, p) => p).filter((p) => !unknown.has(p));
  const galleryIndex = new Map(known.map((p, k) => [p, k]));
  const atomRows: number[] = [], atomPerson: number[] = [];
  for (const p of known) {
    for (const r of ids[p]!.faces.slice(0, c)) (atomRows.push(r), atomPerson.push(galleryIndex.get(p)!));
  }
  const gallery = galleryFromAtoms(rowsOf(f, atomRows), f.dim, Int32Array.from(atomPerson));
  const qRows: number[] = [], qGroup: number[] = [];
  ids.forEach((e, p) => {
    const pool = unknown.has(p) ? e.faces.slice(0, maxQ) : e.faces.slice(c, c + maxQ);
    for (const r of pool) (qRows.push(r), qGroup.push(p));
  });
  const queries = rowsOf(f, qRows), group = Int32Array.from(qGroup);
  const isKnown = Uint8Array.from(qGroup, (p) => (unknown.has(p) ? 0 : 1));
  const methods: MethodSpec[] = [
    ...closedMethods(options).filter((m) => m.id !== "sparse"),
    {
      label: `sparse (λ=${options.sparseLambda ?? 0.1}), score explained`,
      id: "sparse",
      params: { lambda: options.sparseLambda ?? 0.1, score: "explained" },
    },
    {
      label: `sparse (λ=${options.sparseLambda ?? 0.1}), score share`,
      id: "sparse",
      params: { lambda: options.sparseLambda ?? 0.1, score: "share" },
    },
  ];
  const rows: ExperimentRow[] = [];
  const figuresOf = (spec: MethodSpec) => {
    const raw = prepareMethod(spec.id, gallery, spec.params).assign(queries);
    const correct = Uint8Array.from(qGroup, (p, q) => (isKnown[q] && raw.best[q] === galleryIndex.get(p) ? 1 : 0));
    return (rows: Int32Array) =>
      openSetFigures(
        Float64Array.from(rows, (i) => raw.score[i]!),
        Uint8Array.from(rows, (i) => isKnown[i]!),
        Uint8Array.from(rows, (i) => correct[i]!),
      );
  };
  const centroidFig = figuresOf(methods[0]!); // centroid
  for (const spec of methods) {
    options.log?.(`open-set: ${spec.label}`);
    const fig = figuresOf(spec);
    const boot = { resamples: options.resamples, seed };
    rows.push({
      setting: `${known.length} known / ${unknown.size} unknown`,
      method: spec.label,
      figures: {
        auc: bootstrapOverGroups(group, (r) => fig(r).auc, boot),
        aucVsCentroid: bootstrapOverGroups(group, (r) => fig(r).auc - centroidFig(r).auc, boot),
        tprAt1pctFar: bootstrapOverGroups(group, (r) => fig(r).tprAtFar, boot),
        top1Known: bootstrapOverGroups(group, (r) => fig(r).top1, boot),
      },
    });
  }
  return {
    experiment: "open-set",
    dataset: ds.manifest.name,
    identities: ids.length,
    queries: qRows.length,
    columns: ["auc", "aucVsCentroid", "tprAt1pctFar", "top1Known"],
    rows,
    notes: [
      `identities with ≥ ${c + 2} faces; a third held out (seeded); ` +
      `known enrol ${c} random faces (all exemplars); ≤ ${maxQ} queries per identity`,
      "TPR at 1% FAR = known queries accepted with the right person at the threshold admitting ≤ 1% of unknown queries",
    ],
  };
}

/** Runs one experiment by id. */
export function runAssignExperiment(
  name: AssignExperiment,
  ds: Dataset,
  options: ExperimentOptions = {},
): ExperimentResult {
  switch (name) {
    case "small-clusters":
      return smallClustersExperiment(ds, options);
    case "split-identity":
      return splitIdentityExperiment(ds, options);
    case "open-set":
      return openSetExperiment(ds, options);
  }
}

/** Formats a result as a Markdown table (value [lo, hi]). */
export function experimentMarkdown(r: ExperimentResult): string {
  const f = (i: Interval) =>
    Number.isNaN(i.value) ? "n/a" : `${i.value.toFixed(3)} [${i.lo.toFixed(3)}, ${i.hi.toFixed(3)}]`;
  const lines = [
    `**${r.experiment}** on \`${r.dataset}\`: ${r.identities} identities, ${r.queries} queries. ${r.notes.join(". ")}.`,
    "",
    `| setting | method | ${r.columns.join(" | ")} |`,
    `|---|---|${r.columns.map(() => "---").join("|")}|`,
    ...r.rows.map((row) =>
      `| ${row.setting} | ${row.method} | ${r.columns.map((c) => f(row.figures[c]!)).join(" | ")} |`
    ),
  ];
  return lines.join("\n");
}
