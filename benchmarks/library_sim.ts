/**
 * Incremental photo library simulation (`pb library simulate`): photos arrive in time order; by day each new
 * face is recognised online against the gallery; every simulated night everything seen so far is clustered
 * again (greedy first pass + HAC, `algorithms/clustering`), the new clusters take the ids of the persons
 * they overlap most, the user's constraints are enforced, and a scripted user corrects a sample of mistakes.
 *
 * The stream is cut into `nights` equal chunks of arrivals (a "day" is one chunk; a real library would
 * re-cluster nightly — with a 6-year library that is thousands of nights, so the chunks stand for the
 * nights on which the library is re-clustered).
 * @module
 */
import { type PreparedMethod, prepareMethod } from "../algorithms/assignment/methods.ts";
import type { ClusterInput } from "../algorithms/clustering/greedy.ts";
import { twoPassCluster } from "../algorithms/clustering/two_pass.ts";
import { buildGallery, type Gallery, selectGallery } from "../algorithms/gallery/mod.ts";
import type { Linkage } from "../algorithms/hac/linkage.ts";
import {
  LibraryConstraints,
  mapClustersToPersons,
  scriptedCorrections,
  summarisePersons,
} from "../algorithms/library/mod.ts";
import { clusteringMetrics } from "../algorithms/metrics/mod.ts";
import { Rng } from "../algorithms/random/rng.ts";
import type { Dataset } from "../datasets/format.ts";

/** Options of {@link simulateLibrary}; every field has a default. */
export interface LibrarySimOptions {
  /** Re-clustering nights (chunks of arrivals) [8]. */
  nights?: number;
  /** Online assignment method [`"sparse"`]. */
  method?: string;
  /** Exemplars per gallery person [5]. */
  exemplars?: number;
  /** λ of sparse / crc [method default]. */
  lambda?: number;
  /** Online faces scoring below this stay unassigned until the night [0.3]. */
  unknownThreshold?: number;
  /** HAC linkage of the nightly clustering [`"average"`]. */
  linkage?: Linkage;
  /** HAC threshold [0.5]. */
  threshold?: number;
  /** Greedy first-pass threshold t1 [0.3]. */
  firstThreshold?: number;
  /** User actions per night [20]. */
  corrections?: number;
  /** Seed of the user's choices and the exemplars [0]. */
  seed?: number;
  /** Millisecond clock [performance.now]. */
  clock?: () => number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Called at the end of each night with the person per observation and the constraints (for tests). */
  onNight?: (night: number, person: Int32Array, constraints: LibraryConstraints, seen: Uint8Array) => void;
}

/** One night of the simulation. */
export interface NightReport {
  night: number;
  /** Observations seen so far. */
  observations: number;
  /** Faces that arrived during the day. */
  newFaces: number;
  /** Of the day's faces whose identity has a gallery person: share recognised as that person online. */
  onlineAccuracy: number;
  /** Share of the day's faces left unassigned online (unknown / no gallery yet). */
  onlineUnassigned: number;
  /** Persons with ≥ 1 face after the night. */
  persons: number;
  /** Gallery persons used for the next day. */
  galleryPersons: number;
  /** BCubed F1 / pairwise F1 of persons vs identities over everything seen, after clustering + repair. */
  bcubedF1: number;
  pairwiseF1: number;
  /** The same after the user's corrections of the night. */
  bcubedF1AfterUser: number;
  /** Existing persons whose membership (among faces seen before the day) changed with the re-clustering. */
  personsChanged: number;
  /** Existing persons compared. */
  personsCompared: number;
  /** Named persons whose majority identity changed at the re-clustering. */
  namedDrift: number;
  /** Labels changed by the constraint repair. */
  repairs: { confirmed: number; rejected: number; cannotLink: number };
  /** User actions by kind. */
  corrections: Record<"confirm" | "reject" | "name" | "merge" | "split", number>;
  /** Wall ms. */
  ms: { assign: number; cluster: number; gallery: number };
}

