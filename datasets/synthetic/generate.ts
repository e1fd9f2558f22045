/**
 * Generating synthetic photo libraries: streamed to a dataset folder, or built in memory for tests.
 * @module
 */
import {
  allocateObservationTable,
  type Dataset,
  DATASET_FORMAT,
  DATASET_VERSION,
  type DatasetManifest,
} from "../format.ts";
import { DatasetWriter } from "../io.ts";
import type { GeneratorConfig } from "./config.ts";
import { LibrarySimulator } from "./_simulator.ts";

/** Generator name recorded in `dataset.json` → `source.generator`. */
export const GENERATOR_NAME = "peoplebench-synthetic";
/** Generator version: bump it whenever the same configuration would produce different files. */
export const GENERATOR_VERSION = "1.0.0";

const NOTES = "Synthetic photo library. kind: clear | profile | masked | unclear (face noise above the unclear " +
  "threshold) | face_only (clear face, body out of frame) | body_only (face not visible) | nonface (false " +
  "detection, no identity). Identities are Zipf-distributed; body vectors follow each person's outfit per moment.";

/** What a generation produced. */
export interface GenerateSummary {
  /** The manifest written (or built). */
  manifest: DatasetManifest;
  /** Observations per kind, kinds in alphabetical order. */
  kinds: Record<string, number>;
  /** Wall-clock seconds, from the injected clock. */
  seconds: number;
}

/** Options of {@link generateLibrary}. */
export interface GenerateOptions {
  /** Called after each batch with observations written so far and the target. Default: none. */
  onProgress?: (done: number, total: number) => void;
  /** Milliseconds clock used for `seconds`. Default: `performance.now`. */
  clock?: () => number;
}

/** The `source` object of `dataset.json`: generator, version and every resolved parameter. */
export function generatorSource(config: GeneratorConfig): Record<string, unknown> {
  return { generator: GENERATOR_NAME, version: GENERATOR_VERSION, parameters: config };
}

function sortedKinds(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/**
 * Generates a synthetic library and streams it to a dataset folder (format v1). Memory stays bounded
 * (one batch of observations plus the identity tables) whatever `config.observations` is.
 *
 * @param config a resolved configuration (see resolveConfig and PRESETS)
 * @param outDir folder to create or overwrite
 * @param options progress callback and clock
 * @returns the manifest, counts per kind and the time taken
 * @throws {Error} when the folder cannot be written
 * @example
 * ```ts
 * import { generateLibrary, resolveConfig } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const s = await generateLibrary(resolveConfig({ observations: 100, identities: 10 }), dir);
 * if (s.manifest.counts.observations !== 100) throw new Error("wrong count");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function generateLibrary(
  config: GeneratorConfig,
  outDir: string,
  options: GenerateOptions = {},
): Promise<GenerateSummary> {
  const clock = options.clock ?? (() => performance.now());
  const t0 = clock();
  const sim = new LibrarySimulator(config);
  const writer = await DatasetWriter.open(outDir, {
    name: config.name,
    source: generatorSource(config),
    seed: config.seed,
    face: { dim: config.faceDim, model: `${GENERATOR_NAME}-face` },
    body: config.body ? { dim: config.bodyDim, model: `${GENERATOR_NAME}-body` } : null,
    attributes: sim.attributeNames,
    notes: NOTES,
  });
  const kinds = new Map<string, number>();
  for (const batch of sim.batches()) {
    if (writer.faces.rows !== batch.firstFaceRow) throw new Error("internal error: face rows out of step");
    await writer.faces.write(batch.faces);
    if (batch.bodies && writer.bodies) await writer.bodies.write(batch.bodies);
    for (const rec of batch.records) {
      await writer.addObservation(rec);
      kinds.set(rec.kind, (kinds.get(rec.kind) ?? 0) + 1);
    }
    options.onProgress?.(writer.observations, config.observations);
  }
  const manifest = await writer.close();
  return { manifest, kinds: sortedKinds(kinds), seconds: (clock() - t0) / 1000 };
}

/**
 * Generates a synthetic library in memory, identical to what {@link generateLibrary} writes (same rows,
 * same counts) — for tests and small experiments; it holds everything, so keep it to small configurations.
 *
 * @param config a resolved configuration
 * @returns the dataset (dir is "")
 * @example
 * ```ts
 * import { generateLibraryInMemory, resolveConfig } from "./mod.ts";
 * const d = generateLibraryInMemory(resolveConfig({ observations: 50, identities: 5 }));
 * if (d.observations.n !== 50) throw new Error("wrong count");
 * ```
 */
export function generateLibraryInMemory(config: GeneratorConfig): Dataset {
  const sim = new LibrarySimulator(config);
  const n = config.observations;
  const faceParts: Float32Array[] = [], bodyParts: Float32Array[] = [];
  const { table: t, asset, identity, kind, attributes: attrs } = allocateObservationTable(n, sim.attributeNames);
  const assets = new Set<string>(), moments = new Set<number>(), identities = new Set<string>();
  let i = 0, faces = 0, bodies = 0;
  for (const batch of sim.batches()) {
    faceParts.push(batch.faces.slice());
    faces += batch.faces.length / config.faceDim;
    if (batch.bodies) {
      bodyParts.push(batch.bodies.slice());
      bodies += batch.bodies.length / config.bodyDim;
    }
    for (const rec of batch.records) {
      asset.column.codes[i] = asset.code(rec.asset);
      identity.column.codes[i] = identity.code(rec.identity);
      kind.column.codes[i] = kind.code(rec.kind);
      for (const a of attrs) a.builder.column.codes[i] = a.builder.code(rec.attributes[a.name] ?? "");
      t.moment[i] = rec.moment;
      t.time[i] = rec.time;
      t.lat[i] = rec.lat;
      t.lon[i] = rec.lon;
      t.faceRow[i] = rec.faceRow;
      t.bodyRow[i] = rec.bodyRow;
      t.faceQuality[i] = rec.faceQuality;
      if (rec.faceBox) t.faceBox.set(rec.faceBox, i * 4);
      if (rec.bodyBox) t.bodyBox.set(rec.bodyBox, i * 4);
      assets.add(rec.asset);
      moments.add(rec.moment);
      if (rec.identity !== "") identities.add(rec.identity);
      i++;
    }
  }
  const concat = (parts: Float32Array[], total: number) => {
    const out = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    name: config.name,
    source: generatorSource(config),
    seed: config.seed,
    counts: {
      observations: n,
      assets: assets.size,
      moments: moments.size,
      identities: identities.size,
      faces,
      bodies,
    },
    face: { dim: config.faceDim, model: `${GENERATOR_NAME}-face` },
    body: config.body ? { dim: config.bodyDim, model: `${GENERATOR_NAME}-body` } : null,
    attributes: sim.attributeNames,
    notes: NOTES,
  };
  return {
    dir: "",
    manifest,
    observations: t,
    face: concat(faceParts, faces * config.faceDim),
    body: config.body ? concat(bodyParts, bodies * config.bodyDim) : null,
  };
}
