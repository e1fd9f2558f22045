/**
 * Assignment variant wrapping `algorithms/gallery` + `algorithms/assignment`: enrol part of each known
 * identity's faces as the gallery (c exemplars per person), hold some identities out entirely as unknown
 * people, and recognise every other face with centroid | exemplar | knn | sparse | crc. Records per-query
 * latency samples (`query_seconds`, or `batch_seconds` in batched mode).
 * @module
 */
import { ASSIGNMENT_METHODS, prepareMethod } from "../../../algorithms/assignment/methods.ts";
import { buildGallery, EXEMPLAR_STRATEGIES, type ExemplarStrategy } from "../../../algorithms/gallery/exemplars.ts";
import type { ParamSpec, Variant } from "../types.ts";

type AssignParams = {
  method: string;
  exemplars: number;
  strategy: string;
  lambda: number;
  k: number;
  enroll_fraction: number;
  unknown_fraction: number;
  batch: number;
};

interface Split {
  /** Face rows of enrolled observations and their identity codes. */
  enrolRows: Float32Array;
  enrolLabels: Int32Array;
  queries: Int32Array;
  queryRows: Float32Array;
}

/** How a dataset is split into gallery and queries: shared by every assignment variant. */
export const SPLIT_PARAMS = {
  enroll_fraction: {
    kind: "float",
    min: 0.01,
    max: 0.99,
    default: 0.5,
    help: "share of a known person's faces enrolled [0.5]",
  },
  unknown_fraction: {
    kind: "float",
    min: 0,
    max: 0.9,
    default: 0.2,
    help: "share of identities held out as unknown [0.2]",
  },
} as const satisfies Record<string, ParamSpec>;

/** `gallery-assign`: ground-truth gallery, then recognition of held-out and unknown faces. */
export const assignVariant: Variant<AssignParams> = {
  id: "gallery-assign",
  stage: "assign",
  summary: "enrol a share of each person's faces, recognise the rest (centroid | exemplar | knn | sparse | crc)",
  params: {
    method: {
      kind: "enum",
      values: [...ASSIGNMENT_METHODS.keys()],
      default: "sparse",
      help: "assignment method [sparse]",
    },
    exemplars: { kind: "int", min: 0, max: 1000, default: 5, help: "exemplars per person c (0 = all members) [5]" },
    strategy: { kind: "enum", values: EXEMPLAR_STRATEGIES, default: "kmedoids", help: "exemplar choice [kmedoids]" },
    lambda: {
      kind: "float",
      min: 0,
      max: 100,
      default: 0,
      help: "λ of sparse (ℓ1) / crc (ℓ2); 0 = the method's own default (sparse 0.1, crc 1) [0]",
    },
    k: { kind: "int", min: 1, max: 100, default: 5, help: "neighbours of knn [5]" },
    ...SPLIT_PARAMS,
    batch: { kind: "int", min: 0, max: 100000, default: 0, help: "queries per call; 0 = one at a time [0]" },
  },
  prepare(input, p, ctx): Split {
    const d = input.dataset, o = d.observations, dim = d.manifest.face.dim;
    const byId = new Map<number, number[]>();
    for (let i = 0; i < o.n; i++) {
      const id = o.identity.codes[i]!;
      if (id < 0 || o.faceRow[i]! < 0) continue;
      let l = byId.get(id);
      if (!l) byId.set(id, l = []);
      l.push(i);
    }
    const ids = [...byId.keys()].filter((id) => byId.get(id)!.length >= 2).sort((a, b) => a - b);
    ctx.rng.shuffle(ids);
    const unknown = new Set(ids.slice(0, Math.floor(p.unknown_fraction * ids.length)));
    const enrol: number[] = [], queries: number[] = [];
    for (const id of ids) {
      const members = [...byId.get(id)!];
      if (unknown.has(id)) {
        queries.push(...members);
        continue;
      }
      ctx.rng.shuffle(members);
      const e = Math.min(members.length - 1, Math.max(1, Math.round(p.enroll_fraction * members.length)));
      enrol.push(...members.slice(0, e));
      queries.push(...members.slice(e));
    }
    if (enrol.length === 0) throw new RangeError("no identity has two or more faces to enrol and query");
    queries.sort((a, b) => a - b);
    const rows = (obs: number[]) => {
      const out = new Float32Array(obs.length * dim);
      obs.forEach((i, k) => out.set(d.face.subarray(o.faceRow[i]! * dim, (o.faceRow[i]! + 1) * dim), k * dim));
      return out;
    };
    return {
      enrolRows: rows(enrol),
      enrolLabels: Int32Array.from(enrol, (i) => o.identity.codes[i]!),
      queries: Int32Array.from(queries),
      queryRows: rows(queries),
    };
  },
  run(input, p, ctx, state) {
    const s = state as Split, dim = input.dataset.manifest.face.dim;
    const gallery = buildGallery(s.enrolRows, dim, s.enrolLabels, {
      exemplars: p.exemplars,
      strategy: p.strategy as ExemplarStrategy,
      seed: ctx.seed,
    });
    // λ = 0 leaves the choice to the method: sparse and crc want very different scales.
    const method = prepareMethod(p.method, gallery, { ...(p.lambda > 0 ? { lambda: p.lambda } : {}), k: p.k });
    const n = s.queries.length;
    const predicted = new Int32Array(n), scores = new Float64Array(n);
    const step = p.batch > 0 ? p.batch : 1;
    const times: number[] = [];
    for (let q = 0; q < n; q += step) {
      const end = Math.min(n, q + step);
      const t0 = ctx.clock();
      const raw = method.assign(s.queryRows.subarray(q * dim, end * dim));
      times.push(ctx.clock() - t0);
      for (let j = 0; j < end - q; j++) {
        const b = raw.best[j]!;
        predicted[q + j] = b < 0 ? -1 : gallery.personId[b]!;
        scores[q + j] = raw.score[j]!;
      }
    }
    return {
      assignment: { queries: s.queries, predicted, scores, enrolled: Int32Array.from(gallery.personId) },
      samples: { [p.batch > 0 ? "batch_seconds" : "query_seconds"]: times },
      counters: { persons: gallery.persons, atoms: gallery.atomPerson.length, queries: n },
    };
  },
};