/** Result of {@link simulateLibrary}. */
export interface LibrarySimReport {
  dataset: string;
  observations: number;
  options: Required<Omit<LibrarySimOptions, "clock" | "log" | "lambda" | "onNight">> & { lambda: number | null };
  nights: NightReport[];
  totals: { corrections: number; seconds: number };
}

/**
 * Runs the simulation.
 *
 * @param ds a dataset with identities (the user's knowledge) and capture times.
 * @param options see {@link LibrarySimOptions}.
 * @returns per-night figures.
 * @throws {RangeError} on bad options.
 */
export function simulateLibrary(ds: Dataset, options: LibrarySimOptions = {}): LibrarySimReport {
  const o = ds.observations, n = o.n, dim = ds.manifest.face.dim;
  const clock = options.clock ?? (() => performance.now());
  const nights = options.nights ?? 8;
  if (!Number.isInteger(nights) || nights < 1) throw new RangeError(`nights must be an integer ≥ 1, got ${nights}`);
  const opts = {
    nights,
    method: options.method ?? "sparse",
    exemplars: options.exemplars ?? 5,
    lambda: options.lambda ?? null,
    unknownThreshold: options.unknownThreshold ?? 0.3,
    linkage: options.linkage ?? "average" as Linkage,
    threshold: options.threshold ?? 0.5,
    firstThreshold: options.firstThreshold ?? 0.3,
    corrections: options.corrections ?? 20,
    seed: options.seed ?? 0,
  };
  const t0 = clock();
  // Arrival order: capture time, unknown times last, ties by id.
  const arrival = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const ta = o.time[a]!, tb = o.time[b]!, na = Number.isNaN(ta), nb = Number.isNaN(tb);
    if (na !== nb) return na ? 1 : -1;
    return !na && ta !== tb ? ta - tb : a - b;
  });
  const truth = o.identity.codes, asset = o.asset.codes;
  const hasFace = Uint8Array.from(o.faceRow, (r) => (r >= 0 ? 1 : 0));
  const person = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  const constraints = new LibraryConstraints();
  const named = new Map<number, string>();
  const rng = new Rng(opts.seed);
  let nextId = 0, totalCorrections = 0;
  let gallery: Gallery | null = null, method: PreparedMethod | null = null;
  const reports: NightReport[] = [];
  const faceOf = (i: number) => ds.face.subarray(o.faceRow[i]! * dim, (o.faceRow[i]! + 1) * dim);

  for (let night = 0; night < nights; night++) {
    const start = Math.round((night * n) / nights), end = Math.round(((night + 1) * n) / nights);
    // Day: online recognition of each new face.
    const ta = clock();
    const mainPerson = identityMainPersons(person, truth, hasFace);
    const galleryHas = new Set(gallery ? Array.from(gallery.personId) : []);
    let newFaces = 0, eligibleFaces = 0, correctOnline = 0, unassigned = 0;
    const photoPersons = new Map<number, Set<number>>();
    for (let k = start; k < end; k++) {
      const i = arrival[k]!;
      seen[i] = 1;
      if (!hasFace[i]) continue;
      newFaces++;
      let p = -1;
      if (method && gallery) {
        const r = method.assign(faceOf(i));
        const b = r.best[0]!;
        if (b >= 0 && r.score[0]! >= opts.unknownThreshold) p = gallery.personId[b]!;
        // Constraints online: a rejected person, or one already in this photo, leaves the face unassigned.
        if (p >= 0 && (constraints.isRejected(i, p) || photoPersons.get(asset[i]!)?.has(p))) p = -1;
      }
      if (constraints.confirmed.has(i)) p = constraints.confirmed.get(i)!;
      person[i] = p;
      if (p >= 0 && asset[i]! >= 0) {
        let s = photoPersons.get(asset[i]!);
        if (!s) photoPersons.set(asset[i]!, s = new Set());
        s.add(p);
      }
      if (p < 0) unassigned++;
      const t = truth[i]!, main = t >= 0 ? mainPerson.get(t) : undefined;
      if (main !== undefined && galleryHas.has(main)) {
        eligibleFaces++;
        if (p === main) correctOnline++;
      }
    }
    const assignMs = clock() - ta;

    // Night: cluster everything seen, keep person ids stable, enforce constraints.
    const tc = clock();
    const ids = arrival.subarray(0, end);
    const input = subsetInput(ds, ids);
    const clustered = twoPassCluster(input, {
      firstPass: { threshold: opts.firstThreshold },
      hac: { linkage: opts.linkage, threshold: opts.threshold, seed: opts.seed },
    });
    const before = new Int32Array(end), clusters = new Int32Array(end);
    for (let k = 0; k < end; k++) (before[k] = person[ids[k]!]!, clusters[k] = clustered.labels[k]!);
    const mapped = mapClustersToPersons(before, clusters, nextId);
    nextId = mapped.nextId;
    const oldPersons = summarisePersons(person, truth, hasFace);
    // Membership change among faces seen before today.
    const changed = new Set<number>(), compared = new Set<number>();
    for (let k = 0; k < start; k++) {
      const i = ids[k]!;
      if (!hasFace[i]) continue;
      const a = before[k]!, b = mapped.person[k]!;
      if (a >= 0) compared.add(a);
      if (a !== b) {
        if (a >= 0) changed.add(a);
        if (b >= 0 && b < nextId) changed.add(b);
      }
    }
    for (const c of [...changed]) if (!compared.has(c)) changed.delete(c);
    for (let k = 0; k < end; k++) person[ids[k]!] = mapped.person[k]!;
    const keep = similarityToPersonMean(ds, person, seen);
    const repairs = constraints.repair(person, asset, keep, hasFace);
    const newPersons = summarisePersons(person, truth, hasFace);
    let namedDrift = 0;
    const oldIdentity = new Map(oldPersons.map((s) => [s.person, s.identity]));
    const newIdentity = new Map(newPersons.map((s) => [s.person, s.identity]));
    for (const p of named.keys()) if (oldIdentity.get(p) !== newIdentity.get(p)) namedDrift++;
    const mask = seen;
    const m = clusteringMetrics(person, truth, { mask });
    const clusterMs = clock() - tc;

    // The user.
    const actions = scriptedCorrections(
      person,
      truth,
      Uint8Array.from(hasFace, (h, i) => h & seen[i]!),
      new Set(named.keys()),
      o.identity.values,
      rng.fork(`night-${night}`),
      { budget: opts.corrections },
    );
    const corrections = { confirm: 0, reject: 0, name: 0, merge: 0, split: 0 };
    for (const a of actions) {
      corrections[a.kind]++;
      switch (a.kind) {
        case "confirm":
          constraints.confirm(a.face, a.person);
          person[a.face] = a.person;
          break;
        case "reject":
          constraints.reject(a.face, a.person);
          if (person[a.face] === a.person) person[a.face] = -1;
          break;
        case "name":
          named.set(a.person, a.name);
          break;
        case "merge":
          for (let i = 0; i < n; i++) {
            if (person[i] !== a.from) continue;
            person[i] = a.into;
            constraints.confirm(i, a.into);
          }
          if (named.has(a.from) && !named.has(a.into)) named.set(a.into, named.get(a.from)!);
          named.delete(a.from);
          break;
        case "split": {
          const id = nextId++;
          for (const f of a.faces) {
            constraints.reject(f, a.person);
            constraints.confirm(f, id);
            person[f] = id;
          }
          break;
        }
      }
    }
    totalCorrections += actions.length;
    const after = clusteringMetrics(person, truth, { mask });

    // Gallery for the next day: named or confirmed persons always in.
    const tg = clock();
    const faceIds: number[] = [];
    for (let i = 0; i < n; i++) if (seen[i] && hasFace[i] && person[i]! >= 0) faceIds.push(i);
    const x = new Float32Array(faceIds.length * dim);
    faceIds.forEach((i, r) => x.set(faceOf(i), r * dim));
    const labels = Int32Array.from(faceIds, (i) => person[i]!);
    const confirmedPersons = new Set<number>([...named.keys(), ...constraints.confirmed.values()]);
    const present = new Set(labels);
    const selection = selectGallery(x, dim, labels, {
      confirmed: [...confirmedPersons].filter((p) => present.has(p)),
    });
    gallery = selection.persons.length > 0
      ? buildGallery(x, dim, labels, { exemplars: opts.exemplars, seed: opts.seed, persons: selection.persons })
      : null;
    method = gallery ? prepareMethod(opts.method, gallery, opts.lambda === null ? {} : { lambda: opts.lambda }) : null;
    const galleryMs = clock() - tg;

    const report: NightReport = {
      night: night + 1,
      observations: end,
      newFaces,
      onlineAccuracy: eligibleFaces > 0 ? correctOnline / eligibleFaces : NaN,
      onlineUnassigned: newFaces > 0 ? unassigned / newFaces : NaN,
      persons: newPersons.length,
      galleryPersons: gallery?.persons ?? 0,
      bcubedF1: m.bcubed.f1,
      pairwiseF1: m.pairwise.f1,
      bcubedF1AfterUser: after.bcubed.f1,
      personsChanged: changed.size,
      personsCompared: compared.size,
      namedDrift,
      repairs,
      corrections,
      ms: { assign: assignMs, cluster: clusterMs, gallery: galleryMs },
    };
    reports.push(report);
    options.onNight?.(night + 1, person, constraints, seen);
    options.log?.(
      `night ${report.night}/${nights}: ${end} obs, online acc ${report.onlineAccuracy.toFixed(3)}, BCubed F1 ${
        report.bcubedF1.toFixed(3)
      } → ${
        report.bcubedF1AfterUser.toFixed(3)
      } after ${actions.length} corrections, ${report.personsChanged}/${report.personsCompared} persons changed`,
    );
  }
  return {
    dataset: ds.manifest.name,
    observations: n,
    options: opts,
    nights: reports,
    totals: { corrections: totalCorrections, seconds: (clock() - t0) / 1000 },
  };
}

