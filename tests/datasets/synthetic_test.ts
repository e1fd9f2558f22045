import { assert, assertEquals, assertNotEquals, assertThrows } from "../_assert.ts";
import fc from "fast-check";
import { main } from "../../cli/main.ts";
import { categoricalValue, type Dataset } from "../../datasets/format.ts";
import { readDataset } from "../../datasets/io.ts";
import { parseNpyHeader } from "../../datasets/npy.ts";
import {
  applyAssignment,
  DEFAULT_CONFIG,
  generateLibrary,
  generateLibraryInMemory,
  type GeneratorOverrides,
  PRESETS,
  resolveConfig,
} from "../../datasets/synthetic/mod.ts";
import { tempDir } from "../_shared.ts";

const FILES = ["dataset.json", "observations.csv", "face.npy", "body.npy"];

async function removeAll(...dirs: string[]): Promise<void> {
  for (const d of dirs) await Deno.remove(d, { recursive: true });
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const x = await Deno.readFile(a), y = await Deno.readFile(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[ai * d + j]! * b[bi * d + j]!;
  return s;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Unit mean of the clear faces of each identity code (the empirical identity centre). */
function clearCentres(d: Dataset): Map<number, Float32Array> {
  const t = d.observations, dim = d.manifest.face.dim;
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < t.n; i++) {
    const id = t.identity.codes[i]!;
    if (id < 0 || categoricalValue(t.kind, i) !== "clear") continue;
    let s = sums.get(id);
    if (!s) sums.set(id, s = new Float64Array(dim));
    const r = t.faceRow[i]!;
    for (let j = 0; j < dim; j++) s[j]! += d.face[r * dim + j]!;
  }
  const out = new Map<number, Float32Array>();
  for (const [id, s] of sums) {
    const norm = Math.hypot(...s);
    out.set(id, Float32Array.from(s, (v) => v / norm));
  }
  return out;
}

// One medium-sized in-memory library shared by the statistical checks (about a second to build).
const STATS = generateLibraryInMemory(resolveConfig({ observations: 6000, identities: 120, seed: 11 }));

Deno.test("generateLibrary: same seed gives byte-identical files, another seed different ones", async () => {
  const config = resolveConfig(PRESETS.tiny, { seed: 7 });
  const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
  await generateLibrary(config, a);
  await generateLibrary(config, b);
  await generateLibrary(resolveConfig(PRESETS.tiny, { seed: 8 }), c);
  for (const f of FILES) assert(await sameBytes(`${a}/${f}`, `${b}/${f}`), `${f} differs between identical runs`);
  for (const f of ["observations.csv", "face.npy", "body.npy"]) {
    assert(!(await sameBytes(`${a}/${f}`, `${c}/${f}`)), `${f} is the same for seeds 7 and 8`);
  }
  // No temporary files left behind.
  const names = [];
  for await (const e of Deno.readDir(a)) names.push(e.name);
  assertEquals(names.sort(), [...FILES].sort());
  await removeAll(a, b, c);
});

Deno.test("generateLibrary: the dataset reads back valid, matching its manifest and the in-memory variant", async () => {
  const config = resolveConfig(PRESETS.tiny, { seed: 3 });
  const dir = await tempDir();
  const summary = await generateLibrary(config, dir);
  const d = await readDataset(dir); // validates dtype, shape, unit norms, row references, ids
  const m = d.manifest;
  assertEquals(m.counts.observations, 2000);
  assertEquals(d.observations.n, 2000);
  assertEquals(m.seed, 3);
  assertEquals(m.source.generator, "peoplebench-synthetic");
  assertEquals(m.source.parameters, JSON.parse(JSON.stringify(config)));
  assertEquals(m.counts, summary.manifest.counts);
  assertEquals(d.face.length, m.counts.faces * 128);
  assertEquals(d.body!.length, m.counts.bodies * 128);
  assertEquals(m.attributes, ["gender", "age_group", "skin_tone", "lookalike"]);
  assertEquals(Object.values(summary.kinds).reduce((a, b) => a + b, 0), 2000);
  assertEquals(new Set(d.observations.moment).size, m.counts.moments);
  const mem = generateLibraryInMemory(config);
  assertEquals(mem.manifest.counts, m.counts);
  assertEquals(mem.face, d.face);
  assertEquals(mem.body, d.body);
  assertEquals(mem.observations.faceRow, d.observations.faceRow);
  assertEquals(mem.observations.bodyRow, d.observations.bodyRow);
  for (let i = 0; i < 2000; i += 37) {
    assertEquals(categoricalValue(mem.observations.identity, i), categoricalValue(d.observations.identity, i));
    assertEquals(categoricalValue(mem.observations.kind, i), categoricalValue(d.observations.kind, i));
    assertEquals(mem.observations.time[i], d.observations.time[i]);
  }
  await removeAll(dir);
});

Deno.test("dataset.json counts give the numpy shape written in face.npy / body.npy headers", async () => {
  const dir = await tempDir();
  await generateLibrary(resolveConfig({ observations: 300, identities: 12, faceDim: 64, bodyDim: 32 }), dir);
  const m = JSON.parse(await Deno.readTextFile(`${dir}/dataset.json`));
  for (
    const [file, rows, dim] of [["face.npy", m.counts.faces, m.face.dim], ["body.npy", m.counts.bodies, m.body.dim]]
  ) {
    const h = parseNpyHeader(await Deno.readFile(`${dir}/${file}`), file);
    assertEquals(h.descr, "<f4");
    assertEquals(h.shape, [rows, dim]);
    assertEquals(h.offset % 64, 0);
  }
  assertEquals([m.face.dim, m.body.dim], [64, 32]);
  await removeAll(dir);
});

Deno.test("synthetic library: person frequencies are heavy-tailed and photos hold several people", () => {
  const t = STATS.observations;
  const counts = new Map<number, number>();
  for (let i = 0; i < t.n; i++) {
    const id = t.identity.codes[i]!;
    if (id >= 0) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const sorted = [...counts.values()].sort((a, b) => b - a);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  assert(sorted[0]! >= 10 * median, `top ${sorted[0]} vs median ${median}`);
  assert(sorted[sorted.length - 1]! <= 5, `rarest person has ${sorted[sorted.length - 1]} observations`);
  const perAsset = new Map<number, number>();
  for (let i = 0; i < t.n; i++) perAsset.set(t.asset.codes[i]!, (perAsset.get(t.asset.codes[i]!) ?? 0) + 1);
  const multi = [...perAsset.values()].filter((k) => k >= 2).length;
  assert(multi / perAsset.size > 0.2, `only ${multi} of ${perAsset.size} photos hold several observations`);
});

Deno.test("synthetic library: a person's bodies agree within a moment and differ across moments", () => {
  const t = STATS.observations, d = STATS.manifest.body!.dim, B = STATS.body!;
  const within: number[] = [], across: number[] = [];
  const byPerson = new Map<number, number[]>();
  for (let i = 0; i < t.n; i++) {
    if (t.identity.codes[i]! >= 0 && t.bodyRow[i]! >= 0) {
      const l = byPerson.get(t.identity.codes[i]!) ?? [];
      l.push(i);
      byPerson.set(t.identity.codes[i]!, l);
    }
  }
  for (const list of byPerson.values()) {
    for (let a = 0; a < Math.min(list.length, 60); a++) {
      for (let b = a + 1; b < Math.min(list.length, 60); b++) {
        const i = list[a]!, j = list[b]!;
        const c = dot(B, t.bodyRow[i]!, B, t.bodyRow[j]!, d);
        (t.moment[i] === t.moment[j] ? within : across).push(c);
      }
    }
  }
  assert(within.length > 100 && across.length > 100);
  assert(mean(within) > 0.75, `within-moment body cosine ${mean(within)}`);
  assert(mean(within) - mean(across) > 0.4, `within ${mean(within)} vs across ${mean(across)}`);
  // Repeated outfits: some cross-moment pairs are as close as same-moment ones.
  assert(across.filter((c) => c > 0.7).length > 0, "no outfit is ever worn again");
});

Deno.test("synthetic library: kinds are consistent with rows, identities and quality", () => {
  const t = STATS.observations;
  const kinds = new Map<string, number>();
  const quality = new Map<string, number[]>();
  for (let i = 0; i < t.n; i++) {
    const k = categoricalValue(t.kind, i);
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
    if (k === "nonface") {
      assertEquals(t.identity.codes[i], -1);
      for (const col of t.attributes.values()) assertEquals(col.codes[i], -1);
      assert(t.faceRow[i]! >= 0);
      assertEquals(t.bodyRow[i], -1);
    } else assert(t.identity.codes[i]! >= 0, `row ${i} (${k}) has no identity`);
    if (k === "body_only") {
      assertEquals(t.faceRow[i], -1);
      assert(t.bodyRow[i]! >= 0 && Number.isNaN(t.faceQuality[i]!) && Number.isNaN(t.faceBox[i * 4]!));
    }
    if (k === "face_only") assert(t.bodyRow[i] === -1 && Number.isNaN(t.bodyBox[i * 4]!));
    if (t.faceRow[i]! >= 0) {
      const q = t.faceQuality[i]!;
      assert(q >= 0 && q <= 1);
      const l = quality.get(k) ?? [];
      l.push(q);
      quality.set(k, l);
      const [x, y, w, h] = t.faceBox.subarray(i * 4, i * 4 + 4);
      assert(x! >= 0 && y! >= 0 && w! > 0 && h! > 0);
    }
  }
  for (const k of ["clear", "profile", "unclear", "nonface", "body_only", "face_only", "masked"]) {
    assert((kinds.get(k) ?? 0) > 10, `kind ${k}: ${kinds.get(k) ?? 0}`);
  }
  const mq = (k: string) => mean(quality.get(k)!);
  assert(mq("clear") > mq("profile") && mq("profile") > mq("unclear"), "face_quality does not follow the noise");
  assert(mq("nonface") < 0.3);
  // Time and GPS: mostly present, sometimes missing.
  let noTime = 0, noGps = 0;
  for (let i = 0; i < t.n; i++) {
    if (Number.isNaN(t.time[i]!)) noTime++;
    if (Number.isNaN(t.lat[i]!)) noGps++;
  }
  assert(noTime > 0 && noTime < 0.1 * t.n, `missing times: ${noTime}`);
  assert(noGps > 0 && noGps < 0.5 * t.n, `missing GPS: ${noGps}`);
});

Deno.test("synthetic library: faces get noisier with unclear kinds and with the noisier subgroups", () => {
  const d = STATS, t = d.observations, dim = d.manifest.face.dim;
  const centres = clearCentres(d);
  const simBy = (pred: (i: number) => boolean) => {
    const s: number[] = [];
    for (let i = 0; i < t.n; i++) {
      const c = centres.get(t.identity.codes[i]!);
      if (c && t.faceRow[i]! >= 0 && pred(i)) s.push(dot(d.face, t.faceRow[i]!, c, 0, dim));
    }
    return mean(s);
  };
  const kind = (k: string) => (i: number) => categoricalValue(t.kind, i) === k;
  assert(simBy(kind("clear")) > simBy(kind("profile")) + 0.05);
  assert(simBy(kind("profile")) > simBy(kind("unclear")) + 0.05);
  const skin = t.attributes.get("skin_tone")!;
  const group = (v: string) => (i: number) => kind("clear")(i) && categoricalValue(skin, i) === v;
  const light = simBy(group("light")), dark = simBy(group("dark"));
  assert(light - dark > 0.03, `fairness gap missing: light ${light}, dark ${dark}`);
  // Look-alikes exist and are closer to some other person than ordinary people are.
  const look = t.attributes.get("lookalike")!;
  const ids = [...centres.keys()];
  const nearest = (id: number) => {
    let best = -1;
    for (const o of ids) if (o !== id) best = Math.max(best, dot(centres.get(id)!, 0, centres.get(o)!, 0, dim));
    return best;
  };
  const isLook = new Map<number, boolean>();
  for (let i = 0; i < t.n; i++) {
    if (t.identity.codes[i]! >= 0) isLook.set(t.identity.codes[i]!, categoricalValue(look, i) === "yes");
  }
  const lookIds = ids.filter((id) => isLook.get(id)), other = ids.filter((id) => !isLook.get(id));
  assert(lookIds.length >= 2);
  assert(mean(lookIds.map(nearest)) > mean(other.map(nearest)) + 0.1, "look-alikes are not closer");
});

Deno.test("synthetic library: masked faces share one shift; children's faces drift with time", () => {
  const d = STATS, t = d.observations, dim = d.manifest.face.dim;
  const centres = clearCentres(d);
  // Residual (face − identity centre) of masked faces points the same way across people.
  const residual = (kind: string) => {
    const rs: Float32Array[] = [];
    for (let i = 0; i < t.n && rs.length < 200; i++) {
      const c = centres.get(t.identity.codes[i]!);
      if (!c || categoricalValue(t.kind, i) !== kind) continue;
      const r = d.face.slice(t.faceRow[i]! * dim, (t.faceRow[i]! + 1) * dim).map((v, j) => v - c[j]!);
      const n = Math.hypot(...r);
      if (n > 1e-3) rs.push(r.map((v) => v / n)); // a person's only clear face is its own centre
    }
    const cs: number[] = [];
    for (let a = 0; a < rs.length; a++) for (let b = a + 1; b < rs.length; b++) cs.push(dot(rs[a]!, 0, rs[b]!, 0, dim));
    return mean(cs);
  };
  const masked = residual("masked"), clear = residual("clear"), profile = residual("profile");
  assert(masked > clear + 0.15 && masked > profile + 0.15, `masked ${masked} clear ${clear} profile ${profile}`);
  // Early vs late clear faces of one person: children change more than adults.
  const age = t.attributes.get("age_group")!;
  const drift = (group: string) => {
    const byId = new Map<number, number[]>();
    for (let i = 0; i < t.n; i++) {
      if (categoricalValue(t.kind, i) !== "clear" || categoricalValue(age, i) !== group) continue;
      if (Number.isNaN(t.time[i]!)) continue;
      const l = byId.get(t.identity.codes[i]!) ?? [];
      l.push(i);
      byId.set(t.identity.codes[i]!, l);
    }
    const sims: number[] = [];
    for (const l of byId.values()) {
      if (l.length < 20) continue;
      l.sort((a, b) => t.time[a]! - t.time[b]!);
      const k = Math.floor(l.length / 4);
      const early = l.slice(0, k), late = l.slice(l.length - k);
      const meanOf = (rows: number[]) => {
        const m = new Float32Array(dim);
        for (const i of rows) for (let j = 0; j < dim; j++) m[j]! += d.face[t.faceRow[i]! * dim + j]!;
        const n = Math.hypot(...m);
        return m.map((v) => v / n);
      };
      sims.push(dot(meanOf(early), 0, meanOf(late), 0, dim));
    }
    return mean(sims);
  };
  assert(drift("child") < drift("adult") - 0.05, `child ${drift("child")} adult ${drift("adult")}`);
});

Deno.test("generateLibraryInMemory: invariants hold for random small configurations (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 1000 }),
        observations: fc.integer({ min: 1, max: 150 }),
        identities: fc.integer({ min: 1, max: 15 }),
        faceDim: fc.integer({ min: 2, max: 12 }),
        bodyDim: fc.integer({ min: 2, max: 12 }),
        body: fc.boolean(),
        nonfaceRate: fc.double({ min: 0, max: 1, noNaN: true }),
        bodyOnlyRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
        zipfExponent: fc.double({ min: 0, max: 3, noNaN: true }),
      }),
      (o) => {
        const d = generateLibraryInMemory(resolveConfig(o));
        const t = d.observations;
        assertEquals(t.n, o.observations);
        const faces = d.face.length / o.faceDim;
        const bodies = d.body ? d.body.length / o.bodyDim : 0;
        assertEquals(d.manifest.counts.faces, faces);
        const seenFace = new Uint8Array(faces), seenBody = new Uint8Array(bodies);
        for (let i = 0; i < t.n; i++) {
          const f = t.faceRow[i]!, b = t.bodyRow[i]!;
          assert(f >= -1 && f < faces && b >= -1 && b < bodies);
          assert(f >= 0 || b >= 0, "an observation with neither face nor body");
          if (f >= 0) seenFace[f]!++;
          if (b >= 0) seenBody[b]!++;
          assertEquals(t.identity.codes[i] === -1, categoricalValue(t.kind, i) === "nonface");
        }
        assert(seenFace.every((c) => c === 1) && seenBody.every((c) => c === 1), "rows not referenced once");
        if (!o.body) assertEquals(d.body, null);
        for (const [data, dim] of [[d.face, o.faceDim], [d.body, o.bodyDim]] as const) {
          if (!data) continue;
          for (let r = 0; r < data.length / dim; r++) {
            const n = Math.hypot(...data.subarray(r * dim, (r + 1) * dim));
            assert(Math.abs(n - 1) < 1e-5, `row ${r} norm ${n}`);
          }
        }
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("resolveConfig and --set assignments validate every knob", () => {
  assertEquals(resolveConfig().faceDim, 128);
  assertEquals(resolveConfig(PRESETS.large).observations, 1_000_000);
  assertEquals(resolveConfig({ momentMix: { trip: 1 } }).momentMix.outing, DEFAULT_CONFIG.momentMix.outing);
  assertThrows(() => resolveConfig({ profileRate: 1.5 }), RangeError, "profileRate");
  assertThrows(() => resolveConfig({ observations: 2.5 }), RangeError, "integer");
  assertThrows(() => resolveConfig({ faceDim: Number.NaN }), TypeError, "faceDim");
  assertThrows(() => resolveConfig({ nope: 1 } as GeneratorOverrides), TypeError, "nope");
  assertThrows(() => resolveConfig({ startDate: "yesterday" }), RangeError, "startDate");
  assertThrows(() => resolveConfig({ attributes: { gender: {} } }), RangeError, "gender");
  const o: GeneratorOverrides = {};
  applyAssignment(o, "profileRate=0.3");
  applyAssignment(o, "momentMix.trip=2");
  applyAssignment(o, "attributes.skin_tone.dark.noise=1.6");
  applyAssignment(o, "body=false");
  const c = resolveConfig(o);
  assertEquals([c.profileRate, c.momentMix.trip, c.attributes.skin_tone!.dark!.noise, c.body], [0.3, 2, 1.6, false]);
  assertEquals(c.attributes.gender, DEFAULT_CONFIG.attributes.gender);
  assertThrows(() => applyAssignment({}, "profileRate"), TypeError, "path=value");
  assertThrows(() => applyAssignment({}, "profileRate=abc"), TypeError, "number");
  assertThrows(() => applyAssignment({}, "momentMix=3"), TypeError, "group");
  assertThrows(() => applyAssignment({}, "attributes.gender.female=1"), TypeError, "share|noise");
});

Deno.test("pb generate writes a dataset; bad values exit 2 with one line", async () => {
  const dir = await tempDir();
  const log = console.log, error = console.error;
  const out: string[] = [], err: string[] = [];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    assertEquals(await main(["generate", "--out", dir, "--observations", "250", "--seed", "5", "--no-body"]), 0);
    assert(out[0]!.startsWith(`wrote ${dir}: 250 observations`), out[0]);
    const d = await readDataset(dir);
    assertEquals([d.manifest.seed, d.manifest.body, d.body], [5, null, null]);
    assert(d.observations.bodyRow.every((r) => r === -1));
    for (
      const bad of [
        ["--preset", "huge"],
        ["--seed", "-1"],
        ["--seed", "x"],
        ["--face-dim", "1"],
        ["--observations", "0"],
        ["--set", "profileRate=7"],
        ["--set", "unknownKnob=1"],
      ]
    ) {
      err.length = 0;
      assertEquals(await main(["generate", "--out", `${dir}/x`, ...bad]), 2, bad.join(" "));
      assertEquals(err.length, 1);
    }
    err.length = 0;
    assertEquals(await main(["generate"]), 2);
    assert(err[0]!.includes("--out"));
  } finally {
    console.log = log;
    console.error = error;
  }
  assertNotEquals(out.length, 0);
  await removeAll(dir);
});

Deno.test("dataset.json source.parameters regenerates the same library", async () => {
  const dir = await tempDir(), again = await tempDir();
  await generateLibrary(resolveConfig({ observations: 400, identities: 20, seed: 9, profileRate: 0.3 }), dir);
  const m = JSON.parse(await Deno.readTextFile(`${dir}/dataset.json`));
  await generateLibrary(resolveConfig(m.source.parameters), again);
  for (const f of FILES) assert(await sameBytes(`${dir}/${f}`, `${again}/${f}`), f);
  await removeAll(dir, again);
});

Deno.test("datasets/synthetic/README.md documents every knob", async () => {
  const readme = await Deno.readTextFile(new URL("../../datasets/synthetic/README.md", import.meta.url));
  for (const key of Object.keys(DEFAULT_CONFIG)) {
    assert(readme.includes(`| \`${key}`), `knob ${key} is not in the table`);
  }
});
