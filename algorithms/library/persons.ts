/**
 * Persons of an incremental library: stable person ids across re-clusterings, user constraints, and a
 * scripted user who corrects a sample of mistakes.
 *
 * - {@link mapClustersToPersons}: a fresh clustering's clusters take the ids of the existing persons they
 *   overlap most (greedy maximum overlap: pairs by decreasing shared members, each person and cluster used
 *   once; ties → lower person id, then lower cluster id); the rest get new ids.
 * - {@link LibraryConstraints}: confirmations (face f is person p: it stays), rejections (face f is not p:
 *   it never returns to p) and the cannot-link of faces in one photo (never the same person).
 *   {@link LibraryConstraints.repair} enforces them on any labelling — the clustering itself is
 *   unconstrained; its output is repaired.
 * - {@link scriptedCorrections}: the user's actions for one night, from the ground truth.
 *
 * @module
 */
import type { Rng } from "../random/rng.ts";

/**
 * Maps clusters to persons by greedy maximum overlap.
 *
 * @param previous person id per observation before (−1: none / new observation).
 * @param clusters cluster per observation in the new clustering (−1: unclustered).
 * @param nextId the first unused person id.
 * @returns person per observation (−1 stays −1) and the next unused id.
 */
export function mapClustersToPersons(
  previous: Int32Array,
  clusters: Int32Array,
  nextId: number,
): { person: Int32Array; nextId: number } {
  const n = clusters.length;
  const counts = new Map<number, number>(); // packed (cluster, person) → shared observations
  const key = (c: number, p: number) => c * 4194304 + p;
  let maxCluster = -1;
  for (let i = 0; i < n; i++) {
    const c = clusters[i]!;
    if (c > maxCluster) maxCluster = c;
    const p = previous[i]!;
    if (c < 0 || p < 0) continue;
    const k = key(c, p);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const pairs = [...counts.entries()].map(([k, v]) => ({ c: Math.floor(k / 4194304), p: k % 4194304, v }));
  pairs.sort((a, b) => b.v - a.v || a.p - b.p || a.c - b.c);
  const clusterPerson = new Int32Array(maxCluster + 1).fill(-1);
  const usedPerson = new Set<number>();
  for (const { c, p } of pairs) {
    if (clusterPerson[c] !== -1 || usedPerson.has(p)) continue;
    clusterPerson[c] = p;
    usedPerson.add(p);
  }
  // Clusters without an existing person get new ids in order of first appearance.
  for (let i = 0; i < n; i++) {
    const c = clusters[i]!;
    if (c >= 0 && clusterPerson[c] === -1) clusterPerson[c] = nextId++;
  }
  const person = new Int32Array(n);
  for (let i = 0; i < n; i++) person[i] = clusters[i]! < 0 ? -1 : clusterPerson[clusters[i]!]!;
  return { person, nextId };
}

/** User constraints on faces. */
export class LibraryConstraints {
  /** Face (observation) → person it was confirmed as. */
  readonly confirmed = new Map<number, number>();
  /** Face → persons it was rejected from. */
  readonly rejected = new Map<number, Set<number>>();

  /** Records "face is person" (replacing an earlier confirmation; clears a rejection of that person). */
  confirm(face: number, person: number): void {
    this.confirmed.set(face, person);
    this.rejected.get(face)?.delete(person);
  }

  /** Records "face is not person" (drops a confirmation of that person). */
  reject(face: number, person: number): void {
    let s = this.rejected.get(face);
    if (!s) this.rejected.set(face, s = new Set());
    s.add(person);
    if (this.confirmed.get(face) === person) this.confirmed.delete(face);
  }

  /** Whether labelling `face` as `person` breaks a rejection. */
  isRejected(face: number, person: number): boolean {
    return this.rejected.get(face)?.has(person) ?? false;
  }

  /**
   * Enforces the constraints on a labelling, in place: confirmed faces take their person; a face labelled
   * with a person it was rejected from becomes unassigned (−1); among faces of one photo with the same
   * person, the confirmed one (else the one with the highest `keep` score, ties → lower index) keeps it
   * and the others become unassigned.
   *
   * @param person person per observation (indices are observation ids), modified.
   * @param asset photo per observation (−1: unknown, no cannot-link).
   * @param keep score per observation for the cannot-link tie-break (e.g. similarity to the person's mean).
   * @param hasFace 1 when the observation has a face (cannot-link applies to faces only).
   * @returns how many labels each rule changed.
   */
  repair(
    person: Int32Array,
    asset: Int32Array,
    keep: Float64Array,
    hasFace: Uint8Array,
  ): { confirmed: number; rejected: number; cannotLink: number } {
    let confirmed = 0, rejected = 0, cannotLink = 0;
    for (const [f, p] of this.confirmed) {
      if (f < person.length && person[f] !== p) (person[f] = p, confirmed++);
    }
    for (const [f, set] of this.rejected) {
      if (f < person.length && set.has(person[f]!)) (person[f] = -1, rejected++);
    }
    // Cannot-link: group faces by (photo, person).
    const holder = new Map<string, number>();
    for (let i = 0; i < person.length; i++) {
      const p = person[i]!, a = asset[i]!;
      if (p < 0 || a < 0 || !hasFace[i]) continue;
      const k = `${a}:${p}`;
      const j = holder.get(k);
      if (j === undefined) {
        holder.set(k, i);
        continue;
      }
      // Keep the better of j and i.
      const ci = this.confirmed.get(i) === p, cj = this.confirmed.get(j) === p;
      const iWins = ci !== cj ? ci : keep[i]! > keep[j]!;
      if (iWins) (person[j] = -1, holder.set(k, i));
      else person[i] = -1;
      cannotLink++;
    }
    return { confirmed, rejected, cannotLink };
  }
}

/** A user action. */
export type UserAction =
  | { kind: "confirm"; face: number; person: number }
  | { kind: "reject"; face: number; person: number }
  | { kind: "name"; person: number; name: string }
  | { kind: "merge"; into: number; from: number }
  | { kind: "split"; person: number; faces: number[] };

/** Per-person majority identity, size and purity (faces only). */
export interface PersonSummary {
  person: number;
  size: number;
  identity: number;
  /** Share of the person's identified faces that have the majority identity. */
  purity: number;
  /** Faces by identity. */
  byIdentity: Map<number, number[]>;
}

/**
 * Summarises persons against the ground truth.
 *
 * @param person person per observation (−1 ignored).
 * @param truth identity per observation (−1 ignored in purity).
 * @param hasFace 1 for observations with a face (only faces are counted).
 * @returns one summary per person id, in ascending id order.
 */
export function summarisePersons(person: Int32Array, truth: Int32Array, hasFace: Uint8Array): PersonSummary[] {
  const by = new Map<number, Map<number, number[]>>();
  const size = new Map<number, number>();
  for (let i = 0; i < person.length; i++) {
    const p = person[i]!;
    if (p < 0 || !hasFace[i]) continue;
    size.set(p, (size.get(p) ?? 0) + 1);
    const t = truth[i]!;
    if (t < 0) continue;
    let m = by.get(p);
    if (!m) by.set(p, m = new Map());
    let l = m.get(t);
    if (!l) m.set(t, l = []);
    l.push(i);
  }
  const out: PersonSummary[] = [];
  for (const p of [...size.keys()].sort((a, b) => a - b)) {
    const m = by.get(p) ?? new Map<number, number[]>();
    let identity = -1, best = 0, total = 0;
    for (const [t, l] of [...m.entries()].sort((a, b) => a[0] - b[0])) {
      total += l.length;
      if (l.length > best) (best = l.length, identity = t);
    }
    out.push({ person: p, size: size.get(p)!, identity, purity: total ? best / total : 0, byIdentity: m });
  }
  return out;
}

/** Options of {@link scriptedCorrections}. */
export interface ScriptOptions {
  /** Actions per night at most [20]. */
  budget?: number;
  /** Persons of at least this many faces are worth naming, merging or splitting [5]. */
  minSize?: number;
  /** A minority identity is split off when it has ≥ this share of a person's faces [0.25]. */
  splitShare?: number;
}

/**
 * The scripted user of one night: looks at the persons against the ground truth and picks up to `budget`
 * corrections, round-robin over merge → split → reject → confirm → name, each a random candidate (seeded):
 * - merge: two persons of ≥ minSize faces with the same majority identity (purity ≥ 0.8): the smaller into
 *   the larger;
 * - split: a person whose second identity holds ≥ splitShare of its faces (and ≥ 3 faces): those faces
 *   become a new person;
 * - reject: a face whose identity is not its person's majority identity;
 * - confirm: a face of identity I not in I's main person (the largest person with majority I);
 * - name: the largest unnamed person of ≥ minSize faces with purity ≥ 0.5.
 *
 * @param person current person per observation.
 * @param truth identity per observation.
 * @param hasFace 1 for faces.
 * @param named persons already named.
 * @param identityNames identity code → name.
 * @param rng seeded generator.
 * @param options budget and thresholds.
 * @returns the actions, in the order chosen.
 */
export function scriptedCorrections(
  person: Int32Array,
  truth: Int32Array,
  hasFace: Uint8Array,
  named: ReadonlySet<number>,
  identityNames: readonly string[],
  rng: Rng,
  options: ScriptOptions = {},
): UserAction[] {
  const budget = options.budget ?? 20, minSize = options.minSize ?? 5, splitShare = options.splitShare ?? 0.25;
  const persons = summarisePersons(person, truth, hasFace);
  const mainOf = new Map<number, PersonSummary>();
  for (const s of persons) {
    if (s.identity < 0) continue;
    const cur = mainOf.get(s.identity);
    if (!cur || s.size > cur.size) mainOf.set(s.identity, s);
  }
  const merges: UserAction[] = [], splits: UserAction[] = [], rejects: UserAction[] = [], confirms: UserAction[] = [];
  for (const s of persons) {
    const main = s.identity >= 0 ? mainOf.get(s.identity)! : undefined;
    if (main && main.person !== s.person && s.size >= minSize && s.purity >= 0.8 && main.purity >= 0.8) {
      merges.push({ kind: "merge", into: main.person, from: s.person });
    }
    const ranked = [...s.byIdentity.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
    const second = ranked[1];
    if (second && s.size >= minSize && second[1].length >= 3 && second[1].length >= splitShare * s.size) {
      splits.push({ kind: "split", person: s.person, faces: [...second[1]] });
    }
    for (const [t, faces] of ranked) {
      if (t === s.identity) continue;
      for (const f of faces) rejects.push({ kind: "reject", face: f, person: s.person });
    }
  }
  for (let i = 0; i < person.length; i++) {
    const t = truth[i]!;
    if (!hasFace[i] || t < 0) continue;
    const main = mainOf.get(t);
    if (main && person[i] !== main.person && main.size >= minSize) {
      confirms.push({ kind: "confirm", face: i, person: main.person });
    }
  }
  const names: UserAction[] = persons
    .filter((s) => !named.has(s.person) && s.size >= minSize && s.purity >= 0.5 && s.identity >= 0)
    .sort((a, b) => b.size - a.size || a.person - b.person)
    .map((s) => ({
      kind: "name" as const,
      person: s.person,
      name: identityNames[s.identity] ?? `identity-${s.identity}`,
    }));
  const queues = [merges, splits, rejects, confirms].map((q) => rng.shuffle(q));
  queues.push(names); // names go largest first
  const out: UserAction[] = [];
  const touched = new Set<number>(); // persons merged or split this night: one structural change each
  let progress = true;
  while (out.length < budget && progress) {
    progress = false;
    for (const q of queues) {
      if (out.length >= budget) break;
      while (q.length > 0) {
        const a = q.shift()!;
        if (a.kind === "merge" && (touched.has(a.into) || touched.has(a.from))) continue;
        if (a.kind === "split" && touched.has(a.person)) continue;
        if (a.kind === "merge") (touched.add(a.into), touched.add(a.from));
        if (a.kind === "split") touched.add(a.person);
        out.push(a);
        progress = true;
        break;
      }
    }
  }
  return out;
}