/** Identity → its main person (the largest person whose majority identity it is). */
function identityMainPersons(person: Int32Array, truth: Int32Array, hasFace: Uint8Array): Map<number, number> {
  const best = new Map<number, { p: number; size: number }>();
  for (const s of summarisePersons(person, truth, hasFace)) {
    if (s.identity < 0) continue;
    const cur = best.get(s.identity);
    if (!cur || s.size > cur.size) best.set(s.identity, { p: s.person, size: s.size });
  }
  return new Map([...best].map(([t, v]) => [t, v.p]));
}

/** The clustering input restricted to the observations `ids` (in that order; it is the time order). */
function subsetInput(ds: Dataset, ids: Int32Array): ClusterInput {
  const o = ds.observations, m = ids.length;
  return {
    n: m,
    face: ds.face,
    faceDim: ds.manifest.face.dim,
    faceRow: Int32Array.from(ids, (i) => o.faceRow[i]!),
    body: ds.body,
    bodyDim: ds.manifest.body?.dim ?? 0,
    bodyRow: Int32Array.from(ids, (i) => (ds.body ? o.bodyRow[i]! : -1)),
    moment: Int32Array.from(ids, (i) => o.moment[i]!),
    order: Int32Array.from({ length: m }, (_, k) => k),
  };
}

/** Cosine similarity of each seen face to its person's normalised mean (0 without a person or face). */
function similarityToPersonMean(ds: Dataset, person: Int32Array, seen: Uint8Array): Float64Array {
  const o = ds.observations, dim = ds.manifest.face.dim, n = o.n;
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < n; i++) {
    const p = person[i]!, r = o.faceRow[i]!;
    if (!seen[i] || p < 0 || r < 0) continue;
    let s = sums.get(p);
    if (!s) sums.set(p, s = new Float64Array(dim));
    for (let t = 0; t < dim; t++) s[t]! += ds.face[r * dim + t]!;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = person[i]!, r = o.faceRow[i]!;
    if (!seen[i] || p < 0 || r < 0) continue;
    const s = sums.get(p)!;
    let dot = 0, nn = 0;
    for (let t = 0; t < dim; t++) (dot += s[t]! * ds.face[r * dim + t]!, nn += s[t]! * s[t]!);
    out[i] = nn > 0 ? dot / Math.sqrt(nn) : 0;
  }
  return out;
}
